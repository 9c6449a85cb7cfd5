#!/usr/bin/env python3
"""Drop-to-play time: the whole stack (release build) on ephemeral ports, a 60-second 1080p
file dropped into the spool; prints the time until its first segment plays from the edge
and until the whole ladder is on M = 2 origins (the transcoder publishes a video only
once every rendition is verified and replicated, so the two are close).
  bench/pipeline-bench.py [SECONDS]        (run by bench/pipeline-bench.sh)
"""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release")
seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
SRC = os.path.join(ROOT, f"bench/out/src-1080p-{seconds}s.mp4")
work = tempfile.mkdtemp(prefix="vod-pipeline-")
procs = []

def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r: return r.status, r.read()
    except Exception: return 0, b""

try:
    if not os.path.exists(SRC):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-vf", "noise=alls=12:allf=t",
                        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", "60", "-c:a", "aac", "-b:a", "192k", SRC], check=True)
    ports = [port() for _ in range(5)]
    origins = [f"http://127.0.0.1:{p}" for p in ports[:3]]
    for i, p in enumerate(ports[:3]):
        os.makedirs(f"{work}/o{i}")
        procs.append(subprocess.Popen([f"{BIN}/vod-origin", "--config", f"{ROOT}/config/origin.json", "--listen", f"127.0.0.1:{p}",
                                       "--media", f"{work}/o{i}", "--token", "t", "--no-access-log"], stderr=subprocess.DEVNULL))
    json.dump({"listen": f"127.0.0.1:{ports[3]}", "origins": origins, "cacheDir": f"{work}/cache", "accessLog": False}, open(f"{work}/edge.json", "w"))
    procs.append(subprocess.Popen([f"{BIN}/vod-edge", "--config", f"{work}/edge.json"], stderr=subprocess.DEVNULL))
    json.dump({"spool": f"{work}/spool", "origins": origins, "replicas": 2, "token": "t", "settleSeconds": 1, "rescanSeconds": 1,
               "listen": f"127.0.0.1:{ports[4]}"}, open(f"{work}/transcoder.json", "w"))
    log = open(f"{work}/transcoder.log", "w")
    procs.append(subprocess.Popen([f"{BIN}/vod-transcoder", "--config", f"{work}/transcoder.json"], stderr=log))
    time.sleep(1)
    edge = f"http://127.0.0.1:{ports[3]}"
    os.makedirs(f"{work}/spool/incoming", exist_ok=True)
    shutil.copy(SRC, f"{work}/spool/incoming/.movie.mp4.part")
    start = time.time()
    os.rename(f"{work}/spool/incoming/.movie.mp4.part", f"{work}/spool/incoming/movie.mp4")
    first = None
    while time.time() - start < 3600:
        status, body = get(f"{edge}/api/catalog")
        videos = json.loads(body) if status == 200 else []
        if videos and first is None:
            vid = videos[0]["id"]
            s1, _ = get(f"{edge}/hls/{vid}/master.m3u8")
            s2, seg = get(f"{edge}/cmaf/{vid}/video_1080/1.m4s")
            if s1 == 200 and s2 == 200 and seg: first = time.time() - start
        if first is not None and os.listdir(f"{work}/spool/done"): break
        time.sleep(0.2)
    done = time.time() - start
    print(f"{seconds} s 1080p30 source (4 rungs + AAC, M = 2 of 3 origins): first segment playable from the edge after {first:.1f} s; "
          f"ladder replicated (job done) after {done:.1f} s")
    for line in open(f"{work}/transcoder.log"):
        if "transcoded in" in line or " done:" in line: print("  " + line.strip())
finally:
    for p in procs: p.send_signal(signal.SIGTERM)
    for p in procs:
        try: p.wait(timeout=15)
        except Exception: p.kill()
    shutil.rmtree(work, ignore_errors=True)
