#!/usr/bin/env python3
"""The hardening probe of issue 12, re-run against the release daemons (vod-origin, vod-edge):

1. pipeline flood: one (then two) connections pipeline 200,000 `GET /healthz` while a normal
   client fetches a segment every 20 ms: the normal client's p50/p99/max latency.
2. greedy clients: N connections pipeline 100 segment requests each and never read: the
   server's RSS before and after (N = 1,000 and 10,000).
3. full cache disk: the edge's cache on a tmpfs of 8 MiB (budget 1 GiB, minFreeMB 0) while
   another writer fills that disk again and again; players fetch every segment of a one-minute
   720p video three times: complete bytes, origin health, the edge's write-error metrics.
4. poisoning: an origin that sends a second, unasked response after every `/a/` answer:
   what the next requests get, and whether the extra bytes were ever cached.
5. uncached bodies: 10 players at once fetch 15.6 MB bodies the edge does not cache (chunked,
   no length, a 6 KB head, an unwritable cache): the edge's peak RSS and the time to the
   first body byte.

   bench/hardening-probe.py            (after `swift build -c release`; needs bench/out/720p-1min.mp4)
"""
import json, os, resource, urllib.parse, shutil, signal, socket, statistics, subprocess, sys, threading, time, urllib.request

OUT = os.path.abspath("bench/out/probe")
ORIGIN, EDGE, RAW = 18290, 18291, 18292
VIDEO = "bench/out/720p-1min.mp4"
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

def get(port, path, timeout=30):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return r.status, dict(r.headers), r.read()

def wait(port):
    for _ in range(200):
        try:
            get(port, "/healthz", 1); return
        except Exception:
            time.sleep(0.05)
    raise SystemExit(f"nothing on {port}")

def metric(port, name):
    text = get(port, "/metrics")[2].decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])

def start_origin(media):
    p = subprocess.Popen([".build/release/vod-origin", "--media", media, "--listen", f"127.0.0.1:{ORIGIN}", "--loops", "1", "--no-access-log"],
                         stderr=open(f"{OUT}/origin.log", "w"))
    wait(ORIGIN); return p

def start_edge(settings, tmpfs_kb=None):
    cache = f"{OUT}/edge-cache"
    os.makedirs(cache, exist_ok=True)
    config = {"listen": f"127.0.0.1:{EDGE}", "origins": [f"http://127.0.0.1:{ORIGIN}"], "cacheDir": cache, "loops": 1, "accessLog": False}
    config.update(settings)
    json.dump(config, open(f"{OUT}/edge.json", "w"))
    command = [".build/release/vod-edge", "--config", f"{OUT}/edge.json"]
    if tmpfs_kb:
        command = ["unshare", "-m", "sh", "-c", f'mount -t tmpfs -o size={tmpfs_kb}k tmpfs "{cache}" && exec "$0" "$@"'] + command
    p = subprocess.Popen(command, stderr=open(f"{OUT}/edge.log", "w"))
    wait(EDGE); return p, cache

def stop(p):
    p.send_signal(signal.SIGTERM)
    try: p.wait(timeout=15)
    except Exception: p.kill()

def flood(port, requests, done):
    s = socket.create_connection(("127.0.0.1", port))
    def drain():
        while True:
            try:
                if not s.recv(1 << 20): return
            except OSError: return
    reader = threading.Thread(target=drain, daemon=True); reader.start()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n" * requests)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
    reader.join(); done.append(time.time())

def probe_flood(name, port, segment, flooders):
    get(port, segment)  # warm (the edge caches it)
    done, latencies = [], []
    started = time.time()
    threads = [threading.Thread(target=flood, args=(port, 200_000, done)) for _ in range(flooders)]
    [t.start() for t in threads]
    while len(done) < flooders or time.time() - started < 3:
        t = time.time()
        try:
            status = get(port, segment, timeout=60)[0]
        except Exception:
            status = 0
        latencies.append((time.time() - t) * 1000 if status == 200 else 60_000)
        time.sleep(0.02)
    [t.join() for t in threads]
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"  {name:7s} {flooders} flooding connection(s) of 200,000 requests, done in {max(done) - started:.1f} s; "
          f"normal client: {len(latencies)} requests, p50 {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms, max {latencies[-1]:.2f} ms")

