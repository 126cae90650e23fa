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
# The static-stdlib actq-mcp links Foundation's networking part (the MCP SDK uses it),
# which needs libcurl at link time.
ifeq ($(wildcard /usr/lib/*/libcurl.so),)
APT_PACKAGES_NEEDED += libcurl4-openssl-dev
endif
# The crash-safety tests use sqlite3 as a second writer.
ifeq ($(shell command -v sqlite3 2>/dev/null),)
APT_PACKAGES_NEEDED += sqlite3
endif
# The PostgreSQL store's tests start a throwaway cluster of the machine's own server.
ifeq ($(wildcard /usr/lib/postgresql/*/bin/initdb),)
APT_PACKAGES_NEEDED += postgresql
endif
# A real LSP client for the language server's end-to-end test.
PYTHON_LSP_CLIENT := $(shell python3 -c 'import pytest_lsp' 2>/dev/null && echo present)
PYTHON_MCP_CLIENT := $(shell python3 -c 'import mcp.client.stdio' 2>/dev/null && echo present)

.PHONY: all deps build release run run-postgres stop-postgres stop-test-postgres test bench bless fuzz sanitize mutants install uninstall dist clean

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

# Release builds link with lld, packing relative relocations (DT_RELR, glibc 2.36): a PIE's
# ~150,000 relative relocations are then applied from a bitmap, ~0.8 M fewer instructions at
# every start than gold's table (Benchmarks/performance_bench.py); see PIE below.
# They also export no dynamic symbols: the static standard library's link arguments ask for
# -export-dynamic, which put ~53,000 symbols into the dynamic symbol table, and the runtime's
# start-up dladdr() scans them all (~1.6 M instructions at every start); nothing looks them up.
LLD := $(wildcard $(dir $(realpath $(shell command -v $(SWIFT) 2>/dev/null)))ld.lld)
CLANG := $(wildcard $(dir $(realpath $(shell command -v $(SWIFT) 2>/dev/null)))clang)
# And they reach generic type metadata through accessor functions, not by mangled name: the
# runtime checks a mangled name's generic requirements (Set<String>: String is Hashable) by
# scanning every protocol conformance in the image, ~0.7 M instructions for each new pair; five
# such pairs on the way to a query's first row cost 3.1 M of its 14.1 M.
#
# Everything but the C library is linked in. Loading libstdc++, libsqlite3 (bound at load time,
# BIND_NOW: 1,238 symbols looked up), libedit and the three libraries it needs was half of the
# dynamic loader's work, 3.2 M instructions and ~400 page faults at every start (a page fault
# costs ~5 us on a virtual machine). .build/static-libs holds the static archives found (a
# library without one stays shared), and comes first among the library paths.
STATIC_LIBS := stdc++ sqlite3 edit tinfo bsd md z
STATIC_FOUND := $(if $(CLANG),$(foreach lib,$(STATIC_LIBS),$(if $(filter /%,$(shell $(CLANG) -print-file-name=lib$(lib).a)),$(lib))))
# libedit's own libraries, named when libedit is linked in (its shared library names them itself).
EDIT_DEPENDENCIES := $(if $(filter edit,$(STATIC_FOUND)),$(foreach lib,$(filter tinfo bsd md,$(STATIC_FOUND)),-Xlinker -l$(lib)))
# The executable is position-independent, as the distribution's own are (its code is placed at
# random, like the libraries, the heap and the stacks). PIE=no links a fixed-address executable
# instead: a PIE's 145,000 relative relocations are 1.3 M instructions and ~420 copy-on-write page
# faults at every start (cold explain 4.1 M -> 2.8 M instructions, one remote query ~10 -> ~7 ms
# on this machine: Benchmarks/performance_bench.py --only cold --only serve).
PIE ?= yes
RELEASE_FLAGS = -c release --static-swift-stdlib $(if $(LLD),--toolset $(CURDIR)/.build/lld-toolset.json) \
	-Xlinker --no-export-dynamic -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
	$(if $(STATIC_FOUND),-Xswiftc -L$(CURDIR)/.build/static-libs -Xswiftc -Xclang-linker -Xswiftc -static-libgcc $(EDIT_DEPENDENCIES)) \
	$(if $(filter no,$(PIE)),-Xswiftc -Xclang-linker -Xswiftc -no-pie) \
	$(BUILD_FLAGS)

.build/lld-toolset.json:
	@mkdir -p .build
	@printf '{"schemaVersion": "1.0", "linker": {"path": "%s", "extraCLIOptions": ["-z", "pack-relative-relocs"]}}\n' "$(LLD)" > $@

# The static archives release builds link (links to the system's), remade each time.
.PHONY: static-libs
static-libs:
	@rm -rf .build/static-libs && mkdir -p .build/static-libs
	@for lib in $(STATIC_FOUND); do ln -s "$$($(CLANG) -print-file-name=lib$$lib.a)" .build/static-libs/; done

release: deps static-libs $(if $(LLD),.build/lld-toolset.json)
	$(SWIFT) build $(RELEASE_FLAGS)

