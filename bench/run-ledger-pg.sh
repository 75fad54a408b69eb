#!/usr/bin/env bash
# The PostgreSQL delivery ledger's event keys per second (and the SQLite ledger's in the same run, as a ratio):
# starts a private PostgreSQL 15 on a loopback port (as the tests do), runs `Snapconv.Bench ledger-pg`, stops it.
#   bench/run-ledger-pg.sh [EVENTS]     default 1000000 (bounded: at most 5,000,000; each phase at most 60 s)
#   FSYNC=off                           as the test servers run (default on: a durable server)
# Needs root (PostgreSQL runs as the postgres user) and initdb/postgres in /usr/local/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
dotnet build -c Release bench/Snapconv.Bench -nologo -v q >/dev/null
dir=$(mktemp -d /tmp/snapconv-pgbench-XXXXXX)
chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
runuser -u postgres -- /usr/local/bin/initdb -D "$dir/data" -A trust -U snap -E UTF8 --no-sync >/dev/null
runuser -u postgres -- /usr/local/bin/postgres -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 \
  -c fsync="${FSYNC:-on}" >"$dir/log" 2>&1 &
stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then kill -INT "$(head -1 "$dir/data/postmaster.pid")" 2>/dev/null || true; fi
  for _ in $(seq 100); do [ -f "$dir/data/postmaster.pid" ] || break; sleep 0.1; done
  rm -rf "$dir"
}
trap stop EXIT
for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.1; done
echo "PostgreSQL $(postgres --version | awk '{print $3}') on 127.0.0.1:$port, fsync=${FSYNC:-on}; $(nproc) cores"
dotnet bench/Snapconv.Bench/bin/Release/net10.0/Snapconv.Bench.dll ledger-pg --store "postgresql://snap@127.0.0.1:$port/postgres" --events "$events"
