#!/usr/bin/env python3
"""What a chunked job would take with more workers, from a job record's measured times
(`spool/done/<job>.json`: each task's seconds, and the holder's phases: analysis, the early
publication, merge, verification, replication). Each worker is assumed to be a machine like
the one that measured the tasks, and takes the next open task in the plan's order (audio,
early-K, video-K) as soon as it is free. The first play needs the analysis, every early task
(and the audio) and the early publication; the whole ladder needs every task, the merge, the
verification and the replication: with enough workers, analysis + slowest chunk + merge +
verification + replication (the critical path).
  bench/projection.py [RECORD.json] [WORKERS ...]   (default bench/out/first-play-1.json, 1 2 8 32 128)
"""
import heapq, json, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench/out/first-play-1.json")
counts = [int(n) for n in sys.argv[2:]] or [1, 2, 8, 32, 128]

def schedule(tasks, workers):
    """Finish time of each task when `workers` take them in order (list scheduling)."""
    free = [0.0] * workers
    done = {}
    for name, seconds in tasks:
        start = heapq.heappop(free)
        done[name] = start + seconds
        heapq.heappush(free, start + seconds)
    return done

def main():
    record = json.load(open(path))
    phases = record.get("phases") or {}
    tasks = [(c["task"], c["seconds"]) for c in record.get("chunks") or []]
    if not tasks: sys.exit(f"{path}: not a chunked job")
    duration = record["manifest"].get("duration") or 0
    analysis, early_publish = phases.get("analysis", 0), phases.get("earlyPublish", 0)
    tail = phases.get("merge", 0) + phases.get("verify", 0) + phases.get("replicate", 0)
    early = [t for t, _ in tasks if t == "audio" or t.startswith("early-")]
    print(f"{path}: {duration:.0f} s source, {len(tasks)} tasks (all tasks {sum(s for _, s in tasks):.0f} s on one worker; "
          f"slowest {max(s for _, s in tasks):.1f} s); analysis {analysis:.1f} s, early publication {early_publish:.1f} s, "
          f"merge + verification + replication {tail:.1f} s")
    print("| workers | first play | × duration | whole ladder on M origins | × duration |")
    print("|---|---|---|---|---|")
    for n in counts:
        done = schedule(tasks, n)
        first = analysis + max(done[t] for t in early) + early_publish if early else None
        whole = analysis + max(done.values()) + tail
        fp = f"{first:.1f} s | {first / duration:.3f}" if first is not None and duration else "– | –"
        print(f"| {n} | {fp} | {whole:.1f} s | {whole / duration:.3f} |" if duration else f"| {n} | {fp} | {whole:.1f} s | – |")

if __name__ == "__main__":
    main()
