#!/usr/bin/env bash
# A/B of `snapconv validate` in CPU-seconds (user + sys), alternating runs in the same minutes, with the plain python
# baseline (bench/baseline.py) on the same file in the same rounds, so each figure is a ratio measured together.
#   bench/ab-validate.sh OLD_DIR NEW_DIR [FILE] [ROUNDS]
# OLD_DIR/NEW_DIR hold a published snapconv.dll (e.g. `dotnet publish src/Snapconv.Cli -c Release -r linux-x64
# --self-contained false -p:PublishReadyToRun=true -o DIR`, once per build). FILE defaults to the bench's 1M lean file.
set -euo pipefail
old=$1 new=$2 file=${3:-/tmp/snapconv-bench/lean-1000000.csv} rounds=${4:-5}
[ -f "$file" ] || { echo "no $file: make it with bench/run-validate.sh 1000000 or Snapconv.Bench gen" >&2; exit 2; }
# Own temp files: several A/Bs may run on one machine at once.
tmp=$(mktemp -d /tmp/ab-validate.XXXXXX); trap 'rm -rf "$tmp"' EXIT
cpu() { /usr/bin/time -f "%U %S" -o "$tmp/time.txt" "$@" >/dev/null 2>&1; awk '{printf "%.2f", $1+$2}' "$tmp/time.txt"; }
rows=$(($(wc -l < "$file") - 1))
declare -a O N P
for i in $(seq "$rounds"); do
  o=$(cpu dotnet "$old/snapconv.dll" validate "$file" --default-country US --report "$tmp/r.json")
  n=$(cpu dotnet "$new/snapconv.dll" validate "$file" --default-country US --report "$tmp/r.json")
  p=$(cpu python3 "$(dirname "$0")/baseline.py" "$file")
  O+=("$o"); N+=("$n"); P+=("$p")
  echo "round $i: old $o  new $n  python $p CPU-s  (load $(cut -d' ' -f1 /proc/loadavg))"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mo=$(median "${O[@]}") mn=$(median "${N[@]}") mp=$(median "${P[@]}")
awk -v o="$mo" -v n="$mn" -v p="$mp" -v r="$rows" 'BEGIN {
  printf "MEDIAN CPU-s: old %.2f  new %.2f  python %.2f | new/old %.3f | python/new %.2fx (old %.2fx) | new %.2f CPU-us a row\n",
    o, n, p, n/o, p/n, p/o, n*1e6/r }'
