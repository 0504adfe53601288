#!/usr/bin/env python3
"""Runs the same SQL through `vpcflow query` and DuckDB over generated flow logs and requires identical answers.

usage: duckdb_check.py VPCFLOW_BIN DATA_DIR
Exit 0: every answer agreed; 1: a difference (printed); 3: duckdb is not installed.
"""
import json
import math
import subprocess
import sys

try:
    import duckdb
except ImportError:
    print("duckdb is not installed (python3 -m pip install duckdb)", file=sys.stderr)
    sys.exit(3)

# The questions of the benchmark, plus ones whose answers hinge on NULLs (NODATA/SKIPDATA rows carry '-').
QUERIES = [
    "SELECT srcaddr, dstaddr, SUM(bytes) AS total FROM flows GROUP BY srcaddr, dstaddr "
    "ORDER BY total DESC, srcaddr, dstaddr LIMIT 25",
    "SELECT dstport, COUNT(*) AS n, COUNT(DISTINCT srcaddr) AS sources FROM flows WHERE action = 'REJECT' "
    "GROUP BY dstport ORDER BY n DESC, dstport LIMIT 25",
    "SELECT action, log_status, COUNT(*) AS n, SUM(packets) AS p, SUM(bytes) AS b FROM flows "
    "GROUP BY action, log_status ORDER BY action, log_status",
    "SELECT start - start % 300 AS bin, COUNT(*) AS n, SUM(bytes) AS b FROM flows GROUP BY 1 ORDER BY 1",
    "SELECT COUNT(DISTINCT interface_id) AS interfaces FROM flows",
    "SELECT COUNT(*) AS n, COUNT(srcport) AS ports, SUM(bytes) AS b, MIN(dstaddr) AS d, MAX(\"end\") AS e "
    "FROM flows WHERE log_status <> 'OK'",
    "SELECT srcaddr IS NULL AS no_addr, action, COUNT(*) AS n FROM flows GROUP BY 1, 2 ORDER BY 1, 2",
    "SELECT dstport, protocol, SUM(packets) AS p FROM flows WHERE protocol = 6 AND action = 'REJECT' "
    "AND dstport IN (22, 3389) GROUP BY dstport, protocol ORDER BY dstport",
    "SELECT COUNT(*) AS n FROM flows WHERE bytes > 100000 OR srcport IS NULL",
    "SELECT interface_id, SUM(bytes) AS b FROM flows GROUP BY interface_id ORDER BY b DESC NULLS LAST, interface_id LIMIT 10",
]

COLUMNS = (
    "{'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR', 'srcaddr': 'VARCHAR', "
    "'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER', 'protocol': 'BIGINT', "
    "'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', "
    "'log_status': 'VARCHAR'}"
)


def norm(v):
    if isinstance(v, float):
        return round(v, 6) if not math.isnan(v) else "NaN"
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    return v


def main():
    binary, data = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW flows AS SELECT * FROM read_csv('{data}/**/*.log.gz', delim=' ', header=true, "
        f"nullstr='-', columns={COLUMNS})"
    )
    failed = 0
    for sql in QUERIES:
        expected = [[norm(v) for v in row] for row in con.execute(sql).fetchall()]
        out = subprocess.run([binary, "query", "-o", "json", sql, data], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"vpcflow failed on {sql}:\n{out.stderr}")
            failed += 1
            continue
        got = [[norm(v) for v in json.loads(line).values()] for line in out.stdout.splitlines() if line]
        if got != expected:
            failed += 1
            print(f"DIFFERENT: {sql}")
            for i, (g, e) in enumerate(zip(got, expected)):
                if g != e:
                    print(f"  row {i}: vpcflow {g} duckdb {e}")
                    break
            print(f"  rows: vpcflow {len(got)} duckdb {len(expected)}")
        else:
            print(f"same ({len(got)} rows): {sql}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
