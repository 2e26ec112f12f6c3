#!/usr/bin/env bash
# Memory budget measurement (issue 19): 500 topics x 4 queues = 2,000 active queues under sync load,
# for each max-cache-bytes given. Every 5 s: node RSS, the budget's bytes and the GC's view (heap after the
# last collection, committed, fragmentation, gen2 count) from the node's /metrics. Not run in CI.
# Usage: SECONDS_TIMED=300 bench/memory-budget.sh "64 MiB" "512 MiB"
#   (after dotnet build -c Release src/AkkaMq.Node && dotnet build -c Release src/AkkaMq.Cli)
# NODE_ENV="DOTNET_GCRetainVM=0" adds environment variables to the node (to try GC knobs without a rebuild);
# NODE_CONFIG="akkamq.broker.memory.collect-after-given-back = 0" adds HOCON to the node's config.
set -u
cd "$(dirname "$0")/.."
CLI=src/AkkaMq.Cli/bin/Release/net10.0/akkamq.dll
SECONDS_TIMED=${SECONDS_TIMED:-60}
metric() { # metric NAME [LABEL-FILTER] -> sum of matching samples in MiB
  awk -v n="$1" -v f="${2:-}" '$1 ~ "^"n"({|$)" && index($1, f) { s += $2 } END { printf "%.0f", s/1048576 }' "$3"
}
for budget in "$@"; do
  out=$(mktemp); port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  env ${NODE_ENV:-} dotnet "$CLI" bench produce --start-node --topics 500 --queues 4 --size 1024 --inflight 512 --count 100000000 \
    --max-seconds "$SECONDS_TIMED" --warmup 2000 --warmup-seconds 3 --tag "budget=${budget// /}" \
    --node-config "akkamq.broker.memory.max-cache-bytes = $budget
 akkamq.node.http { enabled = on, port = $port }
${NODE_CONFIG:-}" --client-config "akkamq.client.request-timeout = 30s" >"$out" 2>"$out.err" &
  bench=$!
  node=""
  while [ -z "$node" ] && kill -0 "$bench" 2>/dev/null; do sleep 1; node=$(pgrep -P "$bench" -f akkamq-node | head -1); done
  echo "# max-cache-bytes = $budget: node pid $node ${NODE_ENV:-} ${NODE_CONFIG:-}; MiB every 5 s: rss, budget used (cache+pending),"
  echo "# GC heap after the last collection, GC committed, fragmentation; gen2 = gen2 collections so far"
  start=$(date +%s); m=$(mktemp)
  while kill -0 "$bench" 2>/dev/null; do
    t=$(( $(date +%s) - start ))
    rss=$(awk '/^VmRSS:/ {printf "%.0f", $2/1024}' "/proc/$node/status" 2>/dev/null)
    if [ -n "$rss" ]; then
      curl -s -m 3 "http://127.0.0.1:$port/metrics" >"$m" 2>/dev/null
      used=$(metric akkamq_memory_budget_used_bytes "" "$m")
      heap=$(metric dotnet_gc_last_collection_heap_size_bytes "" "$m")
      comm=$(metric dotnet_gc_last_collection_memory_committed_size_bytes "" "$m")
      frag=$(metric dotnet_gc_last_collection_heap_fragmentation_size_bytes "" "$m")
      gen2=$(awk '$1 ~ /^dotnet_gc_collections(_total)?\{.*gen2/ { print $2 }' "$m")
      echo "SAMPLE budget=${budget// /} t=${t}s rss_mib=$rss budget_used_mib=$used gc_heap_mib=$heap gc_committed_mib=$comm gc_frag_mib=$frag gen2=${gen2:-?}"
    fi
    sleep 5
  done
  cat "$out"; grep -E "akkamq bench: (produce|warmup|[0-9]+ send)|rror|xception" "$out.err" | grep -v "bench: topic" | head -5 | sed "s/^/# /"
  cp "$out.err" /tmp/membudget-last.err; cp "$m" /tmp/membudget-last.metrics; rm -f "$out" "$out.err" "$m"
done
