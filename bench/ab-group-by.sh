#!/usr/bin/env bash
# What group_by costs (#15: "no more than 10 % on a file that uses it"): `snapconv validate` of one line-item file with
# a mapping that folds each order's lines into one event (group_by) and with the same mapping without group_by (every
# line its own event), alternating, in CPU-seconds (user + sys). The file is the bench's lean file made into line items:
# orders of 1, 2 and 3 consecutive lines (2 on average) sharing an order id, each line with a sku and a quantity.
# LINES=1 makes every order one line: nothing folds, so the run pays group_by's checks and saves nothing (its worst case).
#   [LINES=1] bench/ab-group-by.sh DIR [ROWS] [ROUNDS]
# DIR holds a published snapconv.dll (`dotnet publish src/Snapconv.Cli -c Release -r linux-x64 --self-contained false
# -p:PublishReadyToRun=true -o DIR`). The lean file (ROWS, default 1,000,000) is made with Snapconv.Bench gen when missing.
set -euo pipefail
dir=$(cd "$1" && pwd) rows=${2:-1000000} rounds=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
data=${BENCH_DATA:-/tmp/snapconv-bench}
lines=${LINES:-123}
lean=$data/lean-$rows.csv items=$data/items-$lines-$rows.csv
mkdir -p "$data"
[ -f "$lean" ] || dotnet "$here/Snapconv.Bench/bin/Release/net10.0/Snapconv.Bench.dll" gen "$rows" "$lean" --lean
if [ ! -f "$items" ]; then
  python3 - "$lean" "$items" "$lines" <<'PY'
import csv, sys
src, dst, one = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with open(src, newline="", encoding="utf-8") as f, open(dst + ".tmp", "w", newline="", encoding="utf-8") as g:
    r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
    header = next(r)
    w.writerow(header + ["sku", "quantity"])
    order, left, size = None, 0, 0
    for i, row in enumerate(r):
        if left == 0:
            size = 1 if one else size % 3 + 1   # orders of 1, 2, 3 lines in turn
            left, order = size, row[0]   # the order's first line names it
        row[0] = order
        left -= 1
        w.writerow(row + [f"SKU-{i % 997}", str(1 + i % 3)])
import os; os.replace(dst + ".tmp", dst)
PY
fi
tmp=$(mktemp -d /tmp/ab-group-by.XXXXXX); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/lines.yaml" <<'YAML'
columns:
  order_id: order_id
  transaction_date: event_time
  email: em
  phone: ph
  amount: value
  currency: currency
  event_type: event_name
  sku: content_ids
  quantity: num_items
YAML
{ cat "$tmp/lines.yaml"; echo "group_by: order_id"; } > "$tmp/grouped.yaml"
cpu() { /usr/bin/time -f "%U %S" -o "$tmp/time.txt" "$@" >/dev/null 2>&1; awk '{printf "%.2f", $1+$2}' "$tmp/time.txt"; }
declare -a L G
for i in $(seq "$rounds"); do
  l=$(cpu dotnet "$dir/snapconv.dll" validate "$items" --mapping "$tmp/lines.yaml" --default-country US --report "$tmp/r.json")
  g=$(cpu dotnet "$dir/snapconv.dll" validate "$items" --mapping "$tmp/grouped.yaml" --default-country US --report "$tmp/g.json")
  L+=("$l"); G+=("$g")
  echo "round $i: lines $l  grouped $g CPU-s  (load $(cut -d' ' -f1 /proc/loadavg))"
done
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('grouped run: rows', r['rows'], 'accepted', r['accepted'], 'folded', r.get('folded'))" "$tmp/g.json"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ml=$(median "${L[@]}") mg=$(median "${G[@]}")
awk -v l="$ml" -v g="$mg" 'BEGIN { printf "MEDIAN CPU-s: lines %.2f  grouped %.2f | grouped/lines %.3f\n", l, g, g/l }'