def probe_greedy(name, port, pid, segment, n):
    before = rss_mb(pid)
    socks = []
    request = f"GET {segment} HTTP/1.1\r\nHost: probe\r\n\r\n".encode() * 100
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        try: s.send(request)
        except BlockingIOError: pass
        socks.append(s)
    time.sleep(5)
    after = rss_mb(pid)
    t = time.time(); status = get(port, "/healthz")[0]; ms = (time.time() - t) * 1000
    print(f"  {name:7s} {n:6d} connections pipelining 100 requests for {segment.split('/')[-1]} and never reading: "
          f"RSS {before:.0f} -> {after:.0f} MB (+{after - before:.0f}); another client's /healthz: {status} in {ms:.1f} ms")
    for s in socks: s.close()
    time.sleep(2)

def probe_full_disk(media, video):
    edge, cache = start_edge({"maxCacheMB": 1024, "minFreeMB": 0, "cacheRetrySeconds": 2}, tmpfs_kb=8192)
    reachable = f"/proc/{edge.pid}/root{cache}"
    # Every segment and init segment the playlists name (CMAF and TS), and the whole file.
    paths = [f"/mp4/{video}/{video}.mp4"]
    def walk(playlist):
        for line in get(ORIGIN, playlist)[2].decode().splitlines():
            uris = [line] if line and not line.startswith("#") else []
            if 'URI="' in line: uris.append(line.split('URI="', 1)[1].split('"', 1)[0])
            for uri in uris:
                path = urllib.parse.urlparse(urllib.parse.urljoin(f"http://x{playlist}", uri)).path
                if path.endswith(".m3u8"): walk(path)
                elif path not in paths: paths.append(path)
    walk(f"/hls/{video}/master.m3u8")
    walk(f"/hls-ts/{video}/master.m3u8")
    expected = {p: get(ORIGIN, p)[2] for p in paths}
    stop_fill = []
    def fill():
        while not stop_fill:
            try:
                with open(f"{reachable}/filler", "wb") as f:
                    while True: f.write(b"\0" * 65536)
            except OSError:
                pass
            time.sleep(0.05)
            try: os.unlink(f"{reachable}/filler")
            except OSError: pass
            time.sleep(0.05)
    filler = threading.Thread(target=fill); filler.start()
    results = []
    def player(k):
        for rounds in range(3):
            for p in paths[k::4]:
                try: results.append(get(EDGE, p)[2] == expected[p])
                except Exception: results.append(False)
    players = [threading.Thread(target=player, args=(k,)) for k in range(4)]
    [t.start() for t in players]; [t.join() for t in players]
    stop_fill.append(1); filler.join()
    total = sum(len(expected[p]) for p in paths) * 3
    print(f"  {len(results)} player requests ({total / 2**20:.0f} MiB) through an 8 MiB cache disk being filled by another writer: "
          f"{sum(results)} complete and identical to the origin's, {len(results) - sum(results)} not")
    print(f"  edge metrics: write errors {metric(EDGE, 'vod_edge_cache_write_errors_total'):.0f}, evictions {metric(EDGE, 'vod_edge_cache_evictions_total'):.0f}, "
          f"origin up {metric(EDGE, 'vod_edge_origin_up_0'):.0f}, origin errors {metric(EDGE, 'vod_edge_origin_errors_0'):.0f}, "
          f"cache bytes {metric(EDGE, 'vod_edge_cache_bytes') / 2**20:.1f} MiB")
    log = open(f"{OUT}/edge.log").read()
    blamed = [l for l in log.splitlines() if "origin" in l and ("failed" in l or "down" in l)]
    print(f"  edge log: {log.count('a local disk error')} 'local disk error' line(s), {len(blamed)} blaming an origin")
    stop(edge)

