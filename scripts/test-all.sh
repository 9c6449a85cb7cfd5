#!/usr/bin/env bash
# The README's test command (`make test`): Swift tests, the CLI check, the libav
# leak check under valgrind, then the parser fuzzer for FUZZ_SECONDS. Any failure stops it with a non-zero exit;
# success ends with one plain summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build
swift test 2>&1 | tee .build/test.log
unit=$(grep -oE "Test run with [0-9]+ tests" .build/test.log | tail -1 | grep -oE "[0-9]+" || true)
[ -n "$unit" ] || { echo "test-all: swift test reported no test run" >&2; exit 1; }
cli=$(scripts/cli-smoke.sh | tee /dev/stderr | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+")
scripts/leak-check.sh
fuzz/run.sh "${FUZZ_SECONDS:-60}"
echo "tests: $((unit + cli + 2)) passed, 0 failed"
