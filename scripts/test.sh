#!/usr/bin/env bash
# The project's whole test suite: installs test dependencies, builds and
# checks the companion APKs and runs their Java tests, then runs every Rust
# test (unit, integration, interop, the Java gateway client against a live
# hub). This is the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-deps.sh
android-app/build.sh all
# --no-fail-fast: one failing test target never hides the others.
cargo test --all-targets --locked --no-fail-fast "$@"
