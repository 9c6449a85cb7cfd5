#!/usr/bin/env bash
# A catalog: VIDEOS distinct videos (copies of one generated 60-second 360p source, distinct
# inodes), players asking with Zipf(1.0) popularity over videos and sequential segments within
# one (bench/lib/zipf-players.lua). 1) The origin with its index cache sized for a tenth of the
# catalog (--cache-entries) against static nginx serving `vod package` of the same videos, one
# loop / one worker each, wrk -t1 -c32: req/s and p50/p99 latency, alternating, ROUNDS rounds.
# 2) The same players through edges whose cache holds a quarter of the catalog's bytes — vod-edge,
# nginx proxy_cache, Varnish (malloc) — each from empty, filled for SECONDS, then measured for
# SECONDS: hit ratio, the bytes the origin sent (read from the origin's own counters) and
# what the cache held (sampled every 0.5 s: mean and most; nginx's cache manager enforces
# max_size after the fact), and vod-edge once more with nginx's mean held bytes as its budget.
# LAYOUT=ladder serves each video as the transcoder publishes it (video.mp4 and audio.mp4 and
# a manifest: a segment is one range of a file); the default, bare, serves the single
# interleaved MP4 as dropped in (a segment is many ranges of it, unless the track has a data file).
# The origin runs with index files (`--index-dir`, as `make run` has it), made beforehand
# by a first origin asked once for every video, as a restarted origin finds them: for bare
# files they include the track data files (each track's samples end to end). INDEX=0: none.
#   [LAYOUT=ladder] [INDEX=0] [NGINX_MANAGER=tight] bench/catalog-bench.sh [ROUNDS] [SECONDS] [VIDEOS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; seconds=${2:-10}; videos=${3:-500}
. bench/lib/static-nginx.sh
need_nginx_and_wrk
command -v varnishd >/dev/null || { echo "catalog-bench: installing varnish" >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish >/dev/null; }
swift build -c release --product vod-origin >/dev/null
swift build -c release --product vod-edge >/dev/null
swift build -c release --product vod >/dev/null
out=$PWD/bench/out/catalog
source=bench/out/catalog-source.mp4
mkdir -p bench/out
if [ ! -s "$source" ]; then
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=30:duration=60" -f lavfi -i "sine=frequency=330:sample_rate=48000:duration=60" \
    -c:v libx264 -preset ultrafast -b:v 500k -maxrate 600k -bufsize 1000k -g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p \
    -c:a aac -b:a 64k -ac 2 -movflags +faststart "$source.tmp.mp4"
  mv "$source.tmp.mp4" "$source"
fi
if [ "$(ls "$out/media" 2>/dev/null | wc -l)" != "$videos" ]; then
  rm -rf "$out"; mkdir -p "$out/media" "$out/static"
  echo "catalog-bench: $videos copies and their packages (once)" >&2
  for i in $(seq "$videos"); do
    v=$(printf "v%03d" "$i")
    cp "$source" "$out/media/$v.mp4"
    .build/release/vod package "$out/media/$v.mp4" "$out/static" >/dev/null
  done
fi
media=$out/media
if [ "${LAYOUT:-bare}" = ladder ]; then
  media=$out/media-ladder
  if [ "$(ls "$media" 2>/dev/null | wc -l)" != "$videos" ]; then
    rm -rf "$media"; mkdir -p "$media"
    ffmpeg -hide_banner -loglevel error -y -i "$source" -map 0:v -c copy -movflags +faststart "$out/video.mp4"
    ffmpeg -hide_banner -loglevel error -y -i "$source" -map 0:a -c copy -movflags +faststart "$out/audio.mp4"
    for i in $(seq "$videos"); do
      d=$media/$(printf "v%03d" "$i"); mkdir -p "$d"
      cp "$out/video.mp4" "$out/audio.mp4" "$d/"
      echo '{"renditions":[{"file":"video.mp4","type":"video"},{"file":"audio.mp4","type":"audio"}]}' > "$d/manifest.json"
    done
  fi
fi
find "$media" -name '*.mp4' -exec cat {} + > /dev/null   # the page cache holds the sources (as on a busy origin)
catalog_mb=$(du -sm "$out/static/cmaf" | awk '{print $1}')
budget=$((catalog_mb / 4))
export VIDEOS=$videos SEGMENTS=$(ls "$out/static/cmaf/v001/video" | grep -c m4s) PLAYERS=32

