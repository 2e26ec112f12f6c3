#!/usr/bin/env bash
# Native sends with users and ACLs on (akkamq.auth: every request signed, checked against the ACLs; the data
# channel stays closed, so sends go over Akka.Remote) against auth off, at 64 and 1024 in flight, in alternating
# rounds, a fresh node process per run (--start-node; not pinned: the node inherits the client's affinity). Not part of CI.
# Usage: bench/auth-vs-off.sh [ROUNDS] [COUNT]   after: dotnet build src/AkkaMq.Node -c Release && dotnet build src/AkkaMq.Cli -c Release
set -euo pipefail
ROUNDS=${1:-3}
COUNT=${2:-100000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI_DLL=$ROOT/src/AkkaMq.Cli/bin/Release/net10.0/akkamq.dll
export AKKAMQ_ADMIN_SECRET=bench-secret
AUTH_NODE='akkamq.auth { enabled = on, init-user { username = "admin", password-env = "AKKAMQ_ADMIN_SECRET" } }'
AUTH_CLIENT='akkamq.client { access-key = "admin", secret-key = "bench-secret" }'
run() {  # $1 auth on|off, $2 in flight, $3 round
  local node="" client=""
  if [ "$1" = on ]; then node=$AUTH_NODE; client=$AUTH_CLIENT; fi
  dotnet "$CLI_DLL" bench produce --start-node --mode sync --inflight "$2" --count "$COUNT" --warmup 2000 --warmup-seconds 3 \
    --max-seconds 120 --node-config "$node" --client-config "$client" --tag "auth=$1 round=$3" 2>/dev/null | grep '^RESULT' || echo "RESULT failed auth=$1 inflight=$2 round=$3"
}
echo "== $(date -u +%FT%TZ) auth on vs off: $ROUNDS rounds, $COUNT sync sends of 1 KiB per run; load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  for inflight in 64 1024; do
    if [ $((round % 2)) -eq 1 ]; then run off "$inflight" "$round"; run on "$inflight" "$round"; else run on "$inflight" "$round"; run off "$inflight" "$round"; fi
  done
done
echo "== $(date -u +%FT%TZ) done; load $(cut -d' ' -f1-3 /proc/loadavg)"
