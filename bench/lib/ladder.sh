# Sourced by the benchmark scripts (after bench/make-ladders.sh):
#   link_ladder NAME DIR   DIR becomes a transcoder-layout video: hard links to
#                          bench/out/ladder-NAME/{video_720,audio}.mp4 and their manifest.json
link_ladder() {
  mkdir -p "$2"
  ln "bench/out/ladder-$1/video_720.mp4" "bench/out/ladder-$1/audio.mp4" "$2/"
  echo '{"renditions":[{"file":"video_720.mp4","type":"video"},{"file":"audio.mp4","type":"audio"}]}' > "$2/manifest.json"
}
