#!/usr/bin/env bash
# Fuzzes the parsers of outside bytes with libFuzzer for a fixed time budget: the MP4
# parser (fuzz/FuzzMP4.swift), the packager behind it (fuzz/FuzzPackager.swift: every
# playlist, the MPD, CMAF and TS segments of each input), the origin's index files and
# the packager behind them (fuzz/FuzzIndex.swift) and the HTTP request parser with the
# URL-token checks (fuzz/FuzzHTTP.swift), each for a quarter of it; the packager also
# encrypts each input with a scheme its bytes choose.
#   fuzz/run.sh [SECONDS]        default 60 (or FUZZ_SECONDS)
# A crash fails the run and leaves its input in fuzz/out/<target>/crashes/: copy it into
# Tests/Corrupt/ (MP4 and packager, replayed by CorruptRegressionTests and
# PackagerRegressionTests; index files into Tests/Corrupt/index/) or add it as a case in
# Tests/VODKitTests (HTTP) so a test replays it from then on.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-60}}"
half=$(( (seconds + 3) / 4 ))

fuzz() {  # name module "source dirs" seeds...
  local name=$1 module=$2 sources=$3; shift 3
  local out=fuzz/out/$name
  rm -rf "$out/src"
  mkdir -p "$out/corpus" "$out/crashes" "$out/src"
  # Several modules become one: their sources are copied without the imports between them.
  local dir
  for dir in $sources; do
    find "$dir" -name '*.swift' | while read -r f; do
      sed -e '/^import MP4Box$/d' "$f" > "$out/src/$(echo "$f" | tr / _)"
    done
  done
  if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "$module" -I Sources/CCrypto -I Sources/CZlib \
       "fuzz/Fuzz$name.swift" "$out"/src/*.swift -o "$out/fuzz" 2>"$out/build.log"; then
    grep -v "Cannot export local symbol" "$out/build.log" >&2
    return 1
  fi
  # -malloc_limit_mb: no input of a few hundred KB may make the parser allocate more.
  "$out/fuzz" "$out/corpus" "$@" -max_total_time="$half" -malloc_limit_mb=256 -rss_limit_mb=2048 \
    -max_len=262144 -timeout=10 -artifact_prefix="$out/crashes/" -print_final_stats=1 >"$out/fuzz.log" 2>&1
  local status=$?
  grep -aE "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" "$out/fuzz.log" | sed "s/^/$name /"
  if [ $status -ne 0 ]; then
    grep -aE "ERROR|SUMMARY|Fatal error|^ +#[0-9]+ |Test unit written" "$out/fuzz.log" | head -40 >&2
    echo "fuzz: $name FAILED after a crash; input saved in $out/crashes/ (full log $out/fuzz.log)" >&2
    return 1
  fi
}

mp4_seeds=(Tests/Fixtures Tests/Corrupt)
[ -d ../shared/media ] && mp4_seeds+=(../shared/media)
fuzz MP4 MP4Box Sources/MP4Box "${mp4_seeds[@]}" || exit 1
fuzz Packager HLSPackager "Sources/MP4Box Sources/HLSPackager" "${mp4_seeds[@]}" fuzz/seeds/choices || exit 1
# Index seeds: the index file of every fixture that keeps one.
index_seeds=fuzz/out/Index/seeds
rm -rf "$index_seeds"; mkdir -p "$index_seeds"
swift build --product vod-bench >/dev/null || exit 1
for f in Tests/Fixtures/*.mp4 Tests/Fixtures/*.m4a; do
  .build/debug/vod-bench index-file "$f" "$index_seeds/$(basename "$f").vodindex" >/dev/null || true
done
index_regressions=()
[ -d Tests/Corrupt/index ] && index_regressions+=(Tests/Corrupt/index)
fuzz Index HLSPackager "Sources/MP4Box Sources/HLSPackager" "$index_seeds" "${index_regressions[@]}" || exit 1
fuzz HTTP VODKit "Sources/VODKit/HTTP Sources/VODKit/Signing Sources/VODKit/SafeName.swift Sources/VODKit/SHA256.swift" fuzz/seeds/http || exit 1
echo "fuzz: no crash in ${seconds}s"
