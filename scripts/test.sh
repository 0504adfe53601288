#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Builds go to a cache outside the clone so that CI and later runs reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vpcflow/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Snapshot tests must fail on a difference, never rewrite themselves.
export INSTA_UPDATE=no
# Explanations are tested in fixed zones; the local zone must not leak in.
export TZ=UTC

if ! command -v cargo >/dev/null; then
  echo "cargo is required (https://rustup.rs)" >&2
  exit 1
fi

cargo test --workspace --locked
