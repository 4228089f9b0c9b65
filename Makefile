# The two commands a user needs: `make run` and `make test`. Both install what is missing first.
BUILD := build/release
SLUICE := $(BUILD)/sluice

.PHONY: run test build setup setup-tests unit integration asan fuzz bench clean

run: setup build
	$(SLUICE)

test: setup-tests build unit integration

setup:
	scripts/setup.sh

setup-tests:
	scripts/setup.sh --tests

build:
	@[ -f $(BUILD)/build.ninja ] || cmake --preset release
	cmake --build --preset release

unit: build
	cd $(BUILD) && ctest --output-on-failure -j2

integration: build
	cd tests && SLUICE_BIN=$(CURDIR)/$(SLUICE) node --test --test-concurrency=1 integration/ e2e/

asan:
	@[ -f build/asan/build.ninja ] || cmake --preset asan
	cmake --build --preset asan

# libFuzzer targets for the sans-I/O codecs (clang-14). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 30
FUZZ_SRCS := src/http/sse.cc src/providers/openai/openai_stream.cc src/api/openai_request.cc src/core/error.cc src/core/json_parse.cc
fuzz:
	mkdir -p build/fuzz
	for t in sse_splitter openai_request; do \
	  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize=function -Isrc \
	    tests/fuzz/$${t}_fuzz.cc $(FUZZ_SRCS) -lboost_json -o build/fuzz/$$t || exit 1; \
	  build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 || exit 1; \
	done

bench: build
	bench/run.sh

clean:
	rm -rf build
