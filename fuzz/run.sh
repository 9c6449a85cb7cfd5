#!/usr/bin/env bash
# Fuzzes the MP4 parser with libFuzzer for a fixed time budget.
#   fuzz/run.sh [SECONDS]        default 60 (or FUZZ_SECONDS)
# Seeds: the test fixtures, the former crashers and the shared media. A crash
# fails the run and leaves its input in fuzz/out/crashes/: copy it into
# Tests/Corrupt/ so CorruptRegressionTests replays it from then on.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-60}}"
out=fuzz/out
mkdir -p "$out/corpus" "$out/crashes"
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name MP4Box \
     fuzz/FuzzMP4.swift $(find Sources/MP4Box -name '*.swift') -o "$out/fuzz-mp4" 2>"$out/build.log"; then
  grep -v "Cannot export local symbol" "$out/build.log" >&2
  exit 1
fi
seeds=(Tests/Fixtures Tests/Corrupt)
[ -d ../shared/media ] && seeds+=(../shared/media)
# -malloc_limit_mb: no input of a few hundred KB may make the parser allocate more.
"$out/fuzz-mp4" "$out/corpus" "${seeds[@]}" -max_total_time="$seconds" -malloc_limit_mb=256 -rss_limit_mb=2048 \
  -max_len=262144 -timeout=10 -artifact_prefix="$out/crashes/" -print_final_stats=1 >"$out/fuzz.log" 2>&1
status=$?
grep -aE "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" "$out/fuzz.log"
if [ $status -ne 0 ]; then
  grep -aE "ERROR|SUMMARY|^ +#[0-9]+ |Test unit written" "$out/fuzz.log" | head -40 >&2
  echo "fuzz: FAILED after a crash; input saved in $out/crashes/ (full log $out/fuzz.log)" >&2
  exit 1
fi
echo "fuzz: no crash in ${seconds}s"
