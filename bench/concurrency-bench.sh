#!/usr/bin/env bash
# 2,000 concurrent connections pulling segments: wrk (two threads) with a Lua script that asks
# for a random one of URLS segments per request (the 60-minute ladder's video and audio, from
# mid-file), against the origin (segments cut on the fly, its segment memory on and off), an
# edge in front of it (warmed first: its hits), and static nginx serving the very same bytes,
# one event loop / one nginx worker each. Prints requests/s, p50/p99 latency, errors
# (socket errors and non-2xx) and the server's RSS at the end of each run; ROUNDS rounds, medians.
#   bench/concurrency-bench.sh [ROUNDS] [SECONDS] [CONNECTIONS] [URLS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; seconds=${2:-10}; connections=${3:-2000}; count=${4:-100}
. bench/lib/static-nginx.sh
need_nginx_and_wrk
bench/make-ladders.sh
swift build -c release --product vod-origin >/dev/null
swift build -c release --product vod-edge >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
out=$PWD/bench/out/concurrency
rm -rf "$out"; mkdir -p "$out/static" "$out/edge-cache"
. bench/lib/ladder.sh
link_ladder hour "$out/media/ladder-hour"

port=18187; eport=18188; nport=18189
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; stop_static_nginx' EXIT
origin() {  # SEGMENT_MB
  .build/release/vod-origin --media "$out/media" --listen 127.0.0.1:$port --loops 1 --segment-cache-mb "$1" --no-access-log 2>>"$out/origin.log" &
  pids+=($!); ORIGIN=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
}
origin 128
: > "$out/urls"
for n in $(seq 250 $((249 + count / 2))); do
  for t in video_720 audio; do
    u=/cmaf/ladder-hour/$t/$n.m4s
    mkdir -p "$out/static$(dirname "$u")"
    curl -sf "http://127.0.0.1:$port$u" -o "$out/static$u"
    echo "$u" >> "$out/urls"
  done
done
static_nginx "$out/nginx" $nport "$out/static" 1
.build/release/vod-edge --listen 127.0.0.1:$eport --origins "http://127.0.0.1:$port" --cache-dir "$out/edge-cache" --max-cache-mb 1024 \
  --loops 1 --no-access-log 2>>"$out/edge.log" &
pids+=($!); EDGE=$!
until curl -sf -o /dev/null "http://127.0.0.1:$eport/healthz"; do sleep 0.05; done
while read -r u; do curl -sf -o /dev/null "http://127.0.0.1:$eport$u"; done < "$out/urls"   # the edge holds them all

cat > "$out/urls.lua" <<LUA
local urls = {}
for line in io.lines("$out/urls") do urls[#urls + 1] = line end
local errors = 0
function setup(thread) math.randomseed(os.time() + math.random(1000000)) end
function init(args) math.randomseed(os.time() + math.random(1000000)) end
request = function() return wrk.format("GET", urls[math.random(#urls)]) end
LUA

rss() { awk '/VmRSS/ {print $2 / 1024}' "/proc/$1/status"; }
nginx_rss() { for p in $(pgrep -f "nginx: worker process" ); do rss "$p"; done | sort -g | tail -1; }
# One run: "req/s p50_ms p99_ms errors"
run() {
  wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s "$out/urls.lua" "http://127.0.0.1:$1/" > "$out/wrk.txt" 2>&1 || true
  python3 - "$out/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", t))
m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
errors += int(m.group(1)) if m else 0
print(f"{rps:.0f} {ms('50%'):.2f} {ms('99%'):.2f} {errors}")
PY
}

printf "%-34s %10s %9s %9s %8s %8s\n" "server ($connections connections)" "req/s" "p50 ms" "p99 ms" "errors" "RSS MB"
report() {  # NAME RESULTS… (each "rps p50 p99 errors rss")
  local name=$1; shift
  python3 - "$name" "$@" <<'PY'
import statistics, sys
name, runs = sys.argv[1], [list(map(float, r.split())) for r in sys.argv[2:]]
col = lambda i: statistics.median(r[i] for r in runs)
print(f"{name:<34} {col(0):>10.0f} {col(1):>9.2f} {col(2):>9.2f} {int(max(r[3] for r in runs)):>8} {col(4):>8.1f}")
PY
}
ours=(); theirs=(); edge=(); off=()
for _ in $(seq "$rounds"); do
  ours+=("$(run $port) $(rss $ORIGIN)")
  theirs+=("$(run $nport) $(nginx_rss)")
  edge+=("$(run $eport) $(rss $EDGE)")
done
report "vod-origin (segment memory on)" "${ours[@]}"
report "vod-edge (hits)" "${edge[@]}"
report "nginx static" "${theirs[@]}"
kill $ORIGIN; wait $ORIGIN 2>/dev/null || true
origin 0
for _ in $(seq "$rounds"); do off+=("$(run $port) $(rss $ORIGIN)"); done
report "vod-origin (segment memory off)" "${off[@]}"
