#!/usr/bin/env bash
# The detection benchmark (BENCHMARKS.md, "Detections"): N records (default 10 million) of synthetic flow logs with
# every kind of attack planted in them (`vpcflow generate --attacks`), then the whole detection catalogue
# (`vpcflow detect`) and, over the same files, one of the query benchmark's queries ("top talkers by bytes"), each
# timed with its peak memory; the findings are scored against the ground truth (precision and recall per detection,
# bench/score_detect.py).
#
#   bench/detect.sh [RECORDS] [WORKDIR]     e.g. VPCFLOW=/path/to/release/vpcflow bench/detect.sh 10M /tmp/vpcflow-detect
#
# VPCFLOW names a release binary to use; without it the script builds one (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-10M}"
WORK="${2:-/tmp/vpcflow-detect}"
REPEAT="${REPEAT:-3}"
if [ -n "${VPCFLOW:-}" ]; then
  BIN="$VPCFLOW"
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vpcflow/target}"
  cargo build --release --locked -p vpcflow
  BIN="$CARGO_TARGET_DIR/release/vpcflow"
fi
mkdir -p "$WORK"
if [ ! -f "$WORK/flows.$RECORDS.done" ]; then
  rm -rf "$WORK/flows" "$WORK/flows.truth" "$WORK/data"
  "$BIN" generate --records "$RECORDS" --attacks --out "$WORK/flows"
  touch "$WORK/flows.$RECORDS.done"
fi
export VPCFLOW_DATA_DIR="$WORK/data"
"$BIN" intel add botnet "$WORK/flows.truth/botnet.txt" --category c2 >/dev/null
echo "load: $(uptime)"
echo "binary: $BIN"
# Best of $REPEAT, each run with its peak memory (GNU time).
best() {
  local name="$1"; shift
  local best_s="" best_kb=""
  for _ in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > "$WORK/$name.out"
    read -r s kb < "$WORK/time"
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s="$s"; best_kb="$kb"; fi
  done
  echo "$name: ${best_s} s, peak ${best_kb} KiB"
  eval "${name}_s=$best_s"
}
best detect "$BIN" detect -o json "$WORK/flows"
best query "$BIN" query -o csv \
  "SELECT srcaddr, dstaddr, SUM(bytes) AS total FROM flows GROUP BY srcaddr, dstaddr ORDER BY total DESC LIMIT 10" \
  "$WORK/flows"
awk "BEGIN{printf \"detect / query: %.2f\n\", $detect_s / $query_s}"
python3 bench/score_detect.py "$WORK/flows.truth/attacks.jsonl" "$WORK/detect.out"
