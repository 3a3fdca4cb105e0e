# kvsim: the two set-up commands of the README.
#   make demo   installs what is missing, builds, and runs the default scenario
#   make test   installs what is missing, builds, and runs every test
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: deps build demo test bench gui clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	$(BUILD_DIR)/bin/kvsim run scenarios/quickstart.json --out out/quickstart

test: build
	ctest --preset $(PRESET) -j $(JOBS)

bench: build
	$(BUILD_DIR)/bin/kvsim_bench

gui: build
	$(BUILD_DIR)/bin/kvsim-gui

clean:
	rm -rf build out
