"""What the end-to-end scripts share: numbered checks that stop at the first failure with
the tails of the daemons' logs, daemons started with their stderr in WORK/<name>.log, and
free ports."""
import socket, subprocess, sys, time, urllib.request


class Checks:
    def __init__(self, label, work, tail=80):
        self.label, self.work, self.tail = label, work, tail
        self.procs = {}
        self.passed = 0

    def check(self, ok, what):
        if not ok:
            print(f"{self.label}: FAILED: {what}", flush=True)
            for name in self.procs:
                print(f"--- {name} log tail ---\n" + "".join(open(f"{self.work}/{name}.log").readlines()[-self.tail:]), file=sys.stderr)
            raise SystemExit(1)
        self.passed += 1
        print(f"{self.label}: ok: {what}", flush=True)

    def start(self, name, args):
        self.procs[name] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(f"{self.work}/{name}.log", "a"))

    def wait_healthy(self, port):
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    if r.status == 200: return
            except OSError: pass
            time.sleep(0.05)
        self.check(False, f"port {port} healthy")


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port
