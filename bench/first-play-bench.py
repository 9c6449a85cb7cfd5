#!/usr/bin/env python3
"""Drop to first play and to the whole ladder with chunked jobs (issue 14): the whole stack
(release build) on ephemeral ports: 3 origins, an edge, M = 2, the default 4-rung ladder,
30 s chunks, the lowest rung published first. A 1080p30 file (8 Mb/s, generated) is renamed
into the spool; the script plays the part of a player: it polls the edge's /api/catalog, then
fetches the master playlist, the first variant's playlist, its init segment and first media
segment through the edge, and decodes them with ffmpeg. Workers, per mode:
  1      one transcoder
  2      two transcoders sharing the spool (two processes)
  1+2r   one transcoder and two remote workers (`vod-transcoder worker --server URL --token T`,
         no spool), all on this machine
  whole  one transcoder, no chunks (`chunkSeconds: 0`): the reference, published once whole
  1-once one transcoder, chunks without the early pass (`earlyRungs: 0`), published once whole
Prints per mode: first play, whole ladder on M origins, CPU seconds of all workers; keeps each
job record in bench/out/first-play-<mode>.json (bench/projection.py reads it).
  bench/first-play-bench.py [SECONDS] [MODE ...]   (default 600 s, modes 1 2 1+2r)
"""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release")
seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 600
modes = sys.argv[2:] or ["1", "2", "1+2r"]
SRC = os.path.join(ROOT, f"bench/out/src-1080p-{seconds}s-8mbps.mp4")

def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r: return r.status, r.read()
    except Exception: return 0, b""

def cpu(pid):
    """User + system seconds of a live process (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def first_play(edge, video):
    """The first segment of the master's first variant, through the edge, decoded; None if not yet."""
    s, master = get(f"{edge}/hls/{video}/master.m3u8")
    variants = [l for l in master.decode().splitlines() if l.endswith(".m3u8")] if s == 200 else []
    if not variants: return None
    s, playlist = get(f"{edge}/hls/{video}/{variants[0]}")
    text = playlist.decode()
    init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', text)
    segments = [l for l in text.splitlines() if l and not l.startswith("#")]
    if s != 200 or not init or not segments: return None
    base = f"{edge}/hls/{video}/{variants[0].rsplit('/', 1)[0]}/"
    parts = [get(urllib.request.urljoin(base, u)) for u in (init.group(1), segments[0])]
    if any(st != 200 or not b for st, b in parts): return None
    ok = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", "-", "-f", "null", "-"], input=parts[0][1] + parts[1][1],
                        capture_output=True).returncode == 0
    return variants[0] if ok else None

def run(mode):
    work = tempfile.mkdtemp(prefix="vod-first-play-")
    procs, workers = [], []
    try:
        ports = [port() for _ in range(5)]
        origins = [f"http://127.0.0.1:{p}" for p in ports[:3]]
        for i, p in enumerate(ports[:3]):
            os.makedirs(f"{work}/o{i}")
            procs.append(subprocess.Popen([f"{BIN}/vod-origin", "--config", f"{ROOT}/config/origin.json", "--listen", f"127.0.0.1:{p}",
                                           "--media", f"{work}/o{i}", "--token", "t", "--no-access-log"], stderr=subprocess.DEVNULL))
        json.dump({"listen": f"127.0.0.1:{ports[3]}", "origins": origins, "cacheDir": f"{work}/cache", "accessLog": False}, open(f"{work}/edge.json", "w"))
        procs.append(subprocess.Popen([f"{BIN}/vod-edge", "--config", f"{work}/edge.json"], stderr=subprocess.DEVNULL))
        config = {"spool": f"{work}/spool", "origins": origins, "replicas": 2, "token": "t", "settleSeconds": 1, "rescanSeconds": 1,
                  "chunkSeconds": 0 if mode == "whole" else 30, "earlyRungs": 0 if mode == "1-once" else 1}
        json.dump(dict(config, listen=f"127.0.0.1:{ports[4]}"), open(f"{work}/t1.json", "w"))
        json.dump(dict(config, listen=""), open(f"{work}/t2.json", "w"))
        log = open(f"{work}/workers.log", "w")
        workers.append(subprocess.Popen([f"{BIN}/vod-transcoder", "--config", f"{work}/t1.json", "--worker", "t1"], stderr=log))
        if mode == "2":
            workers.append(subprocess.Popen([f"{BIN}/vod-transcoder", "--config", f"{work}/t2.json", "--worker", "t2"], stderr=log))
        if mode == "1+2r":
            for name in ("r1", "r2"):
                workers.append(subprocess.Popen([f"{BIN}/vod-transcoder", "worker", "--server", f"http://127.0.0.1:{ports[4]}", "--token", "t",
                                                 "--worker", name], stderr=log))
        procs += workers
        time.sleep(1)
        edge = f"http://127.0.0.1:{ports[3]}"
        os.makedirs(f"{work}/spool/incoming", exist_ok=True)
        shutil.copy(SRC, f"{work}/spool/incoming/.movie.mp4.part")
        cpu0 = sum(cpu(w.pid) for w in workers)
        start = time.time()
        os.rename(f"{work}/spool/incoming/.movie.mp4.part", f"{work}/spool/incoming/movie.mp4")
        first, rung, video = None, None, None
        while time.time() - start < 4 * 3600:
            if video is None:
                status, body = get(f"{edge}/api/catalog")
                videos = json.loads(body) if status == 200 else []
                video = videos[0]["id"] if videos else None
            if video and first is None:
                rung = first_play(edge, video)
                if rung: first = time.time() - start; print(f"  [{mode}] first play after {first:.1f} s ({rung})", flush=True)
            if first is not None and os.path.isdir(f"{work}/spool/done") and any(n.endswith(".json") for n in os.listdir(f"{work}/spool/done")): break
            time.sleep(0.2)
        done = time.time() - start
        used = sum(cpu(w.pid) for w in workers) - cpu0
        record = next(n for n in os.listdir(f"{work}/spool/done") if n.endswith(".json"))
        shutil.copy(f"{work}/spool/done/{record}", os.path.join(ROOT, f"bench/out/first-play-{mode}.json"))
        status, master = get(f"{edge}/hls/{video}/master.m3u8")
        rungs = sum(1 for l in master.decode().splitlines() if l.endswith(".m3u8"))
        print(f"{mode:5s} first play {first:7.1f} s ({first / seconds:.3f}x the duration, {rung}); whole ladder on 2 origins {done:7.1f} s; "
              f"workers' CPU {used:7.1f} s; the edge's master now names {rungs} video rungs", flush=True)
        for line in open(f"{work}/workers.log"):
            if "playable with" in line or "transcoded in" in line: print("    " + line.strip()[:220])
        return first, done, used
    finally:
        for p in procs: p.send_signal(signal.SIGTERM)
        for p in procs:
            try: p.wait(timeout=20)
            except Exception: p.kill()
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    if not os.path.exists(SRC):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-vf", "noise=alls=6:allf=t",
                        "-c:v", "libx264", "-preset", "superfast", "-b:v", "8M", "-maxrate", "10M", "-bufsize", "16M", "-g", "60",
                        "-c:a", "aac", "-b:a", "128k", SRC], check=True)
    print(f"{seconds} s 1080p30 (8 Mb/s) source, 4 rungs + AAC, 30 s chunks, lowest rung first, M = 2 of 3 origins", flush=True)
    for mode in modes: run(mode)
