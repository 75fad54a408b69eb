#!/usr/bin/env bash
# Byte-for-byte comparison of what two builds of snapconv write for the bench's lean and full files (200k rows by
# default): `validate` (report, rejects, events), `preprocess` (NDJSON and CSV, with report and rejects) and `upload` to
# a fresh local sandbox each (report, rejects, the events sent). Old and new run one after the other per command. A
# report's wall-clock fields (start, durations) are blanked before the compare; its two clock-dependent warning counts
# (EVENT_TIME_NOT_ATTRIBUTABLE, EVENT_TIME_TOO_OLD: rows cross their day boundaries while the runs go on) are compared
# apart and printed, never failing the compare; everything else must be identical. Exit 0 when every file matches.
#   bench/compare-outputs.sh OLD_DIR NEW_DIR [ROWS]
# OLD_DIR/NEW_DIR hold a published snapconv.dll (`dotnet publish src/Snapconv.Cli -c Release -r linux-x64
# --self-contained false -p:PublishReadyToRun=true -o DIR`). The input files are made with Snapconv.Bench gen (built
# by `dotnet build Snapconv.slnx -c Release`) when missing. The sandbox listens on loopback only.
set -euo pipefail
old=$(cd "$1" && pwd) new=$(cd "$2" && pwd) rows=${3:-200000}
here=$(cd "$(dirname "$0")" && pwd)
data=${BENCH_DATA:-/tmp/snapconv-bench}
gen=$here/Snapconv.Bench/bin/Release/net10.0/Snapconv.Bench.dll
work=$(mktemp -d /tmp/snapconv-compare.XXXXXX)
sandbox_pid=
cleanup() { [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$data"
pixel=compare-pixel token=compare-token-0123456789

# The report without its wall-clock fields (any key naming a time, duration or rate), pretty-printed the same way.
strip_report() {
  python3 - "$1" <<'EOF'
import json, re, sys
clock = re.compile(r"(started|finished|ended|elapsed|duration|seconds|_ms$|per_s$|per_second|_at$|wall)", re.I)
def walk(x):
    if isinstance(x, dict):
        return {k: ("<clock>" if clock.search(k) and not isinstance(v, (dict, list)) else walk(v)) for k, v in x.items()}
    if isinstance(x, list):
        return [walk(v) for v in x]
    return x
p = sys.argv[1]
d = json.load(open(p, encoding="utf-8"))
moved = {}
for k in ("EVENT_TIME_NOT_ATTRIBUTABLE", "EVENT_TIME_TOO_OLD"):
    if k in d.get("warnings_by_reason", {}):
        moved[k] = d["warnings_by_reason"][k]
        d["warnings_by_reason"][k] = "<clock>"
open(p, "w", encoding="utf-8").write(json.dumps(walk(d), indent=1, ensure_ascii=False, sort_keys=False) + "\n")
open(p[:-len(".json")] + ".clock", "w").write(" ".join(f"{k}={v}" for k, v in moved.items()) + "\n")
EOF
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# run COMMAND BUILD_DIR OUT_DIR FILE: one command's outputs of one build on one file.
run() {
  local what=$1 cli=$2/snapconv.dll out=$3 f=$4
  mkdir -p "$out"
  case $what in
  validate)
    dotnet "$cli" validate "$f" --default-country US --report "$out/validate.report.json" \
      --rejects "$out/validate.rejects.csv" --events-out "$out/validate.events.ndjson" >/dev/null 2>&1 || echo "validate exit $?" >>"$out/exits" ;;
  preprocess)
    dotnet "$cli" preprocess "$f" --default-country US -o "$out/preprocess.ndjson" --report "$out/preprocess.report.json" \
      --rejects "$out/preprocess.rejects.csv" >/dev/null 2>&1 || echo "preprocess exit $?" >>"$out/exits" ;;
  preprocess-csv)
    dotnet "$cli" preprocess "$f" --default-country US -o "$out/preprocess.csv" >/dev/null 2>&1 || echo "preprocess csv exit $?" >>"$out/exits" ;;
  upload)
    # a fresh in-memory sandbox of the same build, so nothing is a duplicate of an earlier run
    local port; port=$(free_port)
    dotnet "$cli" sandbox --urls "http://127.0.0.1:$port" --pixel "$pixel=$token" >"$out/sandbox.log" 2>&1 &
    sandbox_pid=$!
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
    SNAPCONV_COMPARE_TOKEN=$token dotnet "$cli" upload "$f" --default-country US --pixel-id "$pixel" --token-env SNAPCONV_COMPARE_TOKEN \
      --endpoint "http://127.0.0.1:$port" --state-dir "$out/state" --no-sample-gate --report "$out/upload.report.json" \
      --rejects "$out/upload.rejects.csv" --events-out "$out/upload.events.ndjson" >/dev/null 2>&1 || echo "upload exit $?" >>"$out/exits"
    kill "$sandbox_pid" 2>/dev/null; wait "$sandbox_pid" 2>/dev/null || true; sandbox_pid=
    rm -rf "$out/state" "$out/sandbox.log" ;;
  esac
  for r in "$out"/$what.report.json; do [ -f "$r" ] && strip_report "$r"; done
  return 0
}

status=0
for kind in lean full; do
  f=$data/$kind-$rows.csv
  if [ ! -f "$f" ]; then
    [ -f "$gen" ] || { echo "no $gen: build the solution first (dotnet build Snapconv.slnx -c Release)" >&2; exit 2; }
    if [ $kind = lean ]; then dotnet "$gen" gen "$rows" "$f" --lean >/dev/null; else dotnet "$gen" gen "$rows" "$f" >/dev/null; fi
  fi
  for what in validate preprocess preprocess-csv upload; do
    run $what "$old" "$work/old-$kind" "$f"
    run $what "$new" "$work/new-$kind" "$f"
  done
  for c in "$work/old-$kind"/*.clock; do
    echo "clock    $kind $(basename "$c" .clock): old $(cat "$c") | new $(cat "$work/new-$kind/$(basename "$c")")"
  done
  for o in "$work/old-$kind"/*; do
    name=$(basename "$o")
    [ "${name%.clock}" = "$name" ] || continue
    if cmp -s "$o" "$work/new-$kind/$name"; then echo "same     $kind $name ($(wc -c <"$o") bytes)"
    else echo "DIFFERENT $kind $name"; status=1; fi
  done
  for n in "$work/new-$kind"/*; do
    [ -e "$work/old-$kind/$(basename "$n")" ] || { echo "DIFFERENT $kind $(basename "$n") (only in new)"; status=1; }
  done
done
[ $status = 0 ] && echo "ALL IDENTICAL" || echo "OUTPUTS DIFFER (kept nothing: rerun with the files you need)"
exit $status
