#!/usr/bin/env bash
# AkkaMq against the peer brokers in one sitting: for every scenario, ROUNDS rounds, each round
# running AkkaMq (akkamq bench ... --start-node) and then each peer (../shared/tools/peerbench) back
# to back, so machine noise hits both sides alike. Raw RESULT lines go to OUT; medians to stdout.
#   bench/compare-peers.sh [OUT]        env: ROUNDS (3), PEERS ("nats redis rabbit-quorum"),
#                                            SCENARIOS ("pub1 pub64 pub1024 consume e2e")
# Needs the peers installed (sudo ../shared/tools/peerbench/install.sh) and a Release build of
# src/AkkaMq.Node and src/AkkaMq.Cli. peerbench is copied to a temp dir to build (shared/ is read-only).
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS=${ROUNDS:-3}
PEERS=${PEERS:-"nats redis rabbit-quorum"}
SCENARIOS=${SCENARIOS:-"pub1 pub64 pub1024 consume e2e"}
OUT=${1:-$ROOT/bench/results/peers-$(date -u +%Y%m%dT%H%M%SZ).txt}
mkdir -p "$(dirname "$OUT")"
AKKAMQ="dotnet $ROOT/src/AkkaMq.Cli/bin/Release/net10.0/akkamq.dll"

PB_SRC="$ROOT/../shared/tools/peerbench"
PB=$(mktemp -d /tmp/peerbench.XXXXXX)
cp -r "$PB_SRC"/. "$PB"/
(cd "$PB" && dotnet build -c Release -nologo -v q >/dev/null) || { echo "peerbench build failed" >&2; exit 1; }
PEERBENCH="dotnet $PB/bin/Release/net10.0/PeerBench.dll"
need=()
for p in $PEERS; do case $p in nats) need+=(nats);; redis) need+=(redis);; rabbit*) need+=(rabbit);; esac; done
"$PB/peers.sh" start $(printf '%s\n' "${need[@]}" | sort -u) >&2
trap '"$PB/peers.sh" stop >&2; rm -rf "$PB"' EXIT
bpid() { case $1 in nats) cat /tmp/peers/nats/nats.pid;; redis) cat /tmp/peers/redis/redis.pid;; rabbit*) cat /tmp/peers/rabbitmq/beam.pid;; esac; }

akkamq_args() { case $1 in
  pub1) echo "produce --mode sync --inflight 1 --count 10000";;
  pub64) echo "produce --mode sync --inflight 64 --count 200000";;
  pub1024) echo "produce --mode sync --inflight 1024 --count 200000";;
  consume) echo "consume --count 200000";;
  e2e) echo "e2e --rate 5000 --seconds 10";;
esac; }
peer_args() { case $1 in
  pub1) echo "publish --window 1 --count 10000";;
  pub64) echo "publish --window 64 --count 200000";;
  pub1024) echo "publish --window 1024 --count 200000";;
  consume) echo "consume --count 200000";;
  e2e) echo "e2e --rate 5000";;
esac; }

for s in $SCENARIOS; do
  for r in $(seq 1 "$ROUNDS"); do
    $AKKAMQ bench $(akkamq_args "$s") --start-node --tag "round=$r" 2>/dev/null | grep '^RESULT' | tee -a "$OUT"
    for p in $PEERS; do
      # RabbitMQ's quorum queue and Redis are compared on publish only, as in the issue.
      case $p:$s in nats:*|*:pub64|*:pub1024) ;; *) continue;; esac
      timeout 180 $PEERBENCH $p $(peer_args "$s") --broker-pid "$(bpid "$p")" --tag "round=$r" 2>/dev/null | grep '^RESULT' | tee -a "$OUT"
    done
  done
done

python3 - "$OUT" <<'EOF'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if not line.startswith('RESULT'): continue
    kv = dict(re.findall(r'(\w+)=(\S+)', line))
    key = (kv['peer'], kv['scenario'], kv.get('window', ''))
    rows.setdefault(key, []).append(kv)
for (peer, scen, win), runs in sorted(rows.items(), key=lambda x: (x[0][1], x[0][2], x[0][0])):
    out = [f"MEDIAN peer={peer} scenario={scen}" + (f" window={win}" if win else ""), f"runs={len(runs)}"]
    for f in ('msgs_per_s', 'push_msgs_per_s', 'p50_us', 'p99_us', 'ack_p50_us', 'ack_p99_us', 'broker_cpu_s', 'node_peak_rss_mb'):
        vals = [float(r[f]) for r in runs if f in r]
        if vals: out.append(f"{f}={statistics.median(vals):.0f}[{min(vals):.0f}..{max(vals):.0f}]")
    print(' '.join(out))
EOF
