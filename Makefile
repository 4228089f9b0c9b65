# The two commands a user needs: `make run` and `make test`. Both install what is missing first.
BUILD := build/release
SLUICE := $(BUILD)/sluice

.PHONY: run test build setup setup-tests unit integration asan bench clean

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

bench: build
	bench/run.sh

clean:
	rm -rf build
