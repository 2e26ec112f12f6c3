#!/usr/bin/env bash
# RocketMQ 5 gRPC endpoint against the native client, in one sitting (issue 20's figures). Each round runs, each on a
# fresh node pinned to core 1 with its client pinned to core 0 (as ../shared/tools/ab-bench.sh does; on 2 shared
# cores the client's own CPU otherwise decides much of the result):
#   native-send       akkamq bench produce --mode sync --inflight 64          (AkkaMq's .NET client)
#   grpc-cs-send      akkamq bench grpc-send --inflight 64                    (C# stubs generated from AkkaMq.Proxy's protos)
#   grpc-node-send    node bench/grpc-node-send.js --inflight 64              (rocketmq-client-nodejs 1.0.8, tests/node)
#   native-consume    akkamq bench consume (pull consumer; push_* = push consumer)
#   grpc-receive-ack  akkamq bench grpc-receive --batch 32 --receivers 4      (ReceiveMessage + one AckMessage per message)
# The order alternates between rounds (forward, then reversed) so drift in the machine's load hits every side alike.
# Prints the medians and the ratios to the native figures, and the load average before and after each round.
#
# Usage (from the repository root):  bench/grpc-vs-native.sh [ROUNDS]      (default 3; needs node and `cd tests/node && npm ci`)
#   env: SEND_COUNT (native and C# sends, 100000), NODE_SECONDS (10), RECV_COUNT (50000), BODY (1024), SKIP_BUILD=1,
#        SIDES (a subset of the sides above, in order)
set -u
rounds=${1:-3}
send_count=${SEND_COUNT:-100000}; node_seconds=${NODE_SECONDS:-10}; recv_count=${RECV_COUNT:-50000}; size=${BODY:-1024}
root=$(git rev-parse --show-toplevel) || exit 2
cli="$root/src/AkkaMq.Cli/bin/Release/net10.0/akkamq.dll"
nodedll="$root/src/AkkaMq.Node/bin/Release/net10.0/akkamq-node.dll"
[ -f "$root/tests/node/node_modules/rocketmq-client-nodejs/package.json" ] || { echo "run: (cd tests/node && npm ci)"; exit 2; }
work=$(mktemp -d /tmp/grpc-vs-native.XXXXXX)
cleanup() { [ -n "${npid:-}" ] && kill -TERM "$npid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$root" && dotnet build src/AkkaMq.Node -c Release >"$work/build.log" 2>&1 && dotnet build src/AkkaMq.Cli -c Release >>"$work/build.log" 2>&1) \
    || { tail -5 "$work/build.log"; echo "build failed"; exit 2; }
fi
source "$root/bench/lib.sh"
start_node() {
  port=$(free_port); gport=$(free_port); local d="$work/node"; rm -rf "$d"
  node_conf "$d" "$port" "$gport"
  node_start "$nodedll" "$d" taskset -c 1
  npid=$NODE_PID
  node_wait "$d" "$port" || exit 2
}
stop_node() { node_stop; npid=; }
akkamq() { taskset -c 0 dotnet "$cli" "$@"; }
run_side() {  # $1 side, $2 round
  start_node
  local ns="127.0.0.1:$port" ep="127.0.0.1:$gport" common=(--size "$size" --max-seconds 40 --broker-pid "$npid")
  case $1 in
    native-send) akkamq bench produce -n "$ns" --mode sync --inflight 64 --count "$send_count" "${common[@]}" ;;
    grpc-cs-send) akkamq bench grpc-send -n "$ns" --endpoint "$ep" --inflight 64 --count "$send_count" "${common[@]}" ;;
    grpc-node-send)
      akkamq updateTopic -n "$ns" -t BenchNode -c DefaultCluster -r 4 -w 4 >/dev/null
      taskset -c 0 node "$root/bench/grpc-node-send.js" --endpoint "$ep" --topic BenchNode --inflight 64 --seconds "$node_seconds" \
        --warmup-seconds 5 --size "$size" --broker-pid "$npid" ;;
    native-consume) akkamq bench consume -n "$ns" --count "$recv_count" "${common[@]}" ;;
    grpc-receive-ack) akkamq bench grpc-receive -n "$ns" --endpoint "$ep" --count "$recv_count" --batch 32 --receivers 4 "${common[@]}" ;;
  esac 2>"$work/$1-$2.err" | grep '^RESULT' | sed "s/^RESULT/RESULT side=$1 round=$2/" | tee -a "$work/results.txt"
  grep -h 'failed\|problem\|error:' "$work/$1-$2.err" | head -3
  stop_node
}
sides=(${SIDES:-native-send grpc-cs-send grpc-node-send native-consume grpc-receive-ack})
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(dotnet --version), node $(node --version)"
echo "# git $(git -C "$root" rev-parse --short HEAD); sends: $send_count x $size B at 64 in flight (node: ${node_seconds} s); receive: $recv_count"
for r in $(seq 1 "$rounds"); do
  echo "# round $r start: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  order=("${sides[@]}"); [ $((r % 2)) -eq 0 ] && order=($(printf '%s\n' "${sides[@]}" | tac))
  for s in "${order[@]}"; do run_side "$s" "$r"; done
  echo "# round $r end: load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
python3 - "$work/results.txt" <<'PY'
import re, sys, statistics
rows = [dict(re.findall(r'(\w+)=(\S+)', l)) for l in open(sys.argv[1])]
def med(side, key):
    vs = [float(r[key]) for r in rows if r.get("side") == side and key in r]
    return (statistics.median(vs), vs) if vs else (float("nan"), [])
print("\nmedians over the rounds (each round's value in brackets):")
for side, extra in [("native-send", ""), ("grpc-cs-send", ""), ("grpc-node-send", ""), ("native-consume", "push_msgs_per_s"), ("grpc-receive-ack", "ack_p99_us")]:
    m, vs = med(side, "msgs_per_s")
    line = f"  {side:17} msgs/s {m:8.0f} [{', '.join(f'{v:.0f}' for v in vs)}]"
    for k in ("p50_us", "p99_us", "receive_p50_us", "broker_cpu_s"):
        if med(side, k)[1]: line += f"  {k} {med(side, k)[0]:.0f}" if k != "broker_cpu_s" else f"  {k} {med(side, k)[0]:.2f}"
    if extra and med(side, extra)[1]: line += f"  {extra} {med(side, extra)[0]:.0f}"
    print(line)
ns = med("native-send", "msgs_per_s")[0]
if ns != ns or med("native-consume", "msgs_per_s")[0] != med("native-consume", "msgs_per_s")[0]: sys.exit(0)  # a subset: no ratios
nc = med("native-consume", "msgs_per_s")[0]; npush = med("native-consume", "push_msgs_per_s")[0]
g = med("grpc-receive-ack", "msgs_per_s")[0]
print("ratios of the medians:")
for side in ("grpc-cs-send", "grpc-node-send"):
    print(f"  {side} / native-send: {med(side, 'msgs_per_s')[0] / ns:.3f}")
print(f"  grpc-receive-ack / native pull consume: {g / nc:.2f}")
print(f"  grpc-receive-ack / native push consume: {g / npush:.2f}")
PY
