#!/usr/bin/env python3
"""Compares `vod inspect --samples` with `ffprobe -show_packets` for each file given.
Prints the first differing packet per track. Exit 1 if any file differs."""
import json, subprocess, sys

def ours(vod, path):
    out = subprocess.run([vod, "inspect", "--samples", path], capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip()
    return json.loads(out.stdout), None

def theirs(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_packets", "-of", "json", path], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    packets = json.loads(out.stdout).get("packets", [])
    streams = {}
    for p in packets:
        streams.setdefault(p["stream_index"], []).append(
            dict(offset=int(p.get("pos", -1)), size=int(p["size"]), dts=int(p.get("dts", 0)), pts=int(p.get("pts", 0)),
                 sync="K" in p["flags"], discard="D" in p["flags"]))
    return streams

def main():
    vod = sys.argv[1]
    bad = 0
    for path in sys.argv[2:]:
        mine, err = ours(vod, path)
        ref = theirs(path)
        if mine is None:
            print(f"{path}: ours rejects ({err}); ffprobe {'reads it' if ref else 'rejects it too'}")
            continue
        if ref is None:
            print(f"{path}: ffprobe rejects, ours reads"); continue
        for i, t in enumerate(mine["tracks"]):
            a = [{k: s[k] for k in ("offset","size","dts","pts","sync","discard")} for s in t["samples"]]
            b = ref.get(i, [])
            if a == b:
                print(f"{path} track {i}: {len(a)} packets equal"); continue
            bad += 1
            print(f"{path} track {i}: ours {len(a)} ffprobe {len(b)}")
            for k, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    print(f"   first diff at {k}: ours {x}\n                      ffprobe {y}"); break
    sys.exit(1 if bad else 0)

main()
