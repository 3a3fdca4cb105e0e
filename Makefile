# kvsim: the two set-up commands of the README.
#   make demo   installs what is missing, builds, and runs the default scenario
#   make test   installs what is missing, builds, and runs every test: the release suite, then the
#               unit and command-line suite again under AddressSanitizer and UBSan (make sanitize)
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: deps build demo test sanitize bench gui clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	$(BUILD_DIR)/bin/kvsim run scenarios/quickstart.json --out out/quickstart

test: build
	ctest --preset $(PRESET) -j $(JOBS)
ifneq ($(PRESET),debug)
	@$(MAKE) --no-print-directory sanitize
endif

# The debug preset: the simulator, the CLI and their tests built with -fsanitize=address,undefined
# and -Werror, without the GUI, the benchmarks or the fuzzers (docs/testing.md says why).
sanitize: deps
	cmake --preset debug
	cmake --build --preset debug -j $(JOBS)
	ctest --preset debug -j $(JOBS)

bench: build
	$(BUILD_DIR)/bin/kvsim_bench

gui: build
	$(BUILD_DIR)/bin/kvsim-gui

clean:
	rm -rf build out
