#!/usr/bin/env python3
"""Scores `vpcflow detect -o json` findings against `vpcflow generate --attacks` ground truth.

usage: score_detect.py ATTACKS.jsonl FINDINGS.jsonl

A finding reports an attack when it has the attack's detection (or one the attack is also rightly reported by,
`also`), the addresses it names are the attack's, and the times overlap: the same rule as
crates/vpcflow/tests/attacks.rs. Prints the table BENCHMARKS.md shows, then the findings that match no attack.
"""
import json
import sys


def reports(f, a, detection):
    actor = f.get("actor") is None or f["actor"] == a["actor"]
    target = f.get("target") is None or a.get("target") is None or f["target"] == a["target"]
    named = f.get("actor") is not None or f.get("target") is not None
    return (f["detection"] == detection and actor and target and named
            and f["first"] <= a["last"] and a["first"] <= f["last"])


def right(f, attacks):
    return any(reports(f, a, a["detection"]) or any(reports(f, a, d) for d in a.get("also", []))
               for a in attacks)


def main():
    attacks = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    findings = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
    table = {}
    for a in attacks:
        s = table.setdefault(a["detection"], [0, 0, 0, 0])
        s[0] += 1
        s[1] += any(reports(f, a, a["detection"]) for f in findings)
    wrong = []
    for f in findings:
        s = table.setdefault(f["detection"], [0, 0, 0, 0])
        s[2] += 1
        if right(f, attacks):
            s[3] += 1
        else:
            wrong.append(f)
    pct = lambda a, b: "—" if b == 0 else f"{100 * a / b:.0f} %"
    print("| detection | planted | found | recall | findings | right | precision |")
    print("|---|---|---|---|---|---|---|")
    total = [0, 0, 0, 0]
    for d in sorted(table):
        s = table[d]
        print(f"| `{d}` | {s[0]} | {s[1]} | {pct(s[1], s[0])} | {s[2]} | {s[3]} | {pct(s[3], s[2])} |")
        total = [x + y for x, y in zip(total, s)]
    print(f"| all | {total[0]} | {total[1]} | {pct(total[1], total[0])} | {total[2]} | {total[3]} | {pct(total[3], total[2])} |")
    for f in wrong:
        print(f"no attack: {f['detection']} {f['severity']} {f.get('actor')} -> {f.get('target')}")


if __name__ == "__main__":
    main()
