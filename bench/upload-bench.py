#!/usr/bin/env python3
"""Upload throughput: a file sent with curl as one tus PATCH through vod-edge to
vod-transcoder's spool (creation, then the whole body, acknowledged after an fsync),
against the same file sent with curl as a PUT to nginx (WebDAV: the body written to
client_body_temp_path, then renamed into place; no fsync), alternating, ROUNDS rounds,
median MB/s each and the ratio. Then one upload of SIZE_BIG through the edge while the
RSS of the edge and the transcoder is sampled every 50 ms.

   bench/upload-bench.sh        (SIZE_MB=1024 ROUNDS=3 SIZE_BIG_MB=2048)
"""
import json, os, shutil, signal, statistics, subprocess, threading, time, urllib.request

OUT = os.path.abspath("bench/out/upload")
EDGE, TRANSCODER, NGINX, ORIGIN = 18390, 18391, 18392, 18393
SIZE = int(os.environ.get("SIZE_MB", "1024")) << 20
BIG = int(os.environ.get("SIZE_BIG_MB", "2048")) << 20
ROUNDS = int(os.environ.get("ROUNDS", "3"))
TOKEN = "bench"

def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024

def cpu_seconds(pid):
    """User and system CPU seconds of a process and all its threads."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def wait(port):
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1); return
        except Exception as e:
            if getattr(e, "code", None): return
            time.sleep(0.05)
    raise SystemExit(f"nothing on {port}")

def make(path, size):
    with open(path, "wb") as f:
        block = os.urandom(1 << 20)
        for _ in range(size >> 20): f.write(block)

def tus_upload(path, size):
    """POST, then one PATCH of the whole file with curl; seconds from the POST to the 204."""
    t = time.time()
    out = subprocess.run(["curl", "-s", "-i", "-X", "POST", f"http://127.0.0.1:{EDGE}/api/uploads", "-H", f"Authorization: Bearer {TOKEN}",
                          "-H", "Tus-Resumable: 1.0.0", "-H", f"Upload-Length: {size}", "-H", "Upload-Metadata: filename YmVuY2guYmlu"],
                         capture_output=True, text=True).stdout
    location = next(l.split(": ", 1)[1].strip() for l in out.splitlines() if l.lower().startswith("location:"))
    code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PATCH", "-T", path, f"http://127.0.0.1:{EDGE}{location}",
                           "-H", f"Authorization: Bearer {TOKEN}", "-H", "Tus-Resumable: 1.0.0", "-H", "Upload-Offset: 0",
                           "-H", "Content-Type: application/offset+octet-stream", "-H", "Expect:"], capture_output=True, text=True).stdout
    seconds = time.time() - t
    assert code == "204", code
    return seconds

def nginx_put(path, n):
    t = time.time()
    code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-T", path, f"http://127.0.0.1:{NGINX}/put/file-{n}", "-H", "Expect:"],
                          capture_output=True, text=True).stdout
    seconds = time.time() - t
    assert code in ("201", "204"), code
    return seconds

def settle(spool):
    """Waits for the transcoder to be done with earlier uploads (hashing, claiming, failing them), then empties the spool."""
    for _ in range(600):
        busy = os.listdir(f"{spool}/incoming") or [d for d in os.listdir(f"{spool}/claimed")]
        if not busy: break
        time.sleep(0.1)
    for d in ("failed", "uploads"):
        shutil.rmtree(f"{spool}/{d}", ignore_errors=True); os.makedirs(f"{spool}/{d}")

def main():
    shutil.rmtree(OUT, ignore_errors=True); os.makedirs(f"{OUT}/nginx-root/put"); os.makedirs(f"{OUT}/nginx-temp")
    spool = f"{OUT}/spool"
    json.dump({"spool": spool, "origins": [f"http://127.0.0.1:{ORIGIN}"], "listen": f"127.0.0.1:{TRANSCODER}", "uploadTokens": [TOKEN],
               "maxUploadBytes": 1 << 40, "rescanSeconds": 1, "settleSeconds": 0.5}, open(f"{OUT}/transcoder.json", "w"))
    json.dump({"listen": f"127.0.0.1:{EDGE}", "origins": [f"http://127.0.0.1:{ORIGIN}"], "cacheDir": f"{OUT}/edge-cache", "loops": 1,
               "transcoders": [f"http://127.0.0.1:{TRANSCODER}"], "accessLog": False}, open(f"{OUT}/edge.json", "w"))
    with open(f"{OUT}/nginx.conf", "w") as f:
        f.write(f"""{"user root; " if os.getuid() == 0 else ""}master_process off; worker_processes 1; pid {OUT}/nginx.pid; error_log {OUT}/nginx-error.log; daemon off;
