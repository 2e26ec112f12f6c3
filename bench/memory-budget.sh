#!/usr/bin/env bash
# Memory budget measurement (issue 19): 500 topics x 4 queues = 2,000 active queues under sync load,
# node RSS sampled every 5 s, for each max-cache-bytes given. Not run in CI.
# Usage: bench/memory-budget.sh "1 MiB" "256 MiB"   (after dotnet build -c Release src/AkkaMq.Node src/AkkaMq.Cli)
set -u
cd "$(dirname "$0")/.."
CLI=src/AkkaMq.Cli/bin/Release/net10.0/akkamq.dll
SECONDS_TIMED=${SECONDS_TIMED:-60}
for budget in "$@"; do
  out=$(mktemp)
  dotnet "$CLI" bench produce --start-node --topics 500 --queues 4 --size 1024 --inflight 512 --count 100000000 \
    --max-seconds "$SECONDS_TIMED" --warmup 2000 --warmup-seconds 3 --tag "budget=${budget// /}" \
    --node-config "akkamq.broker.memory.max-cache-bytes = $budget" --client-config "akkamq.client.request-timeout = 30s" >"$out" 2>"$out.err" &
  bench=$!
  node=""
  while [ -z "$node" ] && kill -0 "$bench" 2>/dev/null; do sleep 1; node=$(pgrep -P "$bench" -f akkamq-node | head -1); done
  echo "# max-cache-bytes = $budget: node pid $node, VmRSS every 5 s (MiB)"
  t=0
  while kill -0 "$bench" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {printf "%.0f", $2/1024}' "/proc/$node/status" 2>/dev/null)
    [ -n "$rss" ] && echo "SAMPLE budget=${budget// /} t=${t}s rss_mib=$rss"
    sleep 5; t=$((t + 5))
  done
  cat "$out"; grep -E "akkamq bench: (produce|warmup|[0-9]+ send)|rror|xception" "$out.err" | grep -v "bench: topic" | head -5 | sed "s/^/# /"; cp "$out.err" /tmp/membudget-last.err; rm -f "$out" "$out.err"
done