port=18192; nport=18193; eport=18194; xport=18195; vport=18196
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; stop_static_nginx; nginx -c "$out/proxy/nginx.conf" -s stop 2>/dev/null || true' EXIT
index_args=()
if [ "${INDEX:-1}" != 0 ]; then
  index=$out/index-${LAYOUT:-bare}
  index_args=(--index-dir "$index")
  # Made again for another build (its files are not read by this one).
  [ .build/release/vod-origin -nt "$index" ] && rm -rf "$index"
  if [ "$(ls "$index" 2>/dev/null | grep -c vodindex)" -lt "$videos" ]; then
    echo "catalog-bench: index files of the $videos videos (once per build)" >&2
    .build/release/vod-origin --media "$media" --listen 127.0.0.1:$port --loops 1 "${index_args[@]}" --no-access-log 2>/dev/null &
    maker=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
    for _ in 1 2; do  # twice: a source whose file waited behind too many is made on its next load
      for i in $(seq "$videos"); do curl -s -o /dev/null "http://127.0.0.1:$port/hls/$(printf "v%03d" "$i")/master.m3u8"; done
      sleep 5
    done
    kill $maker; wait $maker 2>/dev/null || true
    touch "$index"
  fi
fi
.build/release/vod-origin --media "$media" --listen 127.0.0.1:$port --loops 1 --cache-entries $((videos / 10)) "${index_args[@]}" --no-access-log 2>"$out/origin.log" &
pids+=($!)
until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
static_nginx "$out/nginx" $nport "$out/static" 1

# "req/s p50_ms p99_ms requests"
run() {
  wrk -t1 -c32 -d"${seconds}s" --timeout 10s --latency -s bench/lib/zipf-players.lua "http://127.0.0.1:$1/" > "$out/wrk.txt" 2>&1 || true
  python3 - "$out/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
total = re.search(r"(\d+) requests in", t).group(1)
print(f"{rps:.0f} {ms('50%'):.2f} {ms('99%'):.2f} {total} {bad.group(1) if bad else 0}")
PY
}
echo "catalog: $videos videos (${LAYOUT:-bare}), $SEGMENTS segments each, CMAF package $catalog_mb MB; origin index cache $((videos / 10)) videos, index files ${index_args[1]:-none}"
printf "%-28s %10s %9s %9s %8s\n" "origin (Zipf players)" "req/s" "p50 ms" "p99 ms" "non-2xx"
ours=(); theirs=(); ratios=()
for _ in $(seq "$rounds"); do
  a=$(run $port); b=$(run $nport)
  ours+=("$a"); theirs+=("$b"); ratios+=("$(ratio "${a%% *}" "${b%% *}")")
done
summary() {
  python3 - "$1" "${@:2}" <<'PY'
import statistics, sys
name, runs = sys.argv[1], [r.split() for r in sys.argv[2:]]
col = lambda i: statistics.median(float(r[i]) for r in runs)
print(f"{name:<28} {col(0):>10.0f} {col(1):>9.2f} {col(2):>9.2f} {int(max(float(r[4]) for r in runs)):>8}")
PY
}
summary "vod-origin" "${ours[@]}"
summary "nginx static (vod package)" "${theirs[@]}"
echo "ratio vod-origin / nginx static (median of rounds): $(median "${ratios[@]}")"

# 2) Edges with a quarter of the catalog.
mkdir -p "$out/proxy"
# nginx's cache manager enforces max_size after the fact, by default a pass every 10 s that
# removes at most 100 files or works 200 ms: under this load its cache grows to 2–3 times the
# budget, and a cache holding more hits more. NGINX_MANAGER=tight makes it trim every 100 ms
# without those limits (the same budget as the others, as near as nginx holds one).
nginx_manager=""
[ "${NGINX_MANAGER:-default}" = tight ] && nginx_manager="manager_files=1000000 manager_sleep=100ms manager_threshold=1000ms"
cat > "$out/proxy/nginx.conf" <<CONF
worker_processes 1; pid $out/proxy/nginx.pid; error_log $out/proxy/error.log;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on;
  proxy_cache_path $out/proxy/cache levels=1:2 keys_zone=vod:50m max_size=${budget}m inactive=1d use_temp_path=off $nginx_manager;
  upstream origin { server 127.0.0.1:$port; keepalive 32; }
  server { listen 127.0.0.1:$xport;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_cache vod; proxy_cache_lock on; proxy_cache_valid 200 1y; } } }
