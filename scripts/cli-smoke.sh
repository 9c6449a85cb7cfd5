#!/usr/bin/env bash
# Checks the `vod` toolbox as a user runs it: text, JSON and sample output, and
# a clear error with a non-zero exit for a file it cannot read.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product vod >/dev/null
vod=.build/debug/vod
fixture=Tests/Fixtures/h264_bframes_aac.mp4

$vod inspect "$fixture" | grep -q "video avc1.64000d 320x180" || { echo "cli-smoke: text output lacks the video track" >&2; exit 1; }
$vod inspect --json "$fixture" | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = d["tracks"]
assert [x["type"] for x in t] == ["video", "audio"], t
assert t[0]["codec"] == "avc1.64000d" and t[1]["codec"] == "mp4a.40.2", t
assert all(k in t[0] for k in ("id", "timescale", "duration", "sampleCount", "keyframes", "editList")), t[0].keys()
assert "samples" not in t[0]'
$vod inspect --samples "$fixture" | python3 -c '
import json, sys
s = json.load(sys.stdin)["tracks"][0]["samples"]
assert len(s) == 90 and set(s[0]) >= {"offset", "size", "dts", "pts", "sync"}, s[0]
assert s[0]["sync"] and s[0]["pts"] == 0'
# A text track is served as WebVTT subtitles; a track the packager skips is named with its reason.
$vod inspect Tests/Fixtures/subtitles.mp4 | grep -q "subtitles subs_und from track 3: 1 cue(s)" || { echo "cli-smoke: inspect does not list the subtitle track" >&2; exit 1; }
$vod inspect --json Tests/Fixtures/pcm_audio.mov | python3 -c '
import json, sys
p = json.load(sys.stdin)["packaging"]
assert [t["type"] for t in p["packaged"]] == ["video"], p
assert p["skipped"][0]["codec"] == "sowt" and "cannot be packaged" in p["skipped"][0]["reason"], p'
head -c 1000 "$fixture" > /tmp/vod-cli-smoke-truncated.mp4
if $vod inspect /tmp/vod-cli-smoke-truncated.mp4 >/dev/null 2>/tmp/vod-cli-smoke.err; then
  echo "cli-smoke: a truncated file was accepted" >&2; exit 1
fi
grep -q "moov" /tmp/vod-cli-smoke.err || { echo "cli-smoke: the error does not name the box: $(cat /tmp/vod-cli-smoke.err)" >&2; exit 1; }
if $vod inspect /nonexistent.mp4 2>/dev/null; then echo "cli-smoke: a missing file was accepted" >&2; exit 1; fi
rm -f /tmp/vod-cli-smoke-truncated.mp4 /tmp/vod-cli-smoke.err

# vod package: the layout of the URL space, playable by ffmpeg through the playlists.
out=$(mktemp -d)
$vod package "$fixture" "$out" --segment 1 >/dev/null
for f in hls/h264_bframes_aac/master.m3u8 hls/h264_bframes_aac/video/index.m3u8 hls/h264_bframes_aac/audio/index.m3u8 \
         cmaf/h264_bframes_aac/video/init.mp4 cmaf/h264_bframes_aac/video/1.m4s cmaf/h264_bframes_aac/audio/3.m4s; do
  [ -s "$out/$f" ] || { echo "cli-smoke: vod package did not write $f" >&2; exit 1; }
done
ffmpeg -v error -xerror -i "$out/hls/h264_bframes_aac/master.m3u8" -map 0 -f null - || { echo "cli-smoke: the package does not decode" >&2; exit 1; }
rm -rf "$out"
if $vod package Tests/Fixtures/does-not-exist.mp4 /tmp/x 2>/dev/null; then echo "cli-smoke: packaging a missing file succeeded" >&2; exit 1; fi
echo "cli-smoke: 7 passed, 0 failed"
