# ript - the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing (Debian bookworm + bookworm-backports) first.

JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 300
CMAKE_FLAGS ?=

.PHONY: all deps build test check check-sanitize fuzz fuzz-run demo clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j$(JOBS)

# Unit, interop and fuzz-corpus tests, each unit test also under valgrind.
check: build
	ctest --test-dir build --output-on-failure -j$(JOBS)

# The same suite built with AddressSanitizer + UndefinedBehaviorSanitizer.
check-sanitize: deps
	@cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Debug -DRIPT_SANITIZE=ON \
	  $(CMAKE_FLAGS) >/dev/null
	@cmake --build build/sanitize -j$(JOBS)
	ctest --test-dir build/sanitize --output-on-failure -j$(JOBS)

test: check check-sanitize

# libFuzzer targets (clang) into build/fuzz/bin; `make fuzz-run` runs each
# for FUZZ_SECONDS, growing its corpus under fuzz/corpus/.
fuzz: deps
	@cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DRIPT_FUZZ=ON >/dev/null
	@cmake --build build/fuzz -j$(JOBS)

fuzz-run: fuzz
	scripts/fuzz-run.sh build/fuzz/bin $(FUZZ_SECONDS)

demo: build
	@scripts/demo.sh

clean:
	rm -rf build
