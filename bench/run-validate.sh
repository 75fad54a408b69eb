#!/usr/bin/env bash
# Whole-process benchmark of `snapconv validate` (read → map → normalize → hash → validate → dedup → report)
# on generated data: wall time, rows/s and peak RSS, median of RUNS runs. Loopback-free, bounded.
#   bench/run-validate.sh [ROWS...]     default: 1000000 10000000   (RUNS=3, BUILD=r2r|jit)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(1000000 10000000)
data=${BENCH_DATA:-/tmp/snapconv-bench}
mkdir -p "$data"
# The CLI as it is shipped: a ReadyToRun publish (precompiled, so a short run does not pay for JIT start-up).
# BUILD=jit times the plain `dotnet build` output instead.
dotnet build -c Release bench/Snapconv.Bench -nologo -v q >/dev/null
if [ "${BUILD:-r2r}" = jit ]; then
  dotnet build -c Release src/Snapconv.Cli -nologo -v q >/dev/null
  cli=src/Snapconv.Cli/bin/Release/net10.0/snapconv.dll
else
  case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
  dotnet publish src/Snapconv.Cli -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
    -o "$data/cli-r2r" -nologo -v q >/dev/null
  cli=$data/cli-r2r/snapconv.dll
fi
for rows in "${sizes[@]}"; do
  f="$data/lean-$rows.csv"
  [ -f "$f" ] || dotnet bench/Snapconv.Bench/bin/Release/net10.0/Snapconv.Bench.dll gen "$rows" "$f" --lean
  results=()
  for i in $(seq "$RUNS"); do
    /usr/bin/time -v -o "$data/time.txt" dotnet "$cli" validate "$f" --default-country US --report "$data/report.json" >/dev/null 2>&1
    out=$(cat "$data/time.txt")
    wall=$(echo "$out" | awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(echo "$out" | awk -F': ' '/Maximum resident set size/ {print int($2/1024)}')
    results+=("$wall $rss")
    echo "rows=$rows run=$i wall=${wall}s peak_rss=${rss}MB rows_per_s=$(awk -v r="$rows" -v w="$wall" 'BEGIN{printf "%d", r/w}')"
  done
  printf '%s\n' "${results[@]}" | sort -n | awk -v r="$rows" -v n="$RUNS" 'NR==int((n+1)/2) {printf "MEDIAN rows=%d wall=%.2fs rows_per_s=%d peak_rss=%dMB\n", r, $1, r/$1, $2}'
done
