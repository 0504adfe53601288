#!/usr/bin/env bash
# Where the records are and how they are cut, for the query benchmark's questions (BENCHMARKS.md, "Reading from S3
# and object size"):
#   1. the same records split both ways: the generated small objects (~1.2 MB) and large ones made of four of them
#      each (~4.6 MB, one header line), each side by side with DuckDB;
#   2. the same files read from disk and from a local S3-compatible server (s3s-fs, else moto), through vpcflow's
#      S3 reader.
#
#   bench/objects.sh [RECORDS] [WORKDIR]      e.g. bench/objects.sh 10M /tmp/vpcflow-bench
#
# Needs: the benchmark's data (made here with `vpcflow generate`); for 2., `cargo install s3s-fs@0.14.1 --features
# binary`, else moto's server (pip install 'moto[server]').
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-10M}"
WORK="${2:-/tmp/vpcflow-bench}"
# VPCFLOW_BIN: a release binary already built (else one is built here).
if [ -n "${VPCFLOW_BIN:-}" ]; then
  BIN="$VPCFLOW_BIN"
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vpcflow/target}"
  cargo build --release --locked -p vpcflow
  BIN="$CARGO_TARGET_DIR/release/vpcflow"
fi
python3 -m pip install --quiet --disable-pip-version-check duckdb==2.0.0
if [ ! -f "$WORK/text.$RECORDS.done" ]; then
  rm -rf "$WORK/text"
  "$BIN" generate --records "$RECORDS" --out "$WORK/text"
  touch "$WORK/text.$RECORDS.done"
fi
# Four consecutive objects of each folder become one (the header line once), gzip'd again.
if [ ! -f "$WORK/large.$RECORDS.done" ]; then
  rm -rf "$WORK/large"
  python3 - "$WORK/text" "$WORK/large" <<'EOF'
import gzip, os, sys
src, dst = sys.argv[1], sys.argv[2]
for root, _, files in os.walk(src):
    files = sorted(f for f in files if f.endswith(".log.gz"))
    for i in range(0, len(files), 4):
        out_dir = os.path.join(dst, os.path.relpath(root, src))
        os.makedirs(out_dir, exist_ok=True)
        lines = []
        for j, f in enumerate(files[i:i + 4]):
            with gzip.open(os.path.join(root, f), "rb") as g:
                text = g.read().split(b"\n", 1)
            if j == 0:
                lines.append(text[0] + b"\n")
            lines.append(text[1] if len(text) > 1 else b"")
        with gzip.open(os.path.join(out_dir, files[i]), "wb", compresslevel=6) as g:
            g.write(b"".join(lines))
EOF
  touch "$WORK/large.$RECORDS.done"
fi
echo "== small objects: $(find "$WORK/text" -name '*.log.gz' | wc -l) files, $(du -sh "$WORK/text" | cut -f1)"
python3 bench/peers.py --vpcflow "$BIN" --text "$WORK/text" --repeat "${REPEAT:-3}" --skip-polars
echo "== large objects: $(find "$WORK/large" -name '*.log.gz' | wc -l) files, $(du -sh "$WORK/large" | cut -f1)"
python3 bench/peers.py --vpcflow "$BIN" --text "$WORK/large" --repeat "${REPEAT:-3}" --skip-polars

# 2. The same small objects from a local S3-compatible server: s3s-fs (a Rust server over a directory) when it is
#    installed, else moto's server (Python, in memory: slower than any real store, so an upper bound).
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_EC2_METADATA_DISABLED=true
if command -v s3s-fs >/dev/null; then
  SERVER_NAME=s3s-fs
  ROOT="$WORK/s3root"
  mkdir -p "$ROOT"
  [ -e "$ROOT/bench" ] || ln -s "$WORK/text" "$ROOT/bench"
  s3s-fs --host 127.0.0.1 --port "$PORT" --access-key testing --secret-key testing "$ROOT" >/dev/null 2>&1 &
  SERVER=$!
  trap 'kill $SERVER' EXIT
  sleep 1
else
  SERVER_NAME="moto $(python3 -c 'import moto; print(moto.__version__)')"
  moto_server -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
  SERVER=$!
  trap 'kill $SERVER' EXIT
  sleep 2
  python3 - "$WORK/text" <<'EOF2'
import os, sys, boto3
root = sys.argv[1]
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
s3.create_bucket(Bucket="bench")
for d, _, files in os.walk(root):
    for f in files:
        path = os.path.join(d, f)
        s3.upload_file(path, "bench", os.path.relpath(path, root))
EOF2
fi
echo "== disk against $SERVER_NAME: $(find "$WORK/text" -name '*.log.gz' | wc -l) objects; load: $(uptime)"
Q="SELECT srcaddr, dstaddr, SUM(bytes) AS total FROM flows GROUP BY srcaddr, dstaddr ORDER BY total DESC LIMIT 10"
for i in $(seq "${REPEAT:-3}"); do
  /usr/bin/time -f "disk: %e s, %U+%S s CPU, %M KiB" "$BIN" query -o csv "$Q" "$WORK/text" >/dev/null
  /usr/bin/time -f "s3:   %e s, %U+%S s CPU, %M KiB" "$BIN" query -o csv "$Q" s3://bench/ >/dev/null
done
