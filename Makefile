# The two commands of the README:  make run   and   make test
# Both install what is missing first (scripts/install-deps.sh), so a fresh machine needs nothing else.
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT ?= swift
FILE ?= Tests/Fixtures/h264_bframes_aac.mp4
FUZZ_SECONDS ?= 60

.PHONY: deps build release run inspect test unit-test cli-test e2e-test fuzz fixtures bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## run: build in release mode and run the whole stack (3 origins, edge, transcoder) on loopback from config/.
run: deps
	scripts/run-stack.sh

## inspect: what the toolbox reads in FILE.
inspect: release
	.build/release/vod inspect $(FILE)

## test: unit and integration tests (ffprobe/ffmpeg as oracles), the CLI, then the parser fuzzer for FUZZ_SECONDS.
test: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/test-all.sh

unit-test: deps
	$(SWIFT) test

cli-test: deps
	scripts/cli-smoke.sh

## e2e-test: the whole stack on ephemeral ports, a dropped file, every segment through the edge, failover, headless Chromium.
e2e-test: deps
	$(SWIFT) build
	/usr/bin/python3 scripts/e2e-test.py .build/debug

fuzz: deps
	fuzz/run.sh $(FUZZ_SECONDS)

fixtures: deps
	scripts/make-fixtures.sh

bench: release
	bench/index-bench.sh
	bench/packager-bench.sh
	bench/origin-bench.sh
	bench/cold-request.sh
	bench/small-response-bench.sh
	bench/concurrency-bench.sh
	bench/catalog-bench.sh
	LAYOUT=ladder bench/catalog-bench.sh
	bench/edge-bench.sh
	bench/transcode-bench.sh
	bench/pipeline-bench.sh
	bench/upload-bench.sh
	bench/chunk-bench.sh
	bench/codec-bench.sh
	bench/first-play-bench.sh
	python3 bench/projection.py

clean:
	rm -rf .build bench/out fuzz/out
