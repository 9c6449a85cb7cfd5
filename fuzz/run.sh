#!/usr/bin/env bash
# Fuzzes the MP4 parser with libFuzzer for a fixed time budget.
#   fuzz/run.sh [SECONDS]        default 60
# Seeds: the test fixtures and shared media. Crashers land in fuzz/out/crashes;
# copy each into Tests/Corrupt/ so it becomes a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-60}}"
out=fuzz/out
mkdir -p "$out/corpus" "$out/crashes"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name MP4Box \
  fuzz/FuzzMP4.swift $(find Sources/MP4Box -name '*.swift') -o "$out/fuzz-mp4"
seeds=(Tests/Fixtures Tests/Corrupt)
[ -d ../shared/media ] && seeds+=(../shared/media)
# -malloc_limit_mb: no input of a few hundred KB may make the parser allocate more.
"$out/fuzz-mp4" "$out/corpus" "${seeds[@]}" -max_total_time="$seconds" -malloc_limit_mb=256 -rss_limit_mb=2048 \
  -max_len=262144 -timeout=10 -artifact_prefix="$out/crashes/" -print_final_stats=1 2>&1 | tail -n 25
echo "fuzz: no crash in ${seconds}s"
