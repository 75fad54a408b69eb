#!/usr/bin/env bash
# Scheduling throughput of a serve cluster on one loopback PostgreSQL (#19): JOBS jobs firing every second, run by
# 1, 2 and 3 nodes in turn; counts the runs each node finished in WINDOW seconds after a warm-up. The runs find
# nothing new (an empty folder), so this measures Quartz's cluster (acquire, fire, complete) and a run's fixed cost,
# not delivery. Needs PostgreSQL 15 (initdb/postgres in /usr/local/bin) and a Release build:
#   dotnet build src/Snapconv.Cli -c Release && bench/run-cluster.sh [JOBS] [WINDOW]
set -euo pipefail
JOBS=${1:-60}
WINDOW=${2:-30}
WARMUP=${WARMUP:-15}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DLL="$ROOT/src/Snapconv.Cli/bin/Release/net10.0/snapconv.dll"
[ -f "$DLL" ] || { echo "build first: dotnet build src/Snapconv.Cli -c Release" >&2; exit 2; }
WORK=$(mktemp -d /tmp/snapconv-cluster-bench-XXXXXX)
chmod 755 "$WORK"
PIDS=()
PG_PID=""
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
  [ -n "$PG_PID" ] && kill -INT "$PG_PID" 2>/dev/null || true
  sleep 1
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/pg" && chown postgres "$WORK/pg"
runuser -u postgres -- /usr/local/bin/initdb -D "$WORK/pg/data" -A trust -U snap -E UTF8 --no-sync >/dev/null
runuser -u postgres -- /usr/local/bin/postgres -D "$WORK/pg/data" -p "$PORT" -k "$WORK/pg" -c listen_addresses=127.0.0.1 -c fsync=off \
  -c max_connections=300 >"$WORK/pg.log" 2>&1 &
PG_PID=$!
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done

mkdir -p "$WORK/in"
{
  echo "jobs:"
  for i in $(seq 1 "$JOBS"); do
    mkdir -p "$WORK/in/j$i"
    printf '  - {name: j%s, pixel_id: bench-pixel, token_env: BENCH_TOKEN, endpoint: "http://127.0.0.1:9", schedule: "* * * * * *", state_dir: state, source: {type: local, path: %s, pattern: "*.csv"}}\n' "$i" "$WORK/in/j$i"
  done
} >"$WORK/jobs.yaml"

echo "nodes,runs_in_${WINDOW}s,runs_per_minute,per_node_per_minute,fires_due_per_minute"
for N in 1 2 3; do
  PIDS=()
  for n in $(seq 1 "$N"); do
    mkdir -p "$WORK/run$N/node$n"
    cp "$WORK/jobs.yaml" "$WORK/run$N/node$n/jobs.yaml"
    BENCH_TOKEN=bench dotnet "$DLL" serve "$WORK/run$N/node$n/jobs.yaml" --urls http://127.0.0.1:0 --log-format json \
      --store "postgresql://snap@127.0.0.1:$PORT/postgres?schema=bench$N" --node-name "n$n" 2>"$WORK/run$N/node$n.log" &
    PIDS+=($!)
  done
  sleep "$WARMUP"
  before=$(cat "$WORK"/run$N/node*.log | grep -c '"step":"fire_end"' || true)
  sleep "$WINDOW"
  after=$(cat "$WORK"/run$N/node*.log | grep -c '"step":"fire_end"' || true)
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  runs=$((after - before))
  echo "$N,$runs,$((runs * 60 / WINDOW)),$((runs * 60 / WINDOW / N)),$((JOBS * 60))"
done
