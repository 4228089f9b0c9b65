# The two commands a user needs: `make run` and `make test`. Both install what is missing first.
BUILD := build/release
SLUICE := $(BUILD)/sluice

.PHONY: run test build setup setup-tests unit integration asan check-sanitizers fuzz bench clean

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
	scripts/setup.sh --sanitizers
	@[ -f build/asan/build.ninja ] || cmake --preset asan
	cmake --build --preset asan

# Unit and Node suites against the ASan+UBSan build, any report fatal. Not part of `make test`
# (the slower binary would squeeze the timing margins of some tests); run it before a release.
check-sanitizers: setup-tests asan
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/asan/unit_tests
	cd tests && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  SLUICE_BIN=$(CURDIR)/build/asan/sluice node --test --test-concurrency=1 integration/ e2e/

# libFuzzer targets for the sans-I/O codecs (clang-14). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 30
# Every sans-I/O codec; each tests/fuzz/<name>_fuzz.cc is one target (with <name>.dict, if any,
# as its dictionary).
FUZZ_SRCS := $(filter-out %_test.cc,$(wildcard src/api/*.cc src/providers/*.cc src/providers/*/*.cc)) \
  src/http/sse.cc src/http/ndjson.cc src/http/body_decoder.cc src/http/response_head.cc \
  src/http/request_fast_path.cc src/core/error.cc \
  src/core/json_parse.cc src/core/json_reader.cc src/telemetry/json_text.cc src/store/resp.cc \
  src/routing/block_lru.cc src/routing/server_metrics.cc
FUZZ_TARGETS := $(patsubst tests/fuzz/%_fuzz.cc,%,$(wildcard tests/fuzz/*_fuzz.cc))
fuzz:
	scripts/setup.sh --sanitizers
	mkdir -p build/fuzz
	for t in $(FUZZ_TARGETS); do \
	  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined -Isrc \
	    tests/fuzz/$${t}_fuzz.cc $(FUZZ_SRCS) -lboost_json -lcrypto -lhiredis -o build/fuzz/$$t || exit 1; \
	  dict=tests/fuzz/$$t.dict; [ -f $$dict ] && dict=-dict=$$dict || dict=; \
	  build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 $$dict || exit 1; \
	done

bench: build
	bench/run.sh

clean:
	rm -rf build
