#!/usr/bin/env bash
# Throwaway PostgreSQL server for AkkaMq's PostgreSQL journal tests ([PostgresFact]).
#
# It runs Debian's postgresql binaries (/usr/lib/postgresql/*/bin) on 127.0.0.1 only, on a free
# port (55432 and up, never 5432), with its data directory, unix socket and log in one temp dir,
# trust authentication, and a database "akkamq". Tests read AKKAMQ_PG_CONNECTION and create a
# fresh database per test next to it.
#
# Locally:
#   eval "$(bash .ci/postgres.sh start)"   # starts it; exports AKKAMQ_PG_CONNECTION and AKKAMQ_PG_DIR
#   dotnet test tests/AkkaMq.Broker.Tests --filter FullyQualifiedName~Postgres
#   bash .ci/postgres.sh stop               # stops it and deletes $AKKAMQ_PG_DIR (or: stop DIR)
#   sudo bash .ci/postgres.sh install       # once, if the postgresql package is missing
#
# Sourced (as .ci/run does), it defines akkamq_pg_install, akkamq_pg_start (which sets and
# exports the same two variables in the calling shell) and akkamq_pg_stop.
# Progress and errors go to stderr; `start` prints only the export lines on stdout.

# The newest installed server's bin directory, or nothing.
akkamq_pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

# "version name" of each running Debian-managed cluster (pg_lsclusters), one a line.
_akkamq_pg_online_clusters() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_lsclusters -h 2>/dev/null | awk '$4 == "online" { print $1, $2 }'
}

# Installs Debian's postgresql package when psql or initdb is missing (needs root).
akkamq_pg_install() {
  if command -v psql >/dev/null 2>&1 && [ -n "$(akkamq_pg_bindir)" ]; then
    return 0
  fi
  echo "postgres.sh: installing postgresql (apt-get)" >&2
  local out before v c
  before=$(_akkamq_pg_online_clusters)
  if ! out=$(export DEBIAN_FRONTEND=noninteractive
             apt-get update -qq 2>&1 && apt-get install -y -qq postgresql 2>&1); then
    echo "$out" >&2
    echo "postgres.sh: ERROR: apt-get install postgresql failed" >&2
    return 1
  fi
  # The package creates a "main" cluster and may start it on 5432; the tests do not use it.
  _akkamq_pg_online_clusters | while read -r v c; do
    grep -qxF "$v $c" <<<"$before" || pg_ctlcluster "$v" "$c" stop >/dev/null 2>&1 || true
  done
  if ! command -v psql >/dev/null 2>&1 || [ -z "$(akkamq_pg_bindir)" ]; then
    echo "postgres.sh: ERROR: postgresql installed but psql/initdb not found under /usr/lib/postgresql/*/bin" >&2
    return 1
  fi
}

# Runs a PostgreSQL binary as the postgres user when we are root (initdb and postgres refuse
# root), as ourselves otherwise.
_akkamq_pg_as() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
_akkamq_pg_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts the server; sets and exports AKKAMQ_PG_CONNECTION and AKKAMQ_PG_DIR.
akkamq_pg_start() {
  local bin dir port started="" i
  bin=$(akkamq_pg_bindir)
  if [ -z "$bin" ] || ! command -v psql >/dev/null 2>&1; then
    echo "postgres.sh: ERROR: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb or psql); run: sudo bash .ci/postgres.sh install" >&2
    return 1
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/akkamq-pg.XXXXXX") || return 1
  mkdir -p "$dir/data" "$dir/sock"
  if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      echo "postgres.sh: ERROR: running as root but there is no postgres user" >&2
      rm -rf "$dir"; return 1
    fi
    chown -R postgres: "$dir"
  fi
  chmod 700 "$dir" "$dir/data"

  if ! _akkamq_pg_as "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
      >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    echo "postgres.sh: ERROR: initdb failed" >&2
    rm -rf "$dir"; return 1
  fi

  # A throwaway server: durability settings off for speed. Another process may take a free port
  # between the check and the bind, so a failed start moves on to the next port.
  for ((i = 0; i < 50; i++)); do
    port=$((55432 + i))
    _akkamq_pg_port_busy "$port" && continue
    if _akkamq_pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        >"$dir/pg_ctl.log" 2>&1; then
      started=1
      break
    fi
    grep -qiE 'could not (bind|create listen)|address already in use' "$dir/server.log" 2>/dev/null || break
  done
  if [ -z "$started" ]; then
    cat "$dir/pg_ctl.log" "$dir/server.log" >&2 2>/dev/null
    echo "postgres.sh: ERROR: could not start PostgreSQL" >&2
    rm -rf "$dir"; return 1
  fi

  for ((i = 0; i < 120; i++)); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres && break
    sleep 0.5
  done
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres \
      || ! psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
             -c 'CREATE DATABASE akkamq' >/dev/null 2>"$dir/createdb.log"; then
    cat "$dir/createdb.log" "$dir/server.log" >&2 2>/dev/null
    echo "postgres.sh: ERROR: PostgreSQL on 127.0.0.1:$port is not ready or CREATE DATABASE failed" >&2
    akkamq_pg_stop "$dir"; return 1
  fi

  export AKKAMQ_PG_DIR="$dir"
  export AKKAMQ_PG_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Database=akkamq"
  echo "postgres.sh: PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port (dir $dir)" >&2
}

# Stops the server of dir $1 (default $AKKAMQ_PG_DIR) and deletes the dir. Quiet; never fails.
akkamq_pg_stop() {
  local dir="${1:-${AKKAMQ_PG_DIR:-}}" bin
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  case "$(basename "$dir")" in akkamq-pg.*) ;; *)
    echo "postgres.sh: refusing to delete $dir (not a postgres.sh temp dir)" >&2; return 0 ;;
  esac
  bin=$(akkamq_pg_bindir)
  if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
    _akkamq_pg_as "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  if [ "${AKKAMQ_PG_DIR:-}" = "$dir" ]; then
    unset AKKAMQ_PG_DIR AKKAMQ_PG_CONNECTION
  fi
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  case "${1:-}" in
    install) akkamq_pg_install ;;
    start)
      akkamq_pg_start || exit 1
      printf 'export AKKAMQ_PG_DIR=%q\nexport AKKAMQ_PG_CONNECTION=%q\n' "$AKKAMQ_PG_DIR" "$AKKAMQ_PG_CONNECTION" ;;
    stop) akkamq_pg_stop "${2:-}" ;;
    *) echo "usage: $0 install|start|stop [DIR]   (see the header of $0)" >&2; exit 2 ;;
  esac
fi
