#!/usr/bin/env python3
"""Edge hit throughput: vod-edge (and, if VOD_EDGE_BEFORE names one, an earlier vod-edge
binary) against nginx proxy_cache and Varnish in front of the same origin, in one run.

Objects: a 2 KB playlist, the same playlist as players ask for it (`Accept-Encoding: gzip`:
the origin answers it gzip-coded with `Vary: Accept-Encoding`, as ours does), 200 KB, 1 MB and
4 MB bodies (Cache-Control immutable), each requested twice first so every edge holds it. Then, per round, per object, per edge:
`wrk -t1 -c32 -d5s`, wrk pinned to CPU 0 and every server to CPU 1 (one core each; our
edge and nginx run one event loop / worker process, Varnish its thread pool on the same
core). Prints the median requests per second of ROUNDS rounds and each edge's ratio to ours,
then how busy the servers' core was and its CPU time per request (from /proc/stat): where wrk's
core is the one that is full (large bodies: the client copies every byte out of its socket), the
requests per second measure the client, and the CPU time per hit is what tells the edges apart.
"""
import gzip, http.server, os, shutil, socketserver, statistics, subprocess, sys, threading, time, urllib.request

OUT = os.path.abspath("bench/out/edge-hit")
ROUNDS = int(os.environ.get("ROUNDS", "3"))
SECONDS = os.environ.get("SECONDS_PER_RUN", "5")
ORIGIN, VOD, BEFORE, NGINX, VARNISH = 18190, 18191, 18192, 18193, 18194
PLAYLIST = b"#EXTM3U\n" + b"".join(b"#EXTINF:%.6f,\nseg-%d.m4s\n" % (6 - (i % 7) * 0.033367, i) for i in range(1, 91))
OBJECTS = {"playlist": PLAYLIST, "200k": os.urandom(200_000), "1m": os.urandom(1_000_000), "4m": os.urandom(4_000_000)}
PLAYLIST_GZIP = gzip.compress(PLAYLIST, mtime=0)
PATHS = {"playlist": "/hls/bench/video/index.m3u8", "200k": "/cmaf/bench/video/200k.m4s",
         "1m": "/cmaf/bench/video/1m.m4s", "4m": "/cmaf/bench/video/4m.m4s"}
# What each measured object is: its path and the request header players send with it.
MEASURED = {"playlist": (PATHS["playlist"], None), "playlist gzip": (PATHS["playlist"], "Accept-Encoding: gzip"),
            "200k": (PATHS["200k"], None), "1m": (PATHS["1m"], None), "4m": (PATHS["4m"], None)}

class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        name = next((n for n, p in PATHS.items() if p == self.path), None)
        if name is None:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        body = OBJECTS[name]
        coded = name == "playlist" and "gzip" in self.headers.get("Accept-Encoding", "")
        if coded: body = PLAYLIST_GZIP
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        self.send_header("Content-Type", "application/vnd.apple.mpegurl" if name == "playlist" else "video/mp4")
        if name == "playlist": self.send_header("Vary", "Accept-Encoding")
        if coded: self.send_header("Content-Encoding", "gzip")
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True; allow_reuse_address = True

def wait_port(port):
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1); return
        except Exception as e:
            if getattr(e, "code", None): return
            time.sleep(0.05)
    raise SystemExit(f"nothing answers on {port}")

def core_times(cpu):
    """(busy, total) clock ticks of one core so far, from /proc/stat."""
    with open("/proc/stat") as f:
        for line in f:
            fields = line.split()
            if fields[0] == f"cpu{cpu}":
                ticks = [int(x) for x in fields[1:]]
                return sum(ticks) - ticks[3] - ticks[4], sum(ticks)
    return 0, 1

def pinned(cpu, args, **kw):
    return subprocess.Popen(["taskset", "-c", str(cpu)] + args, **kw)

