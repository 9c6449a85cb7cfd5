#!/usr/bin/env bash
# Installs the page's player library, video.js 7 (with its HLS/DASH engine), from PyPI's
# js.videojs package into DIR (default var/static/videojs), when it is not there yet.
# Third-party code is fetched at set-up, never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-var/static/videojs}
[ -s "$dir/video.min.js" ] && exit 0
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if ! python3 -m pip download --quiet --no-deps --no-binary :all: "js.videojs==7.5.5" -d "$work" 2>"$work/pip.log"; then
  echo "install-player: could not fetch js.videojs from PyPI (the page will play native HLS only):" >&2
  tail -3 "$work/pip.log" >&2
  exit 0
fi
tar -xzf "$work"/js.videojs-*.tar.gz -C "$work"
mkdir -p "$dir"
cp "$work"/js.videojs-*/js/videojs/resources/video.min.js "$work"/js.videojs-*/js/videojs/resources/video-js.min.css "$dir/"
echo "install-player: video.js $(grep -o 'Video.js [0-9.]*' "$dir/video.min.js" | head -1 | cut -d' ' -f2) in $dir"
