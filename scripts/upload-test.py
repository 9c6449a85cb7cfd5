#!/usr/bin/python3
"""Uploads with a real third-party tus client (tuspy 1.1.0 from PyPI, installed into
.build/pydeps by scripts/install-deps.sh) through an edge into a transcoder in front of
one origin:

  a generated video goes up in 256 KiB chunks with sha256 checksums; a proxy cuts the
  connection once in the middle of a chunk, then the transcoder is killed with SIGKILL in
  the middle of another and started again; each time the same client resumes from the
  offset the server reports. The job must complete: its id is the SHA-256 of the original
  file (so the spool got it byte for byte), `GET /api/uploads/<id>` reaches "done", and the
  video decodes through the edge.

  scripts/upload-test.py [BIN_DIR]      (default .build/debug; run by scripts/test-all.sh)
Prints one line per check and "upload: N passed, 0 failed"; exits 1 on the first failure.
"""
import hashlib, json, os, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".build/pydeps"))
from tusclient import client as tus  # noqa: E402

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug"))
WORK = tempfile.mkdtemp(prefix="vod-upload-")
TOKEN, UPLOAD_TOKEN = "ingest-token", "upload-token"
CHUNK = 256 << 10
CHECKS = Checks("upload", WORK, tail=60)
check, start, procs, wait_healthy = CHECKS.check, CHECKS.start, CHECKS.procs, CHECKS.wait_healthy

def get(url, headers={}):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        return r.status, r.read()


