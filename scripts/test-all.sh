#!/usr/bin/env bash
# The README's test command (`make test`): Swift tests, the CLI check, the whole
# stack end to end (with headless Chromium), content protection on the real daemons
# (signed URLs, AES-128 with ffmpeg, cenc/cbcs with Chromium's ClearKey), uploads with a real tus client (tuspy),
# the libav leak check under valgrind,
# then the parser fuzzer for FUZZ_SECONDS. Any failure stops it with a non-zero exit;
# success ends with one plain summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build
swift test 2>&1 | tee .build/test.log
unit=$(grep -oE "Test run with [0-9]+ tests" .build/test.log | tail -1 | grep -oE "[0-9]+" || true)
[ -n "$unit" ] || { echo "test-all: swift test reported no test run" >&2; exit 1; }
cli=$(scripts/cli-smoke.sh | tee /dev/stderr | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+")
swift build 2>&1 | grep -E "error|warning:" || true   # the daemons, for the end-to-end test
e2e=$(/usr/bin/python3 scripts/e2e-test.py .build/debug | tee /dev/stderr | sed -nE "s/^e2e: ([0-9]+) passed.*/\1/p")
[ -n "$e2e" ] || { echo "test-all: the end-to-end test failed" >&2; exit 1; }
protection=$(/usr/bin/python3 scripts/protection-test.py .build/debug | tee /dev/stderr | sed -nE "s/^protection: ([0-9]+) passed.*/\1/p")
[ -n "$protection" ] || { echo "test-all: the protection test failed" >&2; exit 1; }
upload=$(/usr/bin/python3 scripts/upload-test.py .build/debug | tee /dev/stderr | sed -nE "s/^upload: ([0-9]+) passed.*/\1/p")
[ -n "$upload" ] || { echo "test-all: the upload test failed" >&2; exit 1; }
scripts/leak-check.sh
fuzz/run.sh "${FUZZ_SECONDS:-60}"
echo "tests: $((unit + cli + e2e + protection + upload + 2)) passed, 0 failed"
