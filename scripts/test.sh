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

# The query tests cross-check answers with DuckDB (PyPI); installing an installed version is a no-op.
python3 -m pip install --quiet --disable-pip-version-check duckdb==2.0.0

# The delivery tests run the AWS SDK against moto's S3 and CloudWatch Logs server (started by the tests on a free
# port; under CI=true a missing moto fails them).
python3 -m pip install --quiet --disable-pip-version-check 'moto[server]==5.2.1'

# The live capture test builds network namespaces with iproute2 (as root; elsewhere it prints why it skips).
if ! command -v ip >/dev/null && command -v apt-get >/dev/null; then
  apt-get update -qq && apt-get install -y -qq iproute2
fi

# The dashboard's browser test drives Debian's Chromium through chromedriver, with CJK fonts for the Japanese
# screenshots (under CI=true a missing browser fails the test).
if { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; } \
  && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk
fi

# Style and lints are part of the suite: a warning fails it like a wrong answer does.
cargo fmt --all -- --check
(cd fuzz && cargo fmt --all -- --check)
# Both ways the binary can be built: without the `cluster` feature (the default install) and with it (Ballista:
# `vpcflow cluster`, `query --cluster`). The workspace always builds the vpcflow-cluster crate, so both share one
# build of the dependencies and only the `vpcflow` crate is checked twice.
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --workspace --all-targets --locked --features vpcflow/cluster -- -D warnings

# One test build for everything, with the cluster feature: the cluster tests start a scheduler and executors
# from the binary under test (one cluster at a time, on 127.0.0.1).
cargo test --workspace --locked --features vpcflow/cluster
