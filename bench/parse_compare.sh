#!/usr/bin/env bash
# Reading gzip'd flow logs into columns, side by side: vpcflow, DuckDB and polars on the same files in one run.
# Every tool parses all 14 columns (vpcflow validates them too) and nothing is written out.
#
#   bench/parse_compare.sh [RECORDS] [OBJECTS]      (default 2,000,000 records in 8 objects)
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-2000000}
objects=${2:-8}
data=${BENCH_DATA:-/tmp/vpcflow-bench/parse-$records}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vpcflow/target}"

python3 -m pip install --quiet duckdb polars >/dev/null
# The reader alone, as `vpcflow validate` runs it (the CLI's release build also compiles the query engine).
cargo build --release --quiet -p vpcflow-source --example read_files
reader="$CARGO_TARGET_DIR/release/examples/read_files"
[ -d "$data" ] || python3 bench/gen_flows.py "$data" "$records" "$objects"

# best of 3, wall seconds and peak RSS (MiB)
run() {
  local best="" mem=""
  for _ in 1 2 3; do
    local out
    out=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null; } 2>&1 | tail -1 )
    local t=${out% *} m=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; mem=$((m / 1024)); fi
  done
  echo "$best $mem"
}

# The peers' programs, written to files so that no shell quoting gets in the way.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/read_duckdb.py" <<PY
import duckdb
cols = {'version':'INTEGER','account_id':'VARCHAR','interface_id':'VARCHAR','srcaddr':'VARCHAR','dstaddr':'VARCHAR',
        'srcport':'INTEGER','dstport':'INTEGER','protocol':'BIGINT','packets':'BIGINT','bytes':'BIGINT',
        'start':'BIGINT','end':'BIGINT','action':'VARCHAR','log_status':'VARCHAR'}
agg = ', '.join(f'count("{c}")' for c in cols)
print(duckdb.sql(f"SELECT {agg} FROM read_csv('$data/**/*.log.gz', delim=' ', header=true, nullstr='-', columns={cols})").fetchall())
PY
cat > "$work/read_polars.py" <<PY
import glob, polars as pl
schema = {'version':pl.Int32,'account_id':pl.Utf8,'interface_id':pl.Utf8,'srcaddr':pl.Utf8,'dstaddr':pl.Utf8,
          'srcport':pl.Int32,'dstport':pl.Int32,'protocol':pl.Int64,'packets':pl.Int64,'bytes':pl.Int64,
          'start':pl.Int64,'end':pl.Int64,'action':pl.Utf8,'log_status':pl.Utf8}
files = sorted(glob.glob('$data/**/*.log.gz', recursive=True))
df = pl.concat([pl.read_csv(f, separator=' ', has_header=False, skip_rows=1, null_values='-', schema=schema) for f in files])
print(df.select(pl.all().count()).row(0))
PY

echo "records=$records objects=$objects cores=$(nproc) data=$(du -sh "$data" | cut -f1)"
printf "%-34s %8s %8s %10s\n" tool seconds MiB "records/s"
line() { printf "%-34s %8s %8s %10.2fM\n" "$1" "$2" "$3" "$(awk "BEGIN{print $records/$2/1e6}")"; }
read -r t m < <(run "$reader" "$data");               line "vpcflow reader (2 threads)" "$t" "$m"; v2=$t
read -r t m < <(run "$reader" --threads 1 "$data");   line "vpcflow reader (1 thread)" "$t" "$m"
read -r t m < <(run python3 "$work/read_duckdb.py");           line "duckdb read_csv (2 threads)" "$t" "$m"; d=$t
read -r t m < <(run python3 "$work/read_polars.py");         line "polars read_csv (2 threads)" "$t" "$m"; p=$t
awk "BEGIN{printf \"vpcflow is %.1fx DuckDB and %.1fx polars (2 threads each)\n\", $d/$v2, $p/$v2}"