class CuttingProxy:
    """Forwards 127.0.0.1:port to the transcoder; `arm(n, action)` runs `action` once when n
    more bytes have gone upstream (in the middle of a chunk), then closes both sides."""
    def __init__(self, upstream):
        self.upstream, self.sent, self.trigger = upstream, 0, None
        self.listener = socket.socket(); self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0)); self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def arm(self, after, action):
        self.trigger = (self.sent + after, action)

    def accept(self):
        while True:
            c, _ = self.listener.accept()
            try: u = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError: c.close(); continue
            threading.Thread(target=self.pump, args=(c, u, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(u, c, False), daemon=True).start()

    def pump(self, a, b, upward):
        try:
            while True:
                data = a.recv(65536)
                if not data: break
                if upward:
                    self.sent += len(data)
                    if self.trigger and self.sent >= self.trigger[0]:
                        action, self.trigger = self.trigger[1], None
                        action()
                        break
                b.sendall(data)
        except OSError: pass
        for s in (a, b):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
            s.close()

def resume(endpoint, path, url):
    """The same client, again from the offset the server has (tuspy HEADs it)."""
    uploader = tus.TusClient(endpoint, headers={"Authorization": f"Bearer {UPLOAD_TOKEN}"}).uploader(
        path, url=url, chunk_size=CHUNK, upload_checksum=True)
    return uploader

def main():
    ports = {n: free_port() for n in ["origin", "transcoder", "edge"]}
    os.makedirs(f"{WORK}/media")
    start("origin", [f"{BIN}/vod-origin", "--listen", f"127.0.0.1:{ports['origin']}", "--media", f"{WORK}/media", "--token", TOKEN])
    config = {"spool": f"{WORK}/spool", "origins": [f"http://127.0.0.1:{ports['origin']}"], "replicas": 1, "token": TOKEN,
              "listen": f"127.0.0.1:{ports['transcoder']}", "uploadTokens": [UPLOAD_TOKEN], "rescanSeconds": 1, "leaseTimeoutSeconds": 4,
              "heartbeatSeconds": 0.5, "encode": {"gopSeconds": 2, "preset": "ultrafast"}, "ladder": [{"height": 240, "videoKbps": 300}]}
    json.dump(config, open(f"{WORK}/transcoder.json", "w"))
    start("transcoder", [f"{BIN}/vod-transcoder", "--config", f"{WORK}/transcoder.json"])
    edge = {"listen": f"127.0.0.1:{ports['edge']}", "origins": [f"http://127.0.0.1:{ports['origin']}"], "cacheDir": f"{WORK}/edge-cache",
            "transcoders": [f"http://127.0.0.1:{ports['transcoder']}"], "loops": 1}
    json.dump(edge, open(f"{WORK}/edge.json", "w"))
    start("edge", [f"{BIN}/vod-edge", "--config", f"{WORK}/edge.json"])
    for p in ports.values(): wait_healthy(p)
    proxy = CuttingProxy(ports["edge"])
    endpoint = f"http://127.0.0.1:{proxy.port}/api/uploads"

    source = f"{WORK}/holiday clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=6", "-f", "lavfi", "-i",
                    "sine=frequency=330:duration=6", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "4M", "-c:a", "aac", source], check=True)
    size = os.path.getsize(source)
    digest = hashlib.sha256(open(source, "rb").read()).hexdigest()
    check(size > 8 * CHUNK, f"a {size} byte source ({size // CHUNK + 1} chunks of {CHUNK})")

    uploader = tus.TusClient(endpoint, headers={"Authorization": f"Bearer {UPLOAD_TOKEN}"}).uploader(
        source, chunk_size=CHUNK, metadata={"filename": os.path.basename(source), "title": "Holiday"}, upload_checksum=True)
    uploader.upload_chunk(); uploader.upload_chunk()
    url = uploader.url
    check(uploader.offset == 2 * CHUNK and "/api/uploads/" in url, f"tuspy created {url.split('/')[-1]} and sent 2 chunks")

    # The connection cut in the middle of the third chunk.
    proxy.arm(CHUNK // 2, lambda: None)
    try:
        uploader.upload_chunk()
        check(False, "the cut chunk failed on the client")
    except Exception:
        pass
    uploader = resume(endpoint, source, url)
    check(uploader.offset >= 2 * CHUNK and uploader.offset <= 3 * CHUNK,
          f"after a cut mid-chunk the server reports offset {uploader.offset} and the client resumes there")
    uploader.upload_chunk(); uploader.upload_chunk()

    # SIGKILL in the middle of the next chunk; a new transcoder on the same spool and port.
    acknowledged = uploader.offset
    proxy.arm(CHUNK // 3, lambda: procs.pop("transcoder").kill())
    try:
        uploader.upload_chunk()
    except Exception:
        pass
    start("transcoder", [f"{BIN}/vod-transcoder", "--config", f"{WORK}/transcoder.json"])
    wait_healthy(ports["transcoder"])
    uploader = resume(endpoint, source, url)
    check(acknowledged <= uploader.offset <= acknowledged + CHUNK,
          f"after kill -9 mid-chunk the restarted transcoder reports offset {uploader.offset} (last acknowledged {acknowledged})")
    uploader.upload()
    check(uploader.offset == size, f"the same client finished the upload ({size} bytes)")

    status = {}
    for _ in range(600):
        status = json.loads(get(f"http://127.0.0.1:{ports['edge']}{urllib.parse.urlparse(url).path}",
                                {"Authorization": f"Bearer {UPLOAD_TOKEN}"})[1])
        if status.get("state") in ("done", "failed"): break
        time.sleep(0.2)
    check(status.get("job") == digest[:20], f"the job id is the SHA-256 of the original: the spool got it byte for byte ({digest[:20]})")
    check(status.get("state") == "done", f"GET /api/uploads/<id> reached done: {status.get('state')} {status.get('reason', '')}")
    video = status.get("video")
    r = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", f"http://127.0.0.1:{ports['edge']}/hls/{video}/master.m3u8", "-map", "0",
                        "-f", "null", "-"], capture_output=True, text=True)
    check(r.returncode == 0 and not r.stderr.strip(), f"the uploaded video decodes through the edge ({status.get('hls')})")
    manifest = json.loads(get(f"http://127.0.0.1:{ports['origin']}/api/videos/{video}/manifest.json")[1])
    check(manifest.get("title") == "holiday clip.mp4", f"its title is the uploaded file's name: {manifest.get('title')}")

if __name__ == "__main__":
    import urllib.parse
    try:
        main()
        print(f"upload: {CHECKS.passed} passed, 0 failed")
    finally:
        for p in procs.values():
            p.send_signal(signal.SIGTERM)
            try: p.wait(timeout=10)
            except Exception: p.kill()
