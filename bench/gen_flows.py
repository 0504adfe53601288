#!/usr/bin/env python3
"""Writes default-format flow logs as AWS delivers them to S3 (gzip'd objects with a header line, in the
AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/ layout), for benchmarks against other tools.

Usage: gen_flows.py OUTDIR RECORDS [OBJECTS]
"""
import gzip
import os
import random
import sys

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"


def lines(rng, n, t0):
    enis = [f"eni-{rng.getrandbits(68):017x}" for _ in range(500)]
    for i in range(n):
        eni = enis[int(rng.paretovariate(1.2)) % len(enis)]
        start = t0 + (i * 300) // n * 60
        r = rng.random()
        if r < 0.005:
            yield f"2 123456789012 {eni} - - - - - - - {start} {start + 60} - NODATA\n"
            continue
        if r < 0.006:
            yield f"2 123456789012 {eni} - - - - - - - {start} {start + 60} - SKIPDATA\n"
            continue
        if rng.random() < 0.02:
            src = f"2001:db8:{rng.randrange(4096):x}::{rng.randrange(65536):x}"
            dst = "2001:db8:1::10"
        else:
            src = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
            dst = f"10.0.{rng.randrange(256)}.{rng.randrange(256)}"
        proto = rng.choice((6, 6, 6, 17, 17, 1))
        dport = rng.choice((443, 80, 22, 3389, 53, 123, 8080))
        sport = rng.randrange(1024, 65536)
        packets = rng.randrange(1, 200)
        nbytes = packets * rng.randrange(40, 1440)
        action = "REJECT" if rng.random() < 0.14 else "ACCEPT"
        yield (f"2 123456789012 {eni} {src} {dst} {sport} {dport} {proto} {packets} {nbytes} "
               f"{start} {start + rng.randrange(1, 60)} {action} OK\n")


def main():
    out, records = sys.argv[1], int(sys.argv[2])
    objects = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    rng = random.Random(42)
    folder = os.path.join(out, "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02")
    os.makedirs(folder, exist_ok=True)
    per = records // objects
    for k in range(objects):
        name = f"123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240102T{k:02d}05Z_{k:08x}.log.gz"
        with gzip.open(os.path.join(folder, name), "wt", compresslevel=6) as f:
            f.write(HEADER)
            f.writelines(lines(rng, per, 1704153600 + k * 300))


if __name__ == "__main__":
    main()
