#!/usr/bin/env python3
"""Opens N keep-alive connections to a server, makes one request on each, keeps them
idle, and prints the server's RSS (from /proc) before and after.
   bench/idle-connections.py PID PORT [N] [PATH]"""
import resource, socket, sys, time

pid, port = int(sys.argv[1]), int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
path = sys.argv[4] if len(sys.argv) > 4 else "/healthz"
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 1000, n + 1000))

def rss_kb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

before = rss_kb()
socks = []
request = f"GET {path} HTTP/1.1\r\nHost: b\r\n\r\n".encode()
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    socks.append(s)
ok = 0
for s in socks:
    s.settimeout(10)
    data = s.recv(65536)
    ok += data.startswith(b"HTTP/1.1 200")
time.sleep(1)
after = rss_kb()
print(f"{n} idle keep-alive connections ({ok} answered 200): server RSS {before/1024:.1f} MB before, {after/1024:.1f} MB with them open")
for s in socks:
    s.close()