# Opens actq on the bundled demo data.
run: build
	$(SWIFT) run $(BUILD_FLAGS) actq

# Opens actq on demo data in a PostgreSQL store: a local cluster in .build/postgres (made and
# started on first use, on port $(PG_PORT), socket in that directory), database actq.
PG_PORT ?= 54329
PG_DIR := $(CURDIR)/.build/postgres
PG_BIN = $(lastword $(sort $(wildcard /usr/lib/postgresql/*/bin)))
PG_AS = $$( [ "$$(id -u)" = 0 ] && echo "runuser -u postgres --" )
run-postgres: build
	@mkdir -p $(PG_DIR) && if [ "$$(id -u)" = 0 ]; then chown postgres $(PG_DIR); fi
	@[ -f $(PG_DIR)/data/PG_VERSION ] || $(PG_AS) $(PG_BIN)/initdb -D $(PG_DIR)/data -U postgres -A trust -E UTF8 >/dev/null
	@$(PG_BIN)/pg_isready -q -h $(PG_DIR) -p $(PG_PORT) || $(PG_AS) $(PG_BIN)/pg_ctl -D $(PG_DIR)/data -l $(PG_DIR)/server.log -w \
	  -o "-p $(PG_PORT) -k $(PG_DIR) -c listen_addresses=127.0.0.1" start >/dev/null
	@$(PG_BIN)/psql -X -q -h $(PG_DIR) -p $(PG_PORT) -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'actq'" | grep -q 1 || \
	  ( $(PG_BIN)/createdb -h $(PG_DIR) -p $(PG_PORT) -U postgres actq && \
	    $(SWIFT) run $(BUILD_FLAGS) actq demo --db "postgresql://postgres@127.0.0.1:$(PG_PORT)/actq?sslmode=disable" )
	@echo "PostgreSQL store: postgresql://postgres@127.0.0.1:$(PG_PORT)/actq (stop it with: make stop-postgres)"
	$(SWIFT) run $(BUILD_FLAGS) actq --db "postgresql://postgres@127.0.0.1:$(PG_PORT)/actq?sslmode=disable"

# Stops the cluster of `make run-postgres` (its data stays in .build/postgres).
stop-postgres:
	@if [ -f $(PG_DIR)/data/postmaster.pid ]; then $(PG_AS) $(PG_BIN)/pg_ctl -D $(PG_DIR)/data -m fast stop >/dev/null; fi

# A TMPDIR of its own for each test run, checked for leftovers afterwards.
TEST_TMP := $(CURDIR)/.build/test-tmp

test: deps
ifneq ($(PYTHON_LSP_CLIENT),present)
	python3 -m pip install -q pytest-lsp
endif
ifneq ($(PYTHON_MCP_CLIENT),present)
	python3 -m pip install -q mcp
endif
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	cd Tests/lsp-e2e && python3 -m pytest -q -p no:cacheprovider
	cd Tests/serve-hostile && python3 -m pytest -q -p no:cacheprovider
	cd Tests/mcp-e2e && python3 -m pytest -q -p no:cacheprovider
	@rm -rf $(TEST_TMP) && mkdir -p $(TEST_TMP)
	TMPDIR=$(TEST_TMP) $(SWIFT) test --skip-build $(BUILD_FLAGS) || { $(MAKE) -s stop-test-postgres; exit 1; }
	@$(MAKE) -s stop-test-postgres
	@# Tests clean up after themselves: anything of theirs left in TMPDIR fails the run
	@# (SwiftPM's own lock files and directories aside).
	@left=$$(ls -A $(TEST_TMP) | grep -v -e '\.lock$$' -e '^TemporaryDirectory\.'); rm -rf $(TEST_TMP); \
	if [ -n "$$left" ]; then echo "the tests left files behind:"; echo "$$left"; exit 1; fi

# The tests stop their PostgreSQL cluster when they exit; this stops one that a crashed test
# process left (its directory, /tmp/actq-pg-PID-…, names the test process, which is gone).
stop-test-postgres:
	@for dir in /tmp/actq-pg-*; do \
	  [ -d "$$dir" ] || continue; owner=$$(basename "$$dir" | cut -d- -f3); \
	  kill -0 "$$owner" 2>/dev/null && continue; \
	  pkill -INT -f "postgres -D $$dir/data" 2>/dev/null; sleep 0.5; rm -rf "$$dir"; \
	done

# Benchmarks: release build, side by side with the peers named in the issues.
bench: release
	@for tool in sqlite3 jq wrk curl valgrind; do command -v $$tool >/dev/null || apt-get install -y -qq $$tool >/dev/null; done
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt-get install -y -qq nginx-light >/dev/null
	python3 Benchmarks/performance_bench.py
	python3 Benchmarks/check_throughput.py
	python3 Benchmarks/store_bench.py
	python3 Benchmarks/postgres_bench.py
	python3 Benchmarks/repl_bench.py
	python3 Benchmarks/lsp_bench.py
	python3 Benchmarks/remote_bench.py
	python3 Benchmarks/hostile_inputs.py

# libFuzzer targets (Tests/Fuzz) under AddressSanitizer, FUZZ_SECONDS each (default 60);
# findings land in .build-fuzz/findings and fail the run. FUZZ_RUNS=N runs N inputs instead.
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 0
fuzz: deps
	@# The nested package keeps an old plan of actq's sources after files move: plan anew.
	@touch Tests/Fuzz/Package.swift
	$(SWIFT) build --package-path Tests/Fuzz --scratch-path .build-fuzz -c release -Xswiftc -sanitize=fuzzer,address
	python3 Tests/Fuzz/fuzz.py --seconds $(FUZZ_SECONDS) --runs $(FUZZ_RUNS) $(FUZZ_TARGETS)

# The concurrency-heavy suites under ThreadSanitizer, everything else under AddressSanitizer.
TSAN_SUITES := EmulatorTests|FaultTests|ClientHardeningTests|DifferentialTests|PlannerTests|SemanticsTests|LanguageServer|REPLTests|ServeTests|LspProcessTests
sanitize: deps
	$(SWIFT) build --build-tests --scratch-path .build-tsan -Xswiftc -sanitize=thread
	@# One test at a time: on two cores the cooperative pool has two threads, and a slow
	@# instrumented synchronous test holding one starves the in-process servers of the others.
	ACTQ_TEST_TIME_SCALE=10 TSAN_OPTIONS=halt_on_error=1:report_signal_unsafe=0 $(SWIFT) test --skip-build --scratch-path .build-tsan --no-parallel --filter '$(TSAN_SUITES)'
	$(SWIFT) build --build-tests --scratch-path .build-asan -Xswiftc -sanitize=address
	ACTQ_TEST_TIME_SCALE=5 ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --scratch-path .build-asan --skip '$(TSAN_SUITES)'

# Rewrites grammar/corpus with what actq does now, for review with git diff (never done by a test).
bless: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	ACTQ_BLESS=1 $(SWIFT) test --skip-build --filter CorpusTests.blessTheCorpus
	git diff --stat -- grammar/corpus

# Deliberate bugs in the store's SQL and the planner, one at a time: the semantics, oracle,
# differential and planner tests must catch each (Tests/mutants/run_mutants.py lists them).
mutants: deps
	python3 Tests/mutants/run_mutants.py

# Installing: the release binary (static Swift standard library), bash/zsh/fish completions
# generated by ArgumentParser and the manual page from its generate-manual plugin; nothing else.
# `make uninstall` removes exactly these files. PREFIX and DESTDIR as usual.
PREFIX ?= /usr/local
DESTDIR ?=
STAGE := .build/stage
INSTALLED := bin/actq libexec/actq/actq-mcp share/man/man1/actq.1 share/bash-completion/completions/actq \
	share/zsh/site-functions/_actq share/fish/vendor_completions.d/actq.fish

# The manual first: the plugin builds the package in release mode its own way (the Swift
# runtime linked dynamically) into .build/release, and the build after it may then find
# nothing to do; without the two executables it links them again with the release flags. The
# staged executables must not need the Swift runtime's shared libraries.
stage: deps static-libs $(if $(LLD),.build/lld-toolset.json)
	rm -rf $(STAGE) && mkdir -p $(STAGE)/man
	$(SWIFT) package --allow-writing-to-directory $(STAGE)/man generate-manual --output-directory $(STAGE)/man \
	  --authors "the actq authors" --section 1
	rm -f .build/release/actq .build/release/actq-mcp
	$(SWIFT) build $(RELEASE_FLAGS)
	cp .build/release/actq .build/release/actq-mcp $(STAGE)/
	@for binary in $(STAGE)/actq $(STAGE)/actq-mcp; do \
	  if readelf -d $$binary | grep -q 'libswiftCore'; then echo "$$binary needs the Swift runtime's shared libraries" >&2; exit 1; fi; done
	strip --strip-debug $(STAGE)/actq $(STAGE)/actq-mcp
	$(STAGE)/actq --generate-completion-script bash > $(STAGE)/actq.bash
	$(STAGE)/actq --generate-completion-script zsh > $(STAGE)/_actq
	$(STAGE)/actq --generate-completion-script fish > $(STAGE)/actq.fish

install: stage
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/actq $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(STAGE)/actq $(DESTDIR)$(PREFIX)/bin/actq
	install -m 755 $(STAGE)/actq-mcp $(DESTDIR)$(PREFIX)/libexec/actq/actq-mcp
	install -m 644 $(STAGE)/man/actq.1 $(DESTDIR)$(PREFIX)/share/man/man1/actq.1
	install -m 644 $(STAGE)/actq.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/actq
	install -m 644 $(STAGE)/_actq $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_actq
	install -m 644 $(STAGE)/actq.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/actq.fish

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	rmdir $(DESTDIR)$(PREFIX)/libexec/actq 2>/dev/null || true

# A release tarball and a Debian package in dist/, then a check: the .deb unpacked into a
# scratch root answers --version and a query.
dist: stage
	python3 Tests/dist/make_dist.py $(STAGE)

clean:
	rm -rf .build .build-fuzz .build-tsan .build-asan dist
