#!/usr/bin/env bash
# Many pending delayed messages (issue 19): fill COUNT delayed sends into a standalone node, report its RSS,
# SIGKILL it, restart it on the same data directory, report RSS again, then let every message fall due and
# check that each arrived once, none early, and how late. Not part of CI.
# Usage: bench/delay-2m.sh [COUNT] [SIZE] [DELIVER_IN_SECONDS] [SPREAD_SECONDS]
# Needs Release builds: dotnet build src/AkkaMq.Node -c Release && dotnet build src/AkkaMq.Cli -c Release
set -euo pipefail
COUNT=${1:-2000000}
SIZE=${2:-100}
DELIVER_IN=${3:-1800}
SPREAD=${4:-600}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE_DLL=$ROOT/src/AkkaMq.Node/bin/Release/net10.0/akkamq-node.dll
CLI_DLL=$ROOT/src/AkkaMq.Cli/bin/Release/net10.0/akkamq.dll
DIR=${DELAY_BENCH_DIR:-$(mktemp -d /tmp/akkamq-delay-XXXXXX)}
source "$ROOT/bench/lib.sh"
PORT=$(free_port)
node_conf "$DIR" "$PORT" -1
NODE_PID=
start_node() { node_start "$NODE_DLL" "$DIR"; node_wait "$DIR" "$PORT" || exit 1; }
rss() { awk '/VmRSS|VmHWM/ {printf "%s %d MiB  ", $1, $2/1024}' /proc/$NODE_PID/status; echo; }
sample_rss() { while kill -0 "$NODE_PID" 2>/dev/null; do echo "$(date -u +%T) $(awk '/VmRSS/ {print int($2/1024)}' /proc/$NODE_PID/status 2>/dev/null) MiB" >> "$DIR/rss-$1.txt"; sleep 10; done; }
cli() { timeout 3600 dotnet "$CLI_DLL" bench delay --namesrv "127.0.0.1:$PORT" --topic DelayBench --queues 8 --warmup 0 --size "$SIZE" \
  --count "$COUNT" --deliver-at "$DELIVER_AT" --spread "$SPREAD" "$@"; }

echo "== $(date -u +%FT%TZ) delay bench: $COUNT delayed messages of $SIZE B, due from +${DELIVER_IN}s over ${SPREAD}s; data $DIR"
DELIVER_AT=$(( $(date +%s%3N) + DELIVER_IN * 1000 ))
start_node
sample_rss fill & SAMPLER=$!
echo "-- fill"
cli --phase fill
sleep 5
echo "-- node after the fill (pid $NODE_PID): $(rss)"
echo "-- journal: $(du -sh "$DIR/data" | cut -f1)"
echo "-- SIGKILL $NODE_PID at $(date -u +%T), $(( (DELIVER_AT - $(date +%s%3N)) / 1000 )) s before the first delivery"
kill -9 "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
T0=$(date +%s%3N)
start_node
echo "-- restarted (pid $NODE_PID) in $(( $(date +%s%3N) - T0 )) ms: $(rss)"
grep -i "timer bucket" "$DIR/node.log" | tail -2 || true
sample_rss deliver & SAMPLER=$!
echo "-- verify (waits for the last delivery)"
# A starved machine can miss the CLI's 3 s NameServer check: try again rather than lose the run.
for attempt in 1 2 3 4 5; do cli --phase verify && break; echo "verify attempt $attempt failed; retrying"; sleep 5; done
echo "-- node after delivery: $(rss)"
echo "-- RSS peak while filling: $(sort -k2 -n "$DIR/rss-fill.txt" | tail -1 | cut -d' ' -f2-)  while delivering: $(sort -k2 -n "$DIR/rss-deliver.txt" | tail -1 | cut -d' ' -f2-)"
kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
