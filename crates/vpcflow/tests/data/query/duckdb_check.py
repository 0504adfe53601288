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
    # Athena's (Trino's) date functions against DuckDB's, over times spread across two centuries by the ports.
    (
        "SELECT day_of_week(t) AS dow, year(t) AS y, quarter(t) AS q, week(t) AS w, year_of_week(t) AS yow, "
        "day_of_year(t) AS doy, COUNT(*) AS n FROM (SELECT from_unixtime(start + CAST(dstport AS BIGINT) * 86400) AS t FROM flows "
        "WHERE start IS NOT NULL) GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6",
        "SELECT isodow(t), year(t), quarter(t), week(t), isoyear(t), dayofyear(t), COUNT(*) FROM "
        "(SELECT make_timestamp((start + CAST(dstport AS BIGINT) * 86400) * 1000000) AS t FROM flows WHERE start IS NOT NULL) "
        "GROUP BY ALL ORDER BY ALL",
    ),
    (
        "SELECT month(t) AS m, day(t) AS d, hour(t) AS h, minute(t) AS mi, second(t) AS s, COUNT(*) AS n FROM "
        "(SELECT from_unixtime(start + CAST(srcport AS BIGINT) * 3607) AS t FROM flows WHERE start IS NOT NULL) "
        "GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5",
        "SELECT month(t), day(t), hour(t), minute(t), second(t), COUNT(*) FROM "
        "(SELECT make_timestamp((start + CAST(srcport AS BIGINT) * 3607) * 1000000) AS t FROM flows WHERE start IS NOT NULL) "
        "GROUP BY ALL ORDER BY ALL",
    ),
    (
        "SELECT date_format(t, '%Y-%m-%d %H:%i:%s %j %W %M %p') AS f, COUNT(*) AS n FROM "
        "(SELECT from_unixtime(start + CAST(dstport AS BIGINT) * 86400 + CAST(srcport AS BIGINT)) AS t FROM flows "
        "WHERE start IS NOT NULL) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200",
        "SELECT strftime(t, '%Y-%m-%d %H:%M:%S %j %A %B %p'), COUNT(*) FROM "
        "(SELECT make_timestamp((start + CAST(dstport AS BIGINT) * 86400 + CAST(srcport AS BIGINT)) * 1000000) AS t "
        "FROM flows WHERE start IS NOT NULL) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200",
    ),
    # to_iso8601 of from_unixtime, Athena's `2014-12-14T20:46:50.000Z`, against DuckDB's strftime (%g: milliseconds).
    (
        "SELECT to_iso8601(from_unixtime(start + CAST(srcport AS BIGINT) * 3607)) AS s, COUNT(*) AS n FROM flows "
        "WHERE start IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200",
        "SELECT strftime(make_timestamp((start + CAST(srcport AS BIGINT) * 3607) * 1000000), '%Y-%m-%dT%H:%M:%S.%gZ'), "
        "COUNT(*) FROM flows WHERE start IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 200",
    ),
    # Trino's split, element_at (negative: from the end) and cardinality against DuckDB's lists (IPv6 addresses
    # have no dots and eight or fewer colon-separated parts).
    (
        "SELECT element_at(split(srcaddr, '.'), 1) AS a, element_at(split(dstaddr, '.'), -1) AS b, "
        "cardinality(split(srcaddr, ':')) AS c, COUNT(*) AS n FROM flows WHERE srcaddr IS NOT NULL "
        "GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3 LIMIT 100",
        "SELECT string_split(srcaddr, '.')[1], string_split(dstaddr, '.')[-1], len(string_split(srcaddr, ':')), "
        "COUNT(*) FROM flows WHERE srcaddr IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3 LIMIT 100",
    ),
    # bitwise_and/bitwise_xor, mod (the dividend's sign), if and regexp_extract against DuckDB's operators.
    (
        "SELECT bitwise_and(srcport, 255) AS a, bitwise_xor(dstport, 7) AS x, mod(srcport - 30000, 7) AS m, "
        "if(dstport < 1024, 'well-known', 'other') AS kind, regexp_extract(interface_id, 'eni-([0-9a-f]{2})', 1) AS e, "
        "COUNT(*) AS n FROM flows WHERE srcport IS NOT NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 6 DESC, 1, 2, 3, 4, 5 LIMIT 200",
        "SELECT srcport & 255, xor(dstport, 7), (srcport - 30000) % 7, "
        "CASE WHEN dstport < 1024 THEN 'well-known' ELSE 'other' END, "
        "NULLIF(regexp_extract(interface_id, 'eni-([0-9a-f]{2})', 1), ''), COUNT(*) FROM flows WHERE srcport IS NOT NULL "
        "GROUP BY ALL ORDER BY 6 DESC, 1, 2, 3, 4, 5 LIMIT 200",
    ),
    # Trino defines count_if(x) as count(CASE WHEN x THEN 1 END): 0, not NULL, where x is never true (DuckDB's
    # own count_if gives NULL over NODATA rows, so it is compared with Trino's definition).
    (
        "SELECT dstport, count_if(action = 'REJECT') AS r, count_if(srcport > 1024) AS high, COUNT(*) AS n "
        "FROM flows GROUP BY dstport ORDER BY n DESC, dstport LIMIT 50",
        "SELECT dstport, count(CASE WHEN action = 'REJECT' THEN 1 END), count(CASE WHEN srcport > 1024 THEN 1 END), "
        "COUNT(*) FROM flows GROUP BY dstport ORDER BY 4 DESC, dstport LIMIT 50",
    ),
    # x a function of y, so that ties in y cannot make two right answers differ.
    "SELECT dstport, max_by(bytes * 2 + 1, bytes) AS mx, min_by(CAST(start AS VARCHAR) || 's', start) AS mn, "
    "max_by(srcport, srcport) AS p FROM flows GROUP BY dstport ORDER BY dstport LIMIT 60",
    (
        "SELECT date_diff('month', a, b) AS m, date_diff('quarter', a, b) AS q, date_diff('year', a, b) AS y, "
        "date_diff('week', a, b) AS w, date_diff('hour', a, b) AS h, COUNT(*) AS n FROM "
        "(SELECT from_unixtime(start + CAST(srcport AS BIGINT) * 1800) AS a, "
        "from_unixtime(start + CAST(dstport AS BIGINT) * 86400 - CAST(srcport AS BIGINT) * 60) AS b FROM flows "
        "WHERE start IS NOT NULL) GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5",
        "SELECT date_sub('month', a, b), date_sub('quarter', a, b), date_sub('year', a, b), date_sub('week', a, b), "
        "date_sub('hour', a, b), COUNT(*) FROM "
        "(SELECT make_timestamp((start + CAST(srcport AS BIGINT) * 1800) * 1000000) AS a, "
        "make_timestamp((start + CAST(dstport AS BIGINT) * 86400 - CAST(srcport AS BIGINT) * 60) * 1000000) AS b "
        "FROM flows WHERE start IS NOT NULL) GROUP BY ALL ORDER BY ALL",
    ),
    (
        "SELECT to_unixtime(date_add('month', dstport % 40 - 20, t)) AS m, "
        "to_unixtime(date_add('day', srcport % 400 - 200, t)) AS d, "
        "COUNT(*) AS n FROM (SELECT from_unixtime(start + CAST(dstport AS BIGINT) * 86400) AS t, dstport, srcport "
        "FROM flows "
        "WHERE start IS NOT NULL) GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 300",
        "SELECT CAST(epoch(t + to_months(dstport % 40 - 20)) AS BIGINT), "
        "CAST(epoch(t + to_days(srcport % 400 - 200)) AS BIGINT), COUNT(*) FROM "
        "(SELECT make_timestamp((start + CAST(dstport AS BIGINT) * 86400) * 1000000) AS t, dstport, srcport "
        "FROM flows WHERE start IS NOT NULL) GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 300",
    ),
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
    for query in QUERIES:
        # A pair when the two engines spell the question differently: (vpcflow's SQL, DuckDB's SQL).
        sql, duck_sql = query if isinstance(query, tuple) else (query, query)
        expected = [[norm(v) for v in row] for row in con.execute(duck_sql).fetchall()]
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
