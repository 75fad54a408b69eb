#!/usr/bin/env python3
"""Plain baseline for `snapconv validate` on the bench's lean file: the csv module and hashlib, one thread.

Reads every row, trims and lower-cases the e-mail, keeps the phone's digits (with a leading + when there is none,
country 1 for 10 digits), hashes both with SHA-256 and counts rows with an identifier. No validation, no dedup, no
report: what a short hand-written script does. Its CPU time on the same file in the same run is the yardstick the
performance table states snapconv's against (docs/performance.md).
  bench/baseline.py FILE.csv
"""
import csv, hashlib, sys

def main(path):
    rows = with_id = 0
    sha = hashlib.sha256
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        em, ph = header.index("email"), header.index("phone")
        for row in r:
            rows += 1
            ok = False
            e = row[em].strip().lower()
            if "@" in e:
                sha(e.encode()).hexdigest(); ok = True
            d = "".join(c for c in row[ph] if c.isdigit())
            if len(d) >= 7:
                if len(d) == 10: d = "1" + d
                sha(d.encode()).hexdigest(); ok = True
            with_id += ok
    print(f"rows {rows} with identifier {with_id}")

if __name__ == "__main__":
    main(sys.argv[1])
