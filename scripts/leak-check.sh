#!/usr/bin/env bash
# Every libav object is released on every path: runs one transcode job under valgrind
# (a good source, then a damaged one that fails midway and one that fails at probe) and
# fails when valgrind finds memory definitely or indirectly lost. "Possibly lost" blocks
# are the Swift runtime's metadata caches, alive until exit by design.
#   scripts/leak-check.sh            (needs a debug build of vod-transcoder: swift build)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "leak-check: installing valgrind" >&2; scripts/install-deps.sh; }
swift build --product vod-transcoder >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
ffmpeg -v error -y -f lavfi -i testsrc2=size=320x180:rate=25:duration=1 -f lavfi -i sine=duration=1 \
  -c:v libx264 -preset ultrafast -c:a aac -movflags +faststart "$work/good.mp4"
head -c $(( $(stat -c %s "$work/good.mp4") * 2 / 3 )) "$work/good.mp4" > "$work/truncated.mp4"
head -c 20000 /dev/urandom > "$work/noise.mp4"
status=0
for input in good truncated noise; do
  valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    .build/debug/vod-transcoder transcode "$work/$input.mp4" "$work/out-$input" > "$work/$input.log" 2>&1 || true
  lost=$(grep -E "(definitely|indirectly) lost:" "$work/$input.log" | grep -vE "lost: 0 bytes" || true)
  summary=$(grep -E "definitely lost:|indirectly lost:|ERROR SUMMARY" "$work/$input.log" | sed 's/==[0-9]*== *//' | tr '\n' ' ')
  if [ -n "$lost" ]; then
    echo "leak-check: $input: LEAK: $summary" >&2; grep -A12 "definitely lost in" "$work/$input.log" | head -40 >&2; status=1
  elif ! grep -q "definitely lost: 0 bytes\|All heap blocks were freed\|no leaks are possible" "$work/$input.log"; then
    echo "leak-check: $input: no valgrind summary" >&2; tail -5 "$work/$input.log" >&2; status=1
  else
    echo "leak-check: $input: no leak ($summary)"
  fi
done
exit $status
