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

.PHONY: all deps build release run test bench clean

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
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

# Benchmarks: release build, side by side with the peers named in the issues.
bench: release
	@for tool in sqlite3 jq; do command -v $$tool >/dev/null || apt-get install -y -qq $$tool >/dev/null; done
	python3 Benchmarks/check_throughput.py
	python3 Benchmarks/store_bench.py
	python3 Benchmarks/repl_bench.py

clean:
	rm -rf .build
