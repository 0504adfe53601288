#!/usr/bin/env bash
# The conversations and diagnose benchmark (BENCHMARKS.md, "Conversations and diagnose at scale"): generates N
# records of synthetic flow logs as gzip'd S3 objects with the VPC configuration behind them, then times
# `conversations`, `diagnose` from the logs alone and `diagnose --vpc-config`, each writing its output to a file,
# with wall time and peak memory from /usr/bin/time -v.
#
#   bench/diagnose.sh [RECORDS...]            e.g. bench/diagnose.sh 1M 10M
#
# VPCFLOW=path/to/release/vpcflow uses that binary instead of building one; WORK (default /tmp/vpcflow-bench)
# holds the generated data and the outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${WORK:-/tmp/vpcflow-bench}"
if [ $# -eq 0 ]; then set -- 1M 10M; fi
if [ -z "${VPCFLOW:-}" ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vpcflow/target}"
  cargo build --release --locked -p vpcflow
  VPCFLOW="$CARGO_TARGET_DIR/release/vpcflow"
fi
mkdir -p "$WORK"
echo "binary: $VPCFLOW"
echo "load before: $(uptime)"
measure() { # NAME OUTPUT COMMAND...
  local name="$1" out="$2"
  shift 2
  /usr/bin/time -v "$@" > "$out" 2> "$out.time" || { tail -20 "$out.time"; return 1; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$out.time" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$out.time" | awk '{print $NF}')
  printf '%-40s wall %8s  peak %6d MiB  output %6d MiB  load %s\n' "$name" "$wall" $((rss / 1024)) \
    $(($(stat -c %s "$out") / 1048576)) "$(cut -d' ' -f1 /proc/loadavg)"
}
for n in "$@"; do
  data="$WORK/synth-$n"
  if [ ! -f "$data.done" ]; then
    rm -rf "$data"
    "$VPCFLOW" generate --records "$n" --out "$data/logs" --vpc-config "$data/vpc"
    touch "$data.done"
  fi
  measure "conversations $n" "$WORK/conversations-$n.txt" "$VPCFLOW" conversations "$data/logs"
  measure "conversations $n -o json" "$WORK/conversations-$n.jsonl" "$VPCFLOW" conversations -o json "$data/logs"
  measure "diagnose $n (logs alone)" "$WORK/diagnose-$n.txt" "$VPCFLOW" diagnose "$data/logs"
  measure "diagnose $n --vpc-config" "$WORK/diagnose-config-$n.txt" \
    "$VPCFLOW" diagnose --vpc-config "$data/vpc" "$data/logs"
  measure "diagnose $n --vpc-config -o json" "$WORK/diagnose-config-$n.jsonl" \
    "$VPCFLOW" diagnose -o json --vpc-config "$data/vpc" "$data/logs"
done
echo "load after: $(uptime)"
