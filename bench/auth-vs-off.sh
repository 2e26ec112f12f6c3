#!/usr/bin/env bash
# Native sends with users and ACLs on (akkamq.auth: the data channel's session handshake, every request checked
# against the ACLs) against auth off, at 64 and 1024 in flight, in alternating rounds, a fresh node process per run
# (--start-node; not pinned: the node inherits the client's affinity). Not part of CI.
# MODE=auth (default) compares auth on with off; MODE=auth-tls compares auth + TLS on the data channel (akkamq.tls
# enforcing, test certificates from hocon/secure/make-test-certs.sh, client akkamq.client.tls on) with both off.
# Usage: [MODE=auth-tls] bench/auth-vs-off.sh [ROUNDS] [COUNT]
#   after: dotnet build src/AkkaMq.Node -c Release && dotnet build src/AkkaMq.Cli -c Release
set -euo pipefail
ROUNDS=${1:-3}
COUNT=${2:-100000}
MODE=${MODE:-auth}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI_DLL=$ROOT/src/AkkaMq.Cli/bin/Release/net10.0/akkamq.dll
export AKKAMQ_ADMIN_SECRET=bench-secret
AUTH_NODE='akkamq.auth { enabled = on, init-user { username = "admin", password-env = "AKKAMQ_ADMIN_SECRET" } }'
AUTH_CLIENT='akkamq.client { access-key = "admin", secret-key = "bench-secret" }'
if [ "$MODE" = auth-tls ]; then
  CERTS=$(mktemp -d /tmp/akkamq-bench-certs.XXXXXX)
  trap 'rm -rf "$CERTS"' EXIT
  sh "$ROOT/hocon/secure/make-test-certs.sh" "$CERTS" bench-pfx >/dev/null 2>&1
  export AKKAMQ_BENCH_PFX=bench-pfx
  AUTH_NODE="$AUTH_NODE
akkamq.tls { server-mode = enforcing, certificate-path = \"$CERTS/node.pfx\", password-env = AKKAMQ_BENCH_PFX }"
  AUTH_CLIENT="$AUTH_CLIENT
akkamq.client.tls { enabled = on, ca-path = \"$CERTS/ca.crt\" }"
fi
run() {  # $1 auth on|off, $2 in flight, $3 round
  local node="" client=""
  if [ "$1" = on ]; then node=$AUTH_NODE; client=$AUTH_CLIENT; fi
  dotnet "$CLI_DLL" bench produce --start-node --mode sync --inflight "$2" --count "$COUNT" --warmup 2000 --warmup-seconds 3 \
    --max-seconds 120 --node-config "$node" --client-config "$client" --tag "$MODE=$1 round=$3" 2>/dev/null | grep '^RESULT' || echo "RESULT failed $MODE=$1 inflight=$2 round=$3"
}
echo "== $(date -u +%FT%TZ) $MODE on vs off: $ROUNDS rounds, $COUNT sync sends of 1 KiB per run; load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  for inflight in 64 1024; do
    if [ $((round % 2)) -eq 1 ]; then run off "$inflight" "$round"; run on "$inflight" "$round"; else run on "$inflight" "$round"; run off "$inflight" "$round"; fi
  done
done
echo "== $(date -u +%FT%TZ) done; load $(cut -d' ' -f1-3 /proc/loadavg)"
