#!/usr/bin/env bash
# The project's whole test suite: installs test dependencies, then runs every
# Rust test (unit, integration, interop). This is the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-deps.sh
cargo test --all-targets --locked "$@"