def main():
    shutil.rmtree(OUT, ignore_errors=True); os.makedirs(OUT)
    origin = Server(("127.0.0.1", ORIGIN), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    procs = {}
    edges = [("vod-edge", VOD, ".build/release/vod-edge")]
    if os.environ.get("VOD_EDGE_BEFORE"):
        edges.append(("vod-edge before", BEFORE, os.environ["VOD_EDGE_BEFORE"]))
    for name, port, binary in edges:
        procs[name] = pinned(1, [binary, "--listen", f"127.0.0.1:{port}", "--origins", f"http://127.0.0.1:{ORIGIN}",
                                 "--cache-dir", f"{OUT}/{port}-cache", "--loops", "1", "--no-access-log", "--max-cache-mb", "1024"],
                             stderr=open(f"{OUT}/{port}.log", "w"))
    with open(f"{OUT}/nginx.conf", "w") as f:
        f.write(f"""worker_processes 1; pid {OUT}/nginx.pid; error_log {OUT}/nginx-error.log; daemon off;
events {{ worker_connections 4096; }}
http {{ access_log off; sendfile on; tcp_nopush on;
  proxy_cache_path {OUT}/nginx-cache levels=1:2 keys_zone=vod:10m max_size=1g inactive=1d use_temp_path=off;
  upstream origin {{ server 127.0.0.1:{ORIGIN}; keepalive 32; }}
  server {{ listen 127.0.0.1:{NGINX};
    location /healthz {{ return 200 "ok"; }}
    location / {{ proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_cache vod; proxy_cache_lock on; proxy_cache_valid 200 1y; }} }} }}
""")
    procs["nginx proxy_cache"] = pinned(1, ["nginx", "-c", f"{OUT}/nginx.conf"])
    with open(f"{OUT}/default.vcl", "w") as f:
        f.write(f'vcl 4.1;\nbackend default {{ .host = "127.0.0.1"; .port = "{ORIGIN}"; }}\n')
    procs["Varnish"] = pinned(1, ["varnishd", "-F", "-j", "none", "-n", f"{OUT}/varnish", "-a", f"127.0.0.1:{VARNISH}",
                                  "-f", f"{OUT}/default.vcl", "-s", "malloc,1g", "-p", "thread_pools=1"],
                              stdout=subprocess.DEVNULL, stderr=open(f"{OUT}/varnish.log", "w"))
    ports = {"vod-edge": VOD, "vod-edge before": BEFORE, "nginx proxy_cache": NGINX, "Varnish": VARNISH}
    try:
        for name in procs: wait_port(ports[name])
        for name in procs:
            for path, header in MEASURED.values():
                for _ in range(2):
                    request = urllib.request.Request(f"http://127.0.0.1:{ports[name]}{path}", headers=dict([header.split(": ")]) if header else {})
                    body = urllib.request.urlopen(request, timeout=10).read()
                    if header and body != PLAYLIST_GZIP: raise SystemExit(f"{name} did not answer the playlist gzip-coded")
        rates = {(n, o): [] for n in procs for o in MEASURED}
        busy = {(n, o): [] for n in procs for o in MEASURED}  # share of the servers' core in use
        cost = {(n, o): [] for n in procs for o in MEASURED}  # its CPU microseconds per request
        for r in range(ROUNDS):
            for obj, (path, header) in MEASURED.items():
                for name in procs:
                    before = core_times(1)
                    out = subprocess.run(["taskset", "-c", "0", "wrk", "-t1", "-c32", f"-d{SECONDS}s"] + (["-H", header] if header else [])
                                         + [f"http://127.0.0.1:{ports[name]}{path}"], capture_output=True, text=True).stdout
                    rps = [float(l.split()[1]) for l in out.splitlines() if l.startswith("Requests/sec")]
                    after = core_times(1)
                    share = (after[0] - before[0]) / max(after[1] - before[1], 1)
                    rates[(name, obj)].append(rps[0] if rps else 0.0)
                    busy[(name, obj)].append(share)
                    if rps and rps[0]: cost[(name, obj)].append(share * 1e6 / rps[0])
                    print(f"round {r + 1} {obj:8s} {name:18s} {rps[0] if rps else 0:10.0f} req/s  server core {share:4.0%} busy",
                          flush=True)
        print("\n| object | " + " | ".join(procs) + " |")
        print("|---|" + "---|" * len(procs))
        for obj in MEASURED:
            ours = statistics.median(rates[("vod-edge", obj)])
            cells = []
            for name in procs:
                m = statistics.median(rates[(name, obj)])
                cells.append(f"{m:,.0f}" + ("" if name == "vod-edge" else f" ({ours / m:.2f}x)" if m else ""))
            print(f"| {obj} | " + " | ".join(cells) + " |")
        print("\n(xN: vod-edge's median over that edge's median)")
        print("\nThe servers' core: median share busy, median CPU microseconds per request")
        print("\n| object | " + " | ".join(procs) + " |")
        print("|---|" + "---|" * len(procs))
        for obj in MEASURED:
            cells = [f"{statistics.median(busy[(n, obj)]):.0%}, {statistics.median(cost[(n, obj)]) if cost[(n, obj)] else 0:,.0f} us"
                     for n in procs]
            print(f"| {obj} | " + " | ".join(cells) + " |")
    finally:
        for p in procs.values(): p.terminate()
        for p in procs.values():
            try: p.wait(timeout=10)
            except Exception: p.kill()

if __name__ == "__main__":
    main()
