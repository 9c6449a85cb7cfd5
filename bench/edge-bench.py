#!/usr/bin/env python3
"""vod-edge against nginx proxy_cache in front of the same slow origin, on one machine.

  bench/edge-bench.py   (run by bench/edge-bench.sh, which builds and installs what it needs)

1. Coalesced miss: 10 players ask at once for an object not yet cached; the origin takes
   300 ms to answer. Reports each edge's origin fetches and the players' extra wait over
   the origin's time (nginx proxy_cache_lock polls every 500 ms; ours streams to waiters).
2. Budget: 150 distinct 1 MB objects pushed through each edge with a 20 MB budget;
   reports the most bytes seen on disk (sampled every 50 ms) and at the end.
3. Warm restart: restart each edge and request a cached object: hit or miss.
4. Hit throughput: wrk on a cached 1.5 MB object through each edge (one thread each).
"""
import http.client, http.server, os, shutil, signal, socketserver, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench/out/edge")
ORIGIN_PORT, VOD_PORT, NGINX_PORT = 18381, 18380, 18382
DELAY = 0.3
BODY = bytes((i * 7) & 0xFF for i in range(1 << 20))
fetches = {}
lock = threading.Lock()

class SlowOrigin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        with lock: fetches[self.path] = fetches.get(self.path, 0) + 1
        time.sleep(DELAY)
        body = BIG if self.path.startswith("/cmaf/big/") else BODY
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        self.send_header("ETag", '"%d"' % hash(self.path))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass

BIG = bytes((i * 13) & 0xFF for i in range(1_500_000))

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body

def disk_bytes(d):
    total = 0
    for root, _, files in os.walk(d):
        for f in files:
            try: total += os.path.getsize(os.path.join(root, f))
            except OSError: pass
    return total

def start_vod():
    return subprocess.Popen([os.path.join(ROOT, ".build/release/vod-edge"), "--listen", f"127.0.0.1:{VOD_PORT}", "--origins",
                             f"http://127.0.0.1:{ORIGIN_PORT}", "--cache-dir", f"{OUT}/vod-cache", "--max-cache-mb", "20",
                             "--loops", "1", "--no-access-log"], stderr=open(f"{OUT}/vod-edge.log", "a"))

def nginx(*args):
    subprocess.run(["nginx", "-c", f"{OUT}/nginx.conf", *args], check=True)

def wait_port(port):
    for _ in range(100):
        try: get(port, "/healthz"); return
        except OSError: time.sleep(0.05)

def main():
    shutil.rmtree(OUT, ignore_errors=True); os.makedirs(f"{OUT}/nginx-cache"); os.makedirs(f"{OUT}/vod-cache")
    with open(f"{OUT}/nginx.conf", "w") as f:
        f.write(f"""worker_processes 1; pid {OUT}/nginx.pid; error_log {OUT}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{ access_log off; sendfile on; tcp_nopush on;
  proxy_cache_path {OUT}/nginx-cache levels=1:2 keys_zone=vod:10m max_size=20m inactive=1d use_temp_path=off;
  upstream origin {{ server 127.0.0.1:{ORIGIN_PORT}; keepalive 32; }}
  server {{ listen 127.0.0.1:{NGINX_PORT};
    location /healthz {{ return 200 "ok"; }}
    location / {{ proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_cache vod; proxy_cache_lock on; proxy_cache_lock_timeout 10s; proxy_cache_valid 200 1y; }} }} }}
""")
    origin = Server(("127.0.0.1", ORIGIN_PORT), SlowOrigin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    vod = start_vod(); nginx()
    try:
        wait_port(VOD_PORT); wait_port(NGINX_PORT)
        print(f"1. coalesced miss: 10 players at once, origin answers in {int(DELAY*1000)} ms")
        for name, port in (("vod-edge", VOD_PORT), ("nginx", NGINX_PORT)):
            path = f"/cmaf/coalesce-{name}/video/1.m4s"
            times = [0.0] * 10
            def one(i):
                t = time.time(); s, _, b = get(port, path); times[i] = time.time() - t
                assert s == 200 and b == BODY
            threads = [threading.Thread(target=one, args=(i,)) for i in range(10)]
            [t.start() for t in threads]; [t.join() for t in threads]
            extra = sorted((t - DELAY) * 1000 for t in times)
            print(f"   {name:9s} origin fetches {fetches.get(path, 0)}, players' wait beyond the origin: median {extra[5]:.0f} ms, max {extra[-1]:.0f} ms")

        print("2. budget 20 MiB, 150 distinct 1 MiB objects pushed through")
        for name, port, d in (("vod-edge", VOD_PORT, f"{OUT}/vod-cache"), ("nginx", NGINX_PORT, f"{OUT}/nginx-cache")):
            peak = [0]; done = [False]
            def sample():
                while not done[0]:
                    peak[0] = max(peak[0], disk_bytes(d)); time.sleep(0.05)
            sampler = threading.Thread(target=sample); sampler.start()
            def push(k):
                for n in range(k, 150, 4): get(port, f"/cmaf/push-{name}/video/{n}.m4s")
            pushers = [threading.Thread(target=push, args=(k,)) for k in range(4)]
            [t.start() for t in pushers]; [t.join() for t in pushers]
            time.sleep(0.2); done[0] = True; sampler.join()
            end = disk_bytes(d)
            print(f"   {name:9s} peak {peak[0]/2**20:.1f} MiB ({peak[0]/(20*2**20):.2f}x budget), at the end {end/2**20:.1f} MiB")

        print("3. warm restart: cache an object, restart, request it")
        for name, port in (("vod-edge", VOD_PORT), ("nginx", NGINX_PORT)):
            path = f"/cmaf/restart-{name}/video/1.m4s"
            get(port, path)
            before = fetches.get(path, 0)
            if name == "vod-edge":
                vod.send_signal(signal.SIGTERM); vod.wait(); vod = start_vod()
            else:
                nginx("-s", "stop"); time.sleep(0.5); nginx()
            wait_port(port)
            t = time.time(); s, h, _ = get(port, path); ms = (time.time() - t) * 1000
            print(f"   {name:9s} first request after restart: {'hit' if fetches.get(path, 0) == before else 'miss'} in {ms:.1f} ms")

        print("4. hits: wrk -t1 -c32 -d5s on a cached 1.5 MB object (one server thread each)")
        for name, port in (("vod-edge", VOD_PORT), ("nginx", NGINX_PORT)):
            get(port, "/cmaf/big/video/1.m4s"); get(port, "/cmaf/big/video/1.m4s")
            out = subprocess.run(["wrk", "-t1", "-c32", "-d5s", f"http://127.0.0.1:{port}/cmaf/big/video/1.m4s"], capture_output=True, text=True).stdout
            rps = [l.split()[1] for l in out.splitlines() if l.startswith("Requests/sec")]
            print(f"   {name:9s} {rps[0] if rps else '?'} req/s")
    finally:
        vod.send_signal(signal.SIGTERM)
        try: nginx("-s", "stop")
        except Exception: pass

if __name__ == "__main__":
    main()