CONF
printf '%s\n' 'vcl 4.1;' "backend default { .host = \"127.0.0.1\"; .port = \"$port\"; }" > "$out/proxy/default.vcl"
origin_counts() {  # "requests bytes" the origin answered for media so far
  curl -s "http://127.0.0.1:$port/metrics" | python3 -c '
import sys
req = byt = 0.0
for line in sys.stdin:
    if line.startswith("vod_http_requests_total{route=\"cmaf\"") or line.startswith("vod_http_requests_total{route=\"hls\""): req += float(line.split()[-1])
    if line.startswith("vod_http_response_bytes_total{route=\"cmaf\"}") or line.startswith("vod_http_response_bytes_total{route=\"hls\"}"): byt += float(line.split()[-1])
print(int(req), int(byt))'
}
printf "\n%-26s %10s %10s %11s %13s %9s %15s %8s\n" "edge ($budget MB cache)" "req/s" "hit ratio" "origin MB" "origin KB/req" "p99 ms" "held MB mean/max" "non-2xx"
# Every edge is asked the same requests in the same order: a first run (seed 1) fills its
# cache, the second (seed 2) is measured, steady state.
edge_run() {  # NAME PORT HELD-COMMAND
  local before after sampler
  SEED=1 run "$2" > /dev/null
  before=$(origin_counts)
  # What the cache holds, every half second of the measured run: nginx's cache manager trims
  # to max_size and then sleeps up to 10 s (a wait it caps at 10 s, whatever manager_sleep
  # says), so its cache swings between the budget and 2–3 times it; the mean is what it hit with.
  ( while :; do eval "$3" 2>/dev/null || true; sleep 0.5; done ) > "$out/held.txt" &
  sampler=$!
  local r; r=$(SEED=2 run "$2")
  kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
  after=$(origin_counts)
  python3 - "$1" "$r" "$before" "$after" "$out/held.txt" <<'PY' | tee -a "$out/edges.txt"
import sys
name, (rps, p50, p99, total, bad) = sys.argv[1], sys.argv[2].split()
(r0, b0), (r1, b1) = (map(int, s.split()) for s in sys.argv[3:5])
held = [int(x) for x in open(sys.argv[5]).read().split() if x.isdigit()] or [0]
# Of the answers that were not errors (an error is no hit).
hit = 1 - (r1 - r0) / max(int(total) - int(bad), 1)
print(f"{name:<26} {float(rps):>10.0f} {hit:>10.3f} {(b1 - b0) / 1e6:>11.1f} {(b1 - b0) / 1e3 / max(int(total), 1):>13.1f} {float(p99):>9.2f} {sum(held) // len(held):>9}/{max(held):<5} {int(bad):>8}")
PY
}
: > "$out/edges.txt"
rm -rf "$out/edge-cache"
.build/release/vod-edge --listen 127.0.0.1:$eport --origins "http://127.0.0.1:$port" --cache-dir "$out/edge-cache" --max-cache-mb $budget \
  --loops 1 --no-access-log 2>"$out/edge.log" &
pids+=($!); e=$!
until curl -sf -o /dev/null "http://127.0.0.1:$eport/healthz"; do sleep 0.05; done
edge_run "vod-edge" $eport "du -sm $out/edge-cache | cut -f1"
kill $e
rm -rf "$out/proxy/cache"; nginx -c "$out/proxy/nginx.conf"; sleep 0.5
edge_run "nginx proxy_cache" $xport "du -sm $out/proxy/cache | cut -f1"
nginx -c "$out/proxy/nginx.conf" -s stop; sleep 0.3
varnishd -F -j none -n "$out/varnish" -a 127.0.0.1:$vport -f "$out/proxy/default.vcl" -s malloc,${budget}m -p thread_pools=1 >/dev/null 2>"$out/varnish.log" &
pids+=($!); v=$!
sleep 1.5
edge_run "Varnish" $vport "varnishstat -n $out/varnish -1 -f SMA.s0.g_bytes | awk '{print int(\$2 / 1048576)}'"
kill $v
# vod-edge again with the bytes nginx held on average as its budget: the hit ratios at the same bytes.
nginx_mean=$(awk '$1 == "nginx" {split($(NF-1), h, "/"); print h[1]}' "$out/edges.txt")
rm -rf "$out/edge-cache"
.build/release/vod-edge --listen 127.0.0.1:$eport --origins "http://127.0.0.1:$port" --cache-dir "$out/edge-cache" --max-cache-mb "$nginx_mean" \
  --loops 1 --no-access-log 2>"$out/edge.log" &
pids+=($!); e=$!
until curl -sf -o /dev/null "http://127.0.0.1:$eport/healthz"; do sleep 0.05; done
edge_run "vod-edge at ${nginx_mean} MB" $eport "du -sm $out/edge-cache | cut -f1"
kill $e
