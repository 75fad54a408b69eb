#!/usr/bin/env bash
# Runs the whole test suite and prints one closing line: "N passed, N failed, N skipped".
# Installs what the tests need when it can (none of today's tests needs an outside server: the
# sandbox runs in-process). Exit code: 0 only when every test project ran and nothing failed.
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "dotnet (the .NET 10 SDK) is not on PATH; install it first." >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet build Snapconv.slnx -c Release -nologo -v q 2>&1 | tee "$log" | grep -E "error|Warn|Build succeeded" | sort -u | tail -20
if ! grep -q "Build succeeded" "$log"; then
  echo "build failed" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

projects=(tests/*/*.Tests.csproj)
dotnet test Snapconv.slnx -c Release --no-build -nologo 2>&1 | tee "$log" | grep -vE "^\s*$" | grep -E "Passed!|Failed!|\[FAIL\]|Failed [A-Za-z]|Skipped [A-Za-z]|error" | head -200
status=${PIPESTATUS[0]}

read -r passed failed skipped runs < <(grep -E "(Passed|Failed)! +- +Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+" "$log" \
  | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3; n++} END {printf "%d %d %d %d\n", p, f, s, n}')

if [ "${runs:-0}" -lt "${#projects[@]}" ]; then
  echo "only ${runs:-0} of ${#projects[@]} test projects reported results" >&2
  failed=$((failed + ${#projects[@]} - ${runs:-0}))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
