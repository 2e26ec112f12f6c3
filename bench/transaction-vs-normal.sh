#!/usr/bin/env bash
# Transactional sends (half message + local transaction that commits + EndTransaction) against normal sync sends,
# both at the same number in flight, in alternating rounds against one standalone node. Not part of CI.
# Usage: [BENCH_LOG=file] bench/transaction-vs-normal.sh [ROUNDS] [INFLIGHT] [COUNT] [CONFIG]   (BENCH_LOG keeps the progress lines)
# CONFIG is Release (default) or Debug: dotnet build src/AkkaMq.Node -c Release && dotnet build src/AkkaMq.Cli -c Release
set -euo pipefail
ROUNDS=${1:-3}
INFLIGHT=${2:-64}
COUNT=${3:-30000}
CONFIG=${4:-Release}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE_DLL=$ROOT/src/AkkaMq.Node/bin/$CONFIG/net10.0/akkamq-node.dll
CLI_DLL=$ROOT/src/AkkaMq.Cli/bin/$CONFIG/net10.0/akkamq.dll
DIR=$(mktemp -d /tmp/akkamq-txbench-XXXXXX)
source "$ROOT/bench/lib.sh"
PORT=$(free_port)
node_conf "$DIR" "$PORT" -1
node_start "$NODE_DLL" "$DIR"
trap 'node_stop; rm -rf "$DIR"' EXIT
node_wait "$DIR" "$PORT"
echo "== $(date -u +%FT%TZ) transaction vs normal: $ROUNDS rounds, $INFLIGHT in flight, $COUNT sends per run, 1 KiB, node pid $NODE_PID ($CONFIG)"
for round in $(seq 1 "$ROUNDS"); do
  for kind in normal transaction; do
    extra=""
    if [ "$kind" = transaction ]; then extra="--transaction"; fi
    dotnet "$CLI_DLL" bench produce -n "127.0.0.1:$PORT" --broker-pid "$NODE_PID" --mode sync --inflight "$INFLIGHT" --count "$COUNT" \
      --warmup 2000 --warmup-seconds 3 --max-seconds 120 $extra --tag "round=$round kind=$kind" 2>>"${BENCH_LOG:-/dev/null}"
  done
done
