# wadial-rules: `make run` (the engine against the embedded sandbox) and `make test`.
SHELL := /bin/bash
export SWIFT_DETERMINISTIC_HASHING := 1

SWIFT ?= swift
# Release builds carry the Swift runtime and Foundation in the binary: it runs on a machine
# without a Swift toolchain, and every command starts in about 7 ms instead of 11 (no dynamic
# linking of the Swift libraries). Debug builds (`make run`, `make test`) link them dynamically.
RELEASE := -c release --static-swift-stdlib
APT_PACKAGES := libyaml-dev libsqlite3-dev pkg-config postgresql chromium
# root on CI and the build machines; sudo elsewhere.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: all setup deps build run test check bench clean install uninstall

all: build

# Install the C libraries only when they are missing, then build.
setup: deps build

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $$missing; \
	fi

build: deps
	$(SWIFT) build

# The engine against the embedded sandbox and its demo world: no account needed. Ctrl-C stops it.
run: build
	$(SWIFT) run wadial-rules run --sandbox

check: build
	$(SWIFT) run wadial-rules check rules

# Every test, then the module boundaries (Rules and State link no networking).
test: setup
	$(SWIFT) test
	python3 scripts/check-module-boundaries.py

# The benchmarks (Benchmarks/, a package of its own, never built by `make test`): the release
# executable as `make install` builds it (.build/release; its flags differ from the benchmarks',
# so it is not built in Benchmarks/.build, where switching would rebuild everything), then
# every benchmark. Takes about 20 minutes.
# BENCH_ARGS picks some, e.g. `make bench BENCH_ARGS="--target Loading --target Evaluation"`.
BENCH_ARGS ?=
bench: deps
	$(SWIFT) build $(RELEASE) --product wadial-rules
	cd Benchmarks && WADIAL_RULES_BIN="$${WADIAL_RULES_BIN:-$(CURDIR)/.build/release/wadial-rules}" \
	  $(SWIFT) package --disable-sandbox benchmark $(BENCH_ARGS)

# Installs the release binary, its man page (generated from the command definitions), shell
# completions (bash, zsh, fish) and the systemd unit under $(DESTDIR)$(PREFIX). Upgrading is the
# same command; see the README's "Operations" for the steps around it.
PREFIX ?= /usr/local
DESTDIR ?=
BIN := $(DESTDIR)$(PREFIX)/bin
SHARE := $(DESTDIR)$(PREFIX)/share
install: deps
	$(SWIFT) build $(RELEASE) --product wadial-rules
	$(SWIFT) package --disable-sandbox generate-manual
	install -D -m 0755 .build/release/wadial-rules $(BIN)/wadial-rules
	install -D -m 0644 .build/plugins/GenerateManual/outputs/wadial-rules/wadial-rules.1 $(SHARE)/man/man1/wadial-rules.1
	install -d $(SHARE)/bash-completion/completions $(SHARE)/zsh/site-functions $(SHARE)/fish/vendor_completions.d
	.build/release/wadial-rules --generate-completion-script bash > $(SHARE)/bash-completion/completions/wadial-rules
	.build/release/wadial-rules --generate-completion-script zsh > $(SHARE)/zsh/site-functions/_wadial-rules
	.build/release/wadial-rules --generate-completion-script fish > $(SHARE)/fish/vendor_completions.d/wadial-rules.fish
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|/usr/local/bin/wadial-rules|$(PREFIX)/bin/wadial-rules|' contrib/wadial-rules.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/wadial-rules.service
	@echo "installed wadial-rules $$($(BIN)/wadial-rules --version) under $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(BIN)/wadial-rules $(SHARE)/man/man1/wadial-rules.1 $(SHARE)/bash-completion/completions/wadial-rules \
	  $(SHARE)/zsh/site-functions/_wadial-rules $(SHARE)/fish/vendor_completions.d/wadial-rules.fish \
	  $(DESTDIR)$(PREFIX)/lib/systemd/system/wadial-rules.service

clean:
	rm -rf .build Benchmarks/.build
