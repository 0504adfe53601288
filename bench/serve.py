#!/usr/bin/env python3
"""The dashboard benchmark (BENCHMARKS.md, "Dashboard"): `vpcflow serve` over N records.

usage: serve.py --vpcflow BIN --text DIR --parquet DIR [--repeat N]

1. Starts `vpcflow serve DIR` and times how long until it prints the URL (loading the columnar cache included);
   peak memory is the server's VmHWM at the end.
2. Plays the interactions a person makes (the whole range, a brushed range, a clicked value, a --where filter,
   rejects, pages of flows, the Sankey, coverage, one rejected row's "why") and records the server time of each
   (`ms` in the answer: the handler's wall time, not the network).
3. Runs the query benchmark's five questions through the page's SQL view (DataFusion over the same cache) and
   DuckDB over the Parquet copy, side by side; and the overview's panels (one pass) against DuckDB answering the
   same panels' SQL one query at a time.
Each cell is the best of --repeat runs.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from peers import QUERIES  # noqa: E402

DUCKDB = r"""
import duckdb, sys, time, json
src, queries, repeat = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute(f"CREATE VIEW flows AS SELECT * FROM read_parquet('{src}/**/*.parquet', hive_partitioning=true)")
out = {}
for name, sql in queries.items():
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        con.execute(sql).fetchall()
        d = time.perf_counter() - t
        best = d if best is None else min(best, d)
    out[name] = best
print(json.dumps(out))
"""


def get(base, path, params):
    url = base + path + "?" + urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(url, timeout=600) as r:
        return json.loads(r.read())


def post(base, path, body):
    req = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", "Origin": base}
    )
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def best_ms(repeat, fn):
    best, last = None, None
    for _ in range(repeat):
        last = fn()
        best = last["ms"] if best is None else min(best, last["ms"])
    return best, last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vpcflow", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--parquet", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    port = 18765
    t0 = time.perf_counter()
    server = subprocess.Popen(
        [a.vpcflow, "serve", "--listen", f"127.0.0.1:{port}", a.text], stdout=subprocess.PIPE, text=True
    )
    url = server.stdout.readline().strip()
    startup = time.perf_counter() - t0
    base = url.rstrip("/")
    try:
        meta = get(base, "/api/meta", {})
        print(f"URL printed after {startup:.2f} s ({meta['rows']:,} records, {meta['files']} files; "
              f"cache loaded in {meta['load_seconds']:.2f} s)")
        lo, hi = meta["extent"]
        third = (hi - lo) // 3
        whole = get(base, "/api/overview", {})
        top_src = whole["overview"]["top"][0][1][0]["value"]
        rej = get(base, "/api/rejects", {})
        example = rej["rejects"]["rows"][0]["example"] if rej["rejects"]["rows"] else 0
        page1 = get(base, "/api/flows", {})
        interactions = [
            ("overview, whole range", "/api/overview", {}),
            ("overview, brushed to the middle third", "/api/overview", {"from": lo + third, "to": lo + 2 * third}),
            ("overview, a clicked source (include)", "/api/overview", {"f": f"in:srcaddr:{top_src}"}),
            ("overview, --where 'dst port 22 and action reject'", "/api/overview",
             {"where": "dst port 22 and action reject"}),
            ("rejects (timeline, top rejected)", "/api/rejects", {}),
            ("flows, first page (by start)", "/api/flows", {}),
            ("flows, next page (keyset)", "/api/flows", {"after": page1["page"]["next"]}),
            ("flows, sorted by bytes, brushed", "/api/flows",
             {"sort": "bytes", "from": lo + third, "to": lo + 2 * third}),
            ("flow map (Sankey, 4 dimensions)", "/api/sankey", {}),
            ("coverage (status per interface and time)", "/api/coverage", {}),
            ("a rejected row's why (explain + diagnose)", "/api/row", {"row": example}),
        ]
        print("\n| interaction | server time (best of %d) |\n|---|---|" % a.repeat)
        for name, path, params in interactions:
            ms, _ = best_ms(a.repeat, lambda: get(base, path, params))
            print(f"| {name} | {ms:.0f} ms |")

        # The five questions: the page's SQL view (DataFusion over the cache) against DuckDB over Parquet.
        duck = json.loads(subprocess.run(
            [sys.executable, "-c", DUCKDB, a.parquet, json.dumps(QUERIES), str(a.repeat)],
            check=True, capture_output=True, text=True).stdout)
        print("\n| query | serve's SQL view (cache) | DuckDB, Parquet | ratio |\n|---|---|---|---|")
        for name, sql in QUERIES.items():
            ms, _ = best_ms(a.repeat, lambda: post(base, "/api/sql", {"sql": sql, "limit": 1000}))
            d = duck[name] * 1000
            print(f"| {name} | {ms:.0f} ms | {d:.0f} ms | {d / ms:.2f}× |")

        # The overview's panels: one pass in serve against DuckDB running each panel's SQL.
        panels = {k: v for k, v in whole["sql"].items()}
        duck = json.loads(subprocess.run(
            [sys.executable, "-c", DUCKDB, a.parquet, json.dumps(panels), str(a.repeat)],
            check=True, capture_output=True, text=True).stdout)
        total = sum(duck.values()) * 1000
        ms, _ = best_ms(a.repeat, lambda: get(base, "/api/overview", {}))
        print(f"\noverview panels ({len(panels)} queries): serve {ms:.0f} ms in one pass; DuckDB {total:.0f} ms "
              f"({', '.join(f'{k} {v * 1000:.0f}' for k, v in duck.items())}); ratio {total / ms:.2f}×")
    finally:
        with open(f"/proc/{server.pid}/status") as f:
            hwm = next(line for line in f if line.startswith("VmHWM"))
        print(f"\nserver peak memory: {hwm.split(':')[1].strip()}")
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