def probe_poisoning():
    listener = socket.socket(); listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", RAW)); listener.listen(64)
    def serve(c):
        pending = b""
        while True:
            data = c.recv(65536)
            if not data: return
            pending += data
            while b"\r\n\r\n" in pending:
                head, pending = pending.split(b"\r\n\r\n", 1)
                body = b"hello" if b"/a/" in head.split(b"\r\n")[0] else b"world"
                out = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: public, max-age=60\r\n\r\n" + body
                if body == b"hello":
                    out += b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nCache-Control: public, max-age=31536000, immutable\r\n\r\nPOISON"
                c.sendall(out)
    def accept():
        while True:
            c, _ = listener.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    edge, _ = start_edge({"origins": [f"http://127.0.0.1:{RAW}"], "maxCacheMB": 64})
    answers = [get(EDGE, "/cmaf/v/a/1.m4s")[2]] + [get(EDGE, f"/cmaf/v/b/{n}.m4s")[2] for n in range(1, 4)] + [get(EDGE, "/cmaf/v/b/1.m4s")[2]]
    stop(edge)
    log = open(f"{OUT}/edge.log").read()
    print(f"  answers: {[a.decode() for a in answers]}; POISON served or cached: {b'POISON' in b''.join(answers)}; "
          f"logged 'sent more data than specified': {'sent more data than specified' in log or 'between responses' in log}")

def probe_uncached():
    body = os.urandom(15_600_000)
    listener = socket.socket(); listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", RAW + 1)); listener.listen(64)
    def serve(c):
        c.recv(65536)
        kind = "chunked"
        c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: max-age=60\r\nX-Pad: " + b"p" * 6000 + b"\r\n\r\n")
        for i in range(0, len(body), 65536):
            piece = body[i:i + 65536]
            c.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        c.sendall(b"0\r\n\r\n"); c.close()
    def accept():
        while True:
            c, _ = listener.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    global ORIGIN
    saved, ORIGIN = ORIGIN, RAW + 1
    edge, _ = start_edge({"maxCacheMB": 64})
    ORIGIN = saved
    base = rss_mb(edge.pid); peak = [base]; done = []
    def sample():
        while not done:
            peak[0] = max(peak[0], rss_mb(edge.pid)); time.sleep(0.01)
    sampler = threading.Thread(target=sample); sampler.start()
    firsts, ok = [], []
    def player(n):
        s = socket.create_connection(("127.0.0.1", EDGE)); t = time.time()
        s.sendall(f"GET /big/{n}.mp4 HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n".encode())
        data = b""; first = None
        while True:
            chunk = s.recv(1 << 20)
            if not chunk: break
            if first is None and b"\r\n\r\n" in data + chunk: first = time.time() - t
            data += chunk
        firsts.append(first or 0); ok.append(len(data) > len(body))
    players = [threading.Thread(target=player, args=(n,)) for n in range(10)]
    [t.start() for t in players]; [t.join() for t in players]
    done.append(1); sampler.join()
    print(f"  10 players, 15.6 MB chunked bodies with a 6 KB head: {sum(ok)} complete; first bytes after {statistics.median(firsts) * 1000:.0f} ms (median); "
          f"edge RSS {base:.0f} -> peak {peak[0]:.0f} MB (+{peak[0] - base:.0f})")
    stop(edge)

def main():
    shutil.rmtree(OUT, ignore_errors=True); os.makedirs(f"{OUT}/media")
    os.link(VIDEO, f"{OUT}/media/clip.mp4") if os.stat(VIDEO).st_dev == os.stat(OUT).st_dev else shutil.copy(VIDEO, f"{OUT}/media/clip.mp4")
    origin = start_origin(f"{OUT}/media")
    segment = "/cmaf/clip/video/2.m4s"
    try:
        print("1. pipeline flood")
        edge, _ = start_edge({"maxCacheMB": 1024})
        for flooders in (1, 2):
            probe_flood("origin", ORIGIN, segment, flooders)
            probe_flood("edge", EDGE, segment, flooders)
        print("2. greedy clients")
        for n in (1000, 10000):
            probe_greedy("origin", ORIGIN, origin.pid, segment, n)
            probe_greedy("edge", EDGE, edge.pid, segment, n)
        stop(edge)
        print("3. full cache disk")
        probe_full_disk(f"{OUT}/media", "clip")
        print("4. a mis-framing origin")
        probe_poisoning()
        print("5. bodies the edge does not cache")
        probe_uncached()
    finally:
        stop(origin)

if __name__ == "__main__":
    main()
