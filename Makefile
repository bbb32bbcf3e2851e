# `make test` installs what it needs (idempotently) and runs every suite.
# `make demo` runs the main job end to end against local emulators.
SHELL := /bin/bash
.DEFAULT_GOAL := test

# Suites, in order. Each is a script owned by its part of the tree; a suite
# whose script does not exist yet is reported as missing, not skipped silently.
SUITES := scripts/test-rust.sh tests/emulators/test.sh tests/e2e/test.sh py/test.sh wasm/test.sh fuzz/test.sh

.PHONY: test setup demo wasm bench release clean
setup:
	@bash scripts/setup.sh

test: setup
	@bash scripts/run-suites.sh $(SUITES)

demo: setup
	@bash scripts/demo.sh

# The npm package at wasm/pkg.
wasm: setup
	@bash wasm/build.sh

bench: setup
	@bash scripts/bench.sh

# The static release binary (see README: x86_64-unknown-linux-musl).
release: setup
	@bash scripts/release.sh

clean:
	cargo clean
	rm -rf .venv wasm/pkg
