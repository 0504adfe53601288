#!/usr/bin/env bash
# The cluster table in docs/scale.md: the bench queries (bench/peers.py) over the same gzip'd flow logs on one
# machine (`vpcflow query`) and on a Ballista cluster on this machine (`vpcflow query --cluster`, one scheduler and
# one or two executors, each the release binary built with the `cluster` feature). Prints one Markdown row per
# query (median wall time of REPEAT runs per set-up), then the peak resident memory of each set-up (one machine:
# the largest query process; cluster: the largest executor over all queries, /proc/PID/status VmHWM).
#
#   bench/cluster.sh [RECORDS] [WORKDIR]        e.g. bench/cluster.sh 10M /tmp/vpcflow-bench
#   VPCFLOW=/path/to/vpcflow bench/cluster.sh   (a binary already built with --features cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-10M}"
WORK="${2:-/tmp/vpcflow-bench}"
REPEAT="${REPEAT:-3}"
PARTITIONS="${PARTITIONS:-8}"
if [ -z "${VPCFLOW:-}" ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vpcflow/target}"
  cargo build --release --locked -p vpcflow --features cluster
  VPCFLOW="$CARGO_TARGET_DIR/release/vpcflow"
fi
BIN="$VPCFLOW"
if [ ! -f "$WORK/text.$RECORDS.done" ]; then
  rm -rf "$WORK/text" "$WORK/parquet"
  "$BIN" generate --records "$RECORDS" --out "$WORK/text"
  touch "$WORK/text.$RECORDS.done"
fi
DATA="$(cd "$WORK/text" && pwd)"
LOGS="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

QUERIES=(
  "SELECT srcaddr, dstaddr, SUM(bytes) AS total FROM flows GROUP BY srcaddr, dstaddr ORDER BY total DESC LIMIT 10"
  "SELECT dstport, COUNT(*) AS flows, COUNT(DISTINCT srcaddr) AS sources FROM flows WHERE action = 'REJECT' GROUP BY dstport ORDER BY flows DESC LIMIT 10"
  "SELECT action, log_status, COUNT(*) AS n, SUM(packets) AS p, SUM(bytes) AS b FROM flows GROUP BY action, log_status"
  "SELECT start - start % 300 AS bin, SUM(bytes) AS b FROM flows GROUP BY 1 ORDER BY 1"
  "SELECT COUNT(DISTINCT interface_id) AS n FROM flows"
)
NAMES=("top talkers by bytes" "rejected sources by port" "totals by action and status" "bytes per 5 minutes" "distinct interfaces")

# Median of REPEAT wall times (seconds) of the command in "$@".
median() {
  local times=()
  for _ in $(seq "$REPEAT"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}

# Starts a scheduler and N executors with SLOTS task slots each; sets URL and EXECUTORS (their pids).
start_cluster() {
  local n="$1" slots="$2"
  "$BIN" cluster scheduler --bind 127.0.0.1:0 > "$LOGS/scheduler.out" 2> "$LOGS/scheduler.err" &
  PIDS+=($!)
  SCHEDULER=$!
  for _ in $(seq 100); do grep -q listening "$LOGS/scheduler.out" && break; sleep 0.1; done
  local address
  address=$(sed -n 's/^listening on //p' "$LOGS/scheduler.out")
  URL="df://$address"
  EXECUTORS=()
  for i in $(seq "$n"); do
    "$BIN" cluster executor --scheduler "$address" --bind 127.0.0.1:0 --grpc-port 0 --slots "$slots" \
      > "$LOGS/executor-$i.out" 2> "$LOGS/executor-$i.err" &
    PIDS+=($!)
    EXECUTORS+=($!)
  done
  for _ in $(seq 300); do
    [ "$(curl -s "http://$address/api/executors" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)" = "$n" ] && return
    sleep 0.2
  done
  echo "the executors did not register" >&2
  exit 1
}

stop_cluster() {
  for p in "${EXECUTORS[@]}" "$SCHEDULER"; do kill "$p" 2>/dev/null || true; done
  wait "${EXECUTORS[@]}" "$SCHEDULER" 2>/dev/null || true
}

# Peak resident memory of the largest executor so far, in MiB.
executor_peak() {
  local peak=0
  for p in "${EXECUTORS[@]}"; do
    local kib
    kib=$(awk '/VmHWM/ {print $2}' "/proc/$p/status")
    [ "$kib" -gt "$peak" ] && peak=$kib
  done
  echo $((peak / 1024))
}

echo "records: $RECORDS ($(find "$DATA" -name '*.gz' | wc -l) gzip'd objects, $(du -sh "$DATA" | cut -f1)); $(nproc) cores; load: $(uptime | sed 's/.*load average: //')"
echo "partitions per stage on the cluster: $PARTITIONS; times are medians of $REPEAT runs"
echo
echo "| query | one machine | 1 executor (2 slots) | 2 executors (1 slot each) |"
echo "|---|---|---|---|"
declare -A LOCAL ONE TWO
LOCAL_PEAK=0
for i in "${!QUERIES[@]}"; do
  q="${QUERIES[$i]}"
  LOCAL[$i]="$(median "$BIN" query "$q" "$DATA") s"
  kib=$( { /usr/bin/time -f '%M' "$BIN" query "$q" "$DATA" > /dev/null; } 2>&1 | tail -1)
  [ "$kib" -gt "$LOCAL_PEAK" ] && LOCAL_PEAK=$kib
done
start_cluster 1 2
for i in "${!QUERIES[@]}"; do
  ONE[$i]="$(median "$BIN" query --cluster "$URL" --partitions "$PARTITIONS" "${QUERIES[$i]}" "$DATA") s"
done
ONE_PEAK=$(executor_peak)
stop_cluster
start_cluster 2 1
for i in "${!QUERIES[@]}"; do
  TWO[$i]="$(median "$BIN" query --cluster "$URL" --partitions "$PARTITIONS" "${QUERIES[$i]}" "$DATA") s"
done
TWO_PEAK=$(executor_peak)
stop_cluster
for i in "${!QUERIES[@]}"; do
  echo "| ${NAMES[$i]} | ${LOCAL[$i]} | ${ONE[$i]} | ${TWO[$i]} |"
done
echo "| peak memory | $((LOCAL_PEAK / 1024)) MiB | $ONE_PEAK MiB (the executor) | $TWO_PEAK MiB (the larger executor) |"
