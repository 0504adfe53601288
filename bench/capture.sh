#!/usr/bin/env bash
# Capture benchmark: packets per second from a large pcap into flow records, and peak memory, with the flow
# table's limit set below and above the number of flows.
#   bench/capture.sh [PACKETS] [FLOWS]      (default 20,000,000 packets, 200,000 flows)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vpcflow/target}"
PACKETS="${1:-20000000}"
FLOWS="${2:-200000}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Two builds: with `--example`, cargo builds only the examples of the packages named, not vpcflow's binary.
cargo build --release --quiet -p vpcflow
cargo build --release --quiet -p vpcflow-capture --example gen_pcap
"$CARGO_TARGET_DIR/release/examples/gen_pcap" "$WORK/big.pcap" "$PACKETS" "$FLOWS"
ENIS=()
for i in $(seq 0 63); do ENIS+=(--eni "10.0.0.$((i + 10))=eni-$(printf '%017x' "$i")"); done
echo "capture: $PACKETS packets, $FLOWS flows, $(du -h "$WORK/big.pcap" | cut -f1) pcap"
cat "$WORK/big.pcap" > /dev/null   # warm the page cache so the first run is not a disk benchmark
for limit in 1000000 20000; do
  /usr/bin/time -f "%e %M" -o "$WORK/time" \
    "$CARGO_TARGET_DIR/release/vpcflow" capture --pcap "$WORK/big.pcap" "${ENIS[@]}" --account 123456789012 \
      --max-flows "$limit" > "$WORK/out.log" 2> "$WORK/err.log"
  read -r secs kib < "$WORK/time"
  python3 - "$PACKETS" "$secs" "$kib" "$limit" "$(grep -c . "$WORK/out.log")" <<'PY'
import sys
packets, secs, kib, limit, lines = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
print(f"  --max-flows {limit:>8}: {secs:6.2f} s, {packets / secs / 1e6:5.2f} M packets/s, peak RSS {kib / 1024:6.1f} MiB, {lines - 1} records")
PY
  tail -1 "$WORK/err.log" | sed 's/^/    /'
done
