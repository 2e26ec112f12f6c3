# Shared by the bench scripts that run their own standalone node (source it; bash only):
#   port=$(free_port); node_conf DIR PORT [GRPC_PORT]; node_start NODE_DLL DIR [PREFIX...]; node_wait DIR PORT [SECONDS]; node_stop
# node_start leaves the node's pid in NODE_PID.

# A TCP port free on 127.0.0.1 now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# DIR/node.conf: hocon/standalone.conf with the NameServer and broker on PORT, data in DIR/data, gRPC on GRPC_PORT (-1: none).
node_conf() {  # $1 dir, $2 port, $3 gRPC port
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  mkdir -p "$1"
  printf 'include "%s/hocon/standalone.conf"\nakkamq.broker.namesrvAddr = "127.0.0.1:%s"\nakkamq.broker.listenPort = %s\nakkamq.store.data-dir = "%s/data"\nakkamq.proxy.grpc.port = %s\n' \
    "$root" "$2" "$2" "$1" "${3:--1}" > "$1/node.conf"
}

# Starts the node on DIR/node.conf in the background, output appended to DIR/node.log; the rest is a command prefix (taskset -c 1).
node_start() {  # $1 node dll, $2 dir, $3... prefix
  local dll=$1 dir=$2
  shift 2
  DOTNET_TC_CallCountingDelayMs=0 "$@" dotnet "$dll" --config "$dir/node.conf" >> "$dir/node.log" 2>&1 &
  NODE_PID=$!
}

# Waits until the broker registered with the NameServer and PORT answers; else prints the log's tail and returns 1.
node_wait() {  # $1 dir, $2 port, $3 seconds (120)
  local deadline=$((SECONDS + ${3:-120}))
  while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$NODE_PID" 2>/dev/null; do
    if grep -q "registered with the NameServer" "$1/node.log" 2>/dev/null && (echo > "/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "node did not start:"; tail -20 "$1/node.log"; return 1
}

# SIGTERM (a clean stop) and wait for the node, if one runs.
node_stop() {
  if [ -n "${NODE_PID:-}" ]; then kill -TERM "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; fi
  NODE_PID=
}
