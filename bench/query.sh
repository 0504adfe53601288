#!/usr/bin/env bash
# The query benchmark (BENCHMARKS.md, "Query engine"): generates N records of synthetic flow logs as gzip'd S3
# objects (default 10 million), converts them to Parquet, and runs the same five queries in vpcflow, DuckDB and
# polars side by side.
#
#   bench/query.sh [RECORDS] [WORKDIR]      e.g. bench/query.sh 10M /tmp/vpcflow-bench
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-10M}"
WORK="${2:-/tmp/vpcflow-bench}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vpcflow/target}"
cargo build --release --locked -p vpcflow
BIN="$CARGO_TARGET_DIR/release/vpcflow"
python3 -m pip install --quiet --disable-pip-version-check duckdb==2.0.0 polars==2.1.0
if [ ! -f "$WORK/text.$RECORDS.done" ]; then
  rm -rf "$WORK/text" "$WORK/parquet"
  "$BIN" generate --records "$RECORDS" --out "$WORK/text"
  touch "$WORK/text.$RECORDS.done"
fi
if [ ! -f "$WORK/parquet.$RECORDS.done" ]; then
  rm -rf "$WORK/parquet"
  /usr/bin/time -f "convert: %e s, %M KiB peak" "$BIN" convert "$WORK/text" --out "$WORK/parquet"
  touch "$WORK/parquet.$RECORDS.done"
fi
python3 bench/peers.py --vpcflow "$BIN" --text "$WORK/text" --parquet "$WORK/parquet" --repeat "${REPEAT:-1}"
