#!/usr/bin/env python3
"""How many rows of top talkers a small cache of address pairs in front of the group-by would absorb.

usage: pair_cache.py BENCH_DIR [OBJECTS]   (BENCH_DIR as made by bench/query.sh; the first OBJECTS objects, 20)

Reads srcaddr, dstaddr of the objects in key order (as a scan thread meets them, through DuckDB), then replays
them through direct-mapped caches of 1k, 4k and 16k pairs and prints each one's hit rate, and the share of rows
the most frequent pairs hold. Rows a cache hits would be summed in place; the rest would still reach the group-by.
"""
import glob
import sys
from collections import Counter

import duckdb

root = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
files = sorted(glob.glob(f"{root}/text/**/*.log.gz", recursive=True))[:count]
columns = (
    "{'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR', 'srcaddr': 'VARCHAR', "
    "'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER', 'protocol': 'BIGINT', "
    "'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', "
    "'log_status': 'VARCHAR'}"
)
rows = duckdb.connect().execute(
    f"SELECT srcaddr, dstaddr FROM read_csv({files!r}, delim=' ', header=true, nullstr='-', columns={columns})"
).fetchall()
print(f"{len(rows)} rows, {len(set(rows))} pairs, {len(files)} objects")
for slots in (1024, 4096, 16384):
    cache = [None] * slots
    hits = 0
    for pair in rows:
        slot = hash(pair) % slots
        if cache[slot] == pair:
            hits += 1
        else:
            cache[slot] = pair
    print(f"{slots:>6} slots: {hits / len(rows):.1%} of rows hit")
counts = sorted(Counter(rows).values(), reverse=True)
for top in (100, 1000, 4096):
    print(f"the {top} most frequent pairs hold {sum(counts[:top]) / len(rows):.1%} of rows")