events {{ worker_connections 1024; }}
http {{ access_log off; client_max_body_size 0; client_body_temp_path {OUT}/nginx-temp;
  server {{ listen 127.0.0.1:{NGINX}; root {OUT}/nginx-root;
    location /healthz {{ return 200 "ok"; }}
    location /put/ {{ dav_methods PUT; create_full_put_path on; }} }} }}
""")
    procs = {
        "transcoder": subprocess.Popen([".build/release/vod-transcoder", "--config", f"{OUT}/transcoder.json"], stderr=open(f"{OUT}/transcoder.log", "w")),
        "edge": subprocess.Popen([".build/release/vod-edge", "--config", f"{OUT}/edge.json"], stderr=open(f"{OUT}/edge.log", "w")),
        "nginx": subprocess.Popen(["nginx", "-c", f"{OUT}/nginx.conf"]),
    }
    try:
        for port in (EDGE, TRANSCODER, NGINX): wait(port)
        path = f"{OUT}/file.bin"
        make(path, SIZE)
        ours, theirs = [], []
        for r in range(ROUNDS):
            settle(spool)
            before = {k: cpu_seconds(p.pid) for k, p in procs.items()}
            s = tus_upload(path, SIZE); ours.append(SIZE / s / 1e6)
            middle = {k: cpu_seconds(p.pid) for k, p in procs.items()}
            settle(spool)
            n = nginx_put(path, r); theirs.append(SIZE / n / 1e6)
            after = cpu_seconds(procs["nginx"].pid)
            os.unlink(f"{OUT}/nginx-root/put/file-{r}")
            print(f"round {r + 1}: tus through vod-edge {ours[-1]:.0f} MB/s (CPU s: edge {middle['edge'] - before['edge']:.2f}, "
                  f"transcoder {middle['transcoder'] - before['transcoder']:.2f}), nginx PUT {theirs[-1]:.0f} MB/s "
                  f"(CPU s: {after - middle['nginx']:.2f})", flush=True)
        o, t = statistics.median(ours), statistics.median(theirs)
        print(f"{SIZE >> 20} MiB, median of {ROUNDS}: vod-edge → vod-transcoder {o:.0f} MB/s, nginx {t:.0f} MB/s, ratio {o / t:.2f}")
        os.unlink(path)
        settle(spool)
        big = f"{OUT}/big.bin"
        make(big, BIG)
        base = {k: rss_mb(p.pid) for k, p in procs.items() if k != "nginx"}
        peak = dict(base); done = []
        def sample():
            while not done:
                for k in peak: peak[k] = max(peak[k], rss_mb(procs[k].pid))
                time.sleep(0.05)
        sampler = threading.Thread(target=sample); sampler.start()
        s = tus_upload(big, BIG)
        done.append(1); sampler.join()
        print(f"{BIG >> 20} MiB through the edge in {s:.1f} s ({BIG / s / 1e6:.0f} MB/s): RSS edge {base['edge']:.0f} -> peak {peak['edge']:.0f} MB, "
              f"transcoder {base['transcoder']:.0f} -> peak {peak['transcoder']:.0f} MB")
        os.unlink(big)
    finally:
        for p in procs.values():
            p.send_signal(signal.SIGTERM)
            try: p.wait(timeout=15)
            except Exception: p.kill()

if __name__ == "__main__":
    main()
