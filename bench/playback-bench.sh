#!/usr/bin/env bash
# Issue 16's playback features on the origin (release build, one event loop, 4 workers), on the
# 60-minute 720p file of bench/make-720p.sh:
#  - thumbnail latency: the first request for a time (decoded from the keyframe before it, JPEG-
#    encoded) and the same request again (from memory), against `ffmpeg -ss T -i FILE -frames:v 1`
#    making the same picture (what an operator would run otherwise);
#  - a clip's media playlist against the whole video's (req/s with wrk, the same connections,
#    alternating, several rounds, median ratio), and the first request of a new clip.
#   bench/playback-bench.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "playback-bench: installing wrk" >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bench/make-720p.sh >/dev/null
swift build -c release --product vod-origin >/dev/null
exec python3 bench/playback-bench.py "${1:-5}"
