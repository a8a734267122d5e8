# wadial-rules: `make run` (the engine against the embedded sandbox) and `make test`.
SHELL := /bin/bash
export SWIFT_DETERMINISTIC_HASHING := 1

SWIFT ?= swift
APT_PACKAGES := libyaml-dev libsqlite3-dev pkg-config postgresql
# root on CI and the build machines; sudo elsewhere.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: all setup deps build run test check bench clean

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
# executable beside the benchmark executables, then every benchmark. Takes about 20 minutes.
# BENCH_ARGS picks some, e.g. `make bench BENCH_ARGS="--target Loading --target Evaluation"`.
BENCH_ARGS ?=
bench: deps
	cd Benchmarks && $(SWIFT) build -c release --product wadial-rules
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark $(BENCH_ARGS)

clean:
	rm -rf .build Benchmarks/.build
