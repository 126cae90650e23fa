# actq — two commands do all the set-up on a fresh machine: `make run` and `make test`.
SWIFT ?= swift
BUILD_FLAGS ?=
APT_PACKAGES_NEEDED :=

ifeq ($(wildcard /usr/include/histedit.h),)
APT_PACKAGES_NEEDED += libedit-dev
endif
ifeq ($(shell command -v tmux 2>/dev/null),)
APT_PACKAGES_NEEDED += tmux
endif
ifeq ($(wildcard /usr/include/sqlite3.h),)
APT_PACKAGES_NEEDED += libsqlite3-dev
endif
# The crash-safety tests use sqlite3 as a second writer.
ifeq ($(shell command -v sqlite3 2>/dev/null),)
APT_PACKAGES_NEEDED += sqlite3
endif
# A real LSP client for the language server's end-to-end test.
PYTHON_LSP_CLIENT := $(shell python3 -c 'import pytest_lsp' 2>/dev/null && echo present)

.PHONY: all deps build release run test bench fuzz sanitize clean

all: build

# Installs the system packages the build and the tests need, only when they are missing.
deps:
ifneq ($(strip $(APT_PACKAGES_NEEDED)),)
	@echo "Installing missing system packages: $(APT_PACKAGES_NEEDED)"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES_NEEDED) >/dev/null
endif

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release --static-swift-stdlib $(BUILD_FLAGS)

# Opens actq on the bundled demo data.
run: build
	$(SWIFT) run $(BUILD_FLAGS) actq

test: deps
ifneq ($(PYTHON_LSP_CLIENT),present)
	python3 -m pip install -q pytest-lsp
endif
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	cd Tests/lsp-e2e && python3 -m pytest -q -p no:cacheprovider
	cd Tests/serve-hostile && python3 -m pytest -q -p no:cacheprovider
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

# Benchmarks: release build, side by side with the peers named in the issues.
bench: release
	@for tool in sqlite3 jq wrk curl; do command -v $$tool >/dev/null || apt-get install -y -qq $$tool >/dev/null; done
	python3 Benchmarks/check_throughput.py
	python3 Benchmarks/store_bench.py
	python3 Benchmarks/repl_bench.py
	python3 Benchmarks/lsp_bench.py
	python3 Benchmarks/remote_bench.py
	python3 Benchmarks/hostile_inputs.py

# libFuzzer targets (Tests/Fuzz) under AddressSanitizer, FUZZ_SECONDS each (default 60);
# findings land in .build-fuzz/findings and fail the run. FUZZ_RUNS=N runs N inputs instead.
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 0
fuzz: deps
	$(SWIFT) build --package-path Tests/Fuzz --scratch-path .build-fuzz -c release -Xswiftc -sanitize=fuzzer,address
	python3 Tests/Fuzz/fuzz.py --seconds $(FUZZ_SECONDS) --runs $(FUZZ_RUNS) $(FUZZ_TARGETS)

# The concurrency-heavy suites under ThreadSanitizer, everything else under AddressSanitizer.
TSAN_SUITES := EmulatorTests|FaultTests|ClientHardeningTests|DifferentialTests|PlannerTests|SemanticsTests|LanguageServer|REPLTests|ServeTests|LspProcessTests
sanitize: deps
	$(SWIFT) build --build-tests --scratch-path .build-tsan -Xswiftc -sanitize=thread
	TSAN_OPTIONS=halt_on_error=1:report_signal_unsafe=0 $(SWIFT) test --skip-build --scratch-path .build-tsan --filter '$(TSAN_SUITES)'
	$(SWIFT) build --build-tests --scratch-path .build-asan -Xswiftc -sanitize=address
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --scratch-path .build-asan --skip '$(TSAN_SUITES)'

clean:
	rm -rf .build .build-fuzz .build-tsan .build-asan
