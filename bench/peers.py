#!/usr/bin/env python3
"""The query benchmark: the same five questions in vpcflow, DuckDB and polars, side by side in one run.

usage: peers.py --vpcflow BIN --text DIR [--parquet DIR] [--repeat N]

Every engine runs in a process of its own so that peak memory (max RSS, from wait4) is its own. vpcflow's time
is the whole command (start, probing, query, printing); DuckDB's and polars' is the query alone (their imports
and connection setup are not counted), which favours them. Each cell is the best of --repeat runs.
"""
import argparse
import glob
import os
import subprocess
import sys
import time

QUERIES = {
    "top talkers by bytes": "SELECT srcaddr, dstaddr, SUM(bytes) AS total FROM flows "
    "GROUP BY srcaddr, dstaddr ORDER BY total DESC LIMIT 10",
    "rejected sources by port": "SELECT dstport, COUNT(*) AS flows, COUNT(DISTINCT srcaddr) AS sources "
    "FROM flows WHERE action = 'REJECT' GROUP BY dstport ORDER BY flows DESC LIMIT 10",
    "totals by action and status": "SELECT action, log_status, COUNT(*) AS n, SUM(packets) AS p, SUM(bytes) AS b "
    "FROM flows GROUP BY action, log_status",
    "bytes per 5 minutes": "SELECT start - start % 300 AS bin, SUM(bytes) AS b FROM flows GROUP BY 1 ORDER BY 1",
    "distinct interfaces": "SELECT COUNT(DISTINCT interface_id) AS n FROM flows",
}

COLUMNS = {
    "version": "INTEGER", "account_id": "VARCHAR", "interface_id": "VARCHAR", "srcaddr": "VARCHAR",
    "dstaddr": "VARCHAR", "srcport": "INTEGER", "dstport": "INTEGER", "protocol": "BIGINT", "packets": "BIGINT",
    "bytes": "BIGINT", "start": "BIGINT", "end": "BIGINT", "action": "VARCHAR", "log_status": "VARCHAR",
}

DUCKDB = r"""
import duckdb, sys, time
kind, src, sql = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
if kind == "text":
    cols = {COLUMNS!r}
    con.execute(f"CREATE VIEW flows AS SELECT * FROM read_csv('{{src}}/**/*.log.gz', delim=' ', header=true, nullstr='-', columns={{cols}})")
else:
    con.execute(f"CREATE VIEW flows AS SELECT * FROM read_parquet('{{src}}/**/*.parquet', hive_partitioning=true)")
t = time.perf_counter()
rows = con.execute(sql).fetchall()
print(time.perf_counter() - t, len(rows))
"""

POLARS = r"""
import polars as pl, sys, time, glob
src, name = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(src + "/**/*.log.gz", recursive=True))
schema = {{"version": pl.Int32, "account_id": pl.Utf8, "interface_id": pl.Utf8, "srcaddr": pl.Utf8,
          "dstaddr": pl.Utf8, "srcport": pl.Int32, "dstport": pl.Int32, "protocol": pl.Int64, "packets": pl.Int64,
          "bytes": pl.Int64, "start": pl.Int64, "end": pl.Int64, "action": pl.Utf8, "log_status": pl.Utf8}}
t = time.perf_counter()
# polars' lazy CSV scan does not read gzip; read_csv decompresses, so read the needed columns of each file.
need = {{
    "top talkers by bytes": ["srcaddr", "dstaddr", "bytes"],
    "rejected sources by port": ["dstport", "srcaddr", "action"],
    "totals by action and status": ["action", "log_status", "packets", "bytes"],
    "bytes per 5 minutes": ["start", "bytes"],
    "distinct interfaces": ["interface_id"],
}}[name]
frames = [pl.read_csv(f, separator=" ", has_header=True, new_columns=list(schema), schema=schema,
                      null_values="-", columns=need) for f in files]
df = pl.concat(frames).lazy()
if name == "top talkers by bytes":
    q = df.group_by("srcaddr", "dstaddr").agg(pl.col("bytes").sum().alias("total")).sort("total", descending=True, nulls_last=True).head(10)
elif name == "rejected sources by port":
    q = df.filter(pl.col("action") == "REJECT").group_by("dstport").agg(pl.len().alias("flows"), pl.col("srcaddr").n_unique().alias("sources")).sort("flows", descending=True).head(10)
elif name == "totals by action and status":
    q = df.group_by("action", "log_status").agg(pl.len(), pl.col("packets").sum(), pl.col("bytes").sum())
elif name == "bytes per 5 minutes":
    q = df.with_columns((pl.col("start") - pl.col("start") % 300).alias("bin")).group_by("bin").agg(pl.col("bytes").sum()).sort("bin")
else:
    q = df.select(pl.col("interface_id").drop_nulls().n_unique())
rows = q.collect()
print(time.perf_counter() - t, rows.height)
"""


def run(cmd):
    """(seconds, peak RSS in MiB, stdout) of one process."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024, out


def best(cmd, repeat, inner=False):
    results = []
    for _ in range(repeat):
        wall, rss, out = run(cmd)
        secs = float(out.strip().splitlines()[-1].split()[0]) if inner else wall
        results.append((secs, rss))
    return min(r[0] for r in results), max(r[1] for r in results)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vpcflow", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--parquet")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skip-polars", action="store_true")
    a = ap.parse_args()
    duck = DUCKDB.format(COLUMNS=COLUMNS)
    pol = POLARS.format()
    files = glob.glob(a.text + "/**/*.log.gz", recursive=True)
    size = sum(os.path.getsize(f) for f in files)
    print(f"{len(files)} gzip'd objects, {size / 2**20:.0f} MiB; {os.cpu_count()} cores; best of {a.repeat}\n")
    head = "| query | vpcflow text | DuckDB text | polars text | vs DuckDB | vs polars |"
    if a.parquet:
        head += " vpcflow Parquet | Parquet vs DuckDB text | DuckDB Parquet |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for name, sql in QUERIES.items():
        v, vm = best([a.vpcflow, "query", "-o", "csv", sql, a.text], a.repeat)
        d, dm = best([sys.executable, "-c", duck, "text", a.text, sql], a.repeat, inner=True)
        if a.skip_polars:
            p, pm = float("nan"), float("nan")
        else:
            p, pm = best([sys.executable, "-c", pol, a.text, name], a.repeat, inner=True)
        row = (f"| {name} | {v:.2f} s, {vm:.0f} MiB | {d:.2f} s, {dm:.0f} MiB | {p:.2f} s, {pm:.0f} MiB "
               f"| {d / v:.1f}× | {p / v:.1f}× |")
        if a.parquet:
            q, qm = best([a.vpcflow, "query", "-o", "csv", sql, a.parquet], a.repeat)
            dp, dpm = best([sys.executable, "-c", duck, "parquet", a.parquet, sql], a.repeat, inner=True)
            row += f" {q:.2f} s, {qm:.0f} MiB | {d / q:.1f}× | {dp:.2f} s, {dpm:.0f} MiB |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
