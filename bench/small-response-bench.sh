#!/usr/bin/env bash
# Small responses against static nginx serving the very same bytes: master playlist,
# media playlist of the 60-minute file (600 segments), MPD, /healthz and a 404, with
# one event loop / one nginx worker (wrk -t1 -c32) and with two (wrk -t2 -c64). The three
# playlists once more as players ask for them (`Accept-Encoding: gzip`), against nginx's
# `gzip_static` serving the same gzip bytes from `.gz` files beside the static copies (without
# `gzip_vary`, which would make nginx look for a `.gz` file on every request, asked or not).
# With one loop / worker, each server is pinned to CPU 1 and wrk to CPU 0 (as the issue measured
# it: otherwise the scheduler now and then runs wrk on the server's core, and each wake-up of
# one preempts the other); with two, nothing is pinned. Alternates A and B within each round;
# prints req/s medians and the median ratio, and the CPU time each server's processes used per
# request (median; with wrk's own core nearly full, as it is for the 37 KB playlist, that is
# what tells the servers apart).
#   bench/small-response-bench.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; seconds=${2:-5}
. bench/lib/static-nginx.sh
need_nginx_and_wrk
bench/make-ladders.sh
swift build -c release --product vod-origin >/dev/null
out=$PWD/bench/out/small
rm -rf "$out"; mkdir -p "$out/media" "$out/static"
. bench/lib/ladder.sh
for name in short hour; do link_ladder "$name" "$out/media/ladder-$name"; done

port=18185; nport=18186
origin=
trap 'kill $origin 2>/dev/null || true; stop_static_nginx' EXIT
urls=(/hls/ladder-short/master.m3u8 /hls/ladder-hour/video_720/index.m3u8 /dash/ladder-hour/manifest.mpd /healthz /hls/ladder-short/missing/index.m3u8)
names=("master playlist" "media playlist, 60-min (600 segments)" "MPD, 60-min" "/healthz" "404")
printf "%-48s %6s %10s %12s %12s %8s %14s\n" "response" "loops" "bytes" "vod req/s" "nginx req/s" "ratio" "CPU us/req"
for loops in 1 2; do
  if [ $loops = 1 ]; then export SERVER_CPU=1 WRK_CPU=0; else unset SERVER_CPU WRK_CPU; fi
  ${SERVER_CPU:+taskset -c "$SERVER_CPU"} .build/release/vod-origin --media "$out/media" --listen 127.0.0.1:$port --loops $loops --no-access-log 2>"$out/origin.log" &
  origin=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
  for u in "${urls[@]}"; do  # the static copies: what the origin answers (the 404 stays missing)
    [ "$u" = "${urls[4]}" ] && continue
    mkdir -p "$out/static$(dirname "$u")"
    curl -sf "http://127.0.0.1:$port$u" -o "$out/static$u"
    curl -sf -H "Accept-Encoding: gzip" "http://127.0.0.1:$port$u" -o "$out/static$u.gz"
  done
  STATIC_NGINX_EXTRA="gzip_static on;" static_nginx "$out/nginx" $nport "$out/static" $loops
  sleep 0.5
  for i in "${!urls[@]}" 0g 1g 2g; do
    gzip=; [ "${i%g}" != "$i" ] && { i=${i%g}; gzip="Accept-Encoding: gzip"; }
    u=${urls[$i]}; ours=(); theirs=(); ratios=(); our_cpu=(); their_cpu=()
    for _ in $(seq "$rounds"); do
      read -r a ac < <(WRK_HEADER=$gzip rps_and_cpu "http://127.0.0.1:$port$u" $loops $((32 * loops)) $origin)
      read -r b bc < <(WRK_HEADER=$gzip rps_and_cpu "http://127.0.0.1:$nport$u" $loops $((32 * loops)) $(static_nginx_workers))
      ours+=("$a"); theirs+=("$b"); ratios+=("$(ratio "$a" "$b")"); our_cpu+=("$ac"); their_cpu+=("$bc")
    done
    bytes=$(curl -s ${gzip:+-H "$gzip"} "http://127.0.0.1:$port$u" | wc -c)
    printf "%-48s %6s %10s %12s %12s %8s %14s\n" "${names[$i]}${gzip:+, gzip}" $loops "$bytes" "$(median "${ours[@]}")" "$(median "${theirs[@]}")" "$(median "${ratios[@]}")" \
      "$(median "${our_cpu[@]}") / $(median "${their_cpu[@]}")"
  done
  kill $origin; wait $origin 2>/dev/null || true; origin=
  stop_static_nginx; sleep 0.5
done
