#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for tests: loopback only, trust auth, a free
# port, data in a temporary directory. Used by .ci/run; handy by hand too.
#
#   tools/pg_cluster.sh start DIR [--timescale]   prints the URL on stdout
#   tools/pg_cluster.sh restart DIR               same port and options; waits until it answers
#   tools/pg_cluster.sh stop DIR
#
# Runs the server as user postgres when invoked as root (initdb refuses root).
set -euo pipefail

cmd=${1:?usage: pg_cluster.sh start|restart|stop DIR [--timescale]}
dir=${2:?usage: pg_cluster.sh start|restart|stop DIR [--timescale]}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$bindir" ] || bindir=$(dirname "$(command -v pg_ctl)")

as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "'$bindir/initdb' -D '$dir/data' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1"
    opts="-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if [ "${3:-}" = "--timescale" ]; then
      opts="$opts -c shared_preload_libraries=timescaledb -c timescaledb.telemetry_level=off"
    fi
    printf '%s\n' "$opts" >"$dir/server.opts" # for restart
    printf '%s\n' "$port" >"$dir/server.port"
    as_owner "'$bindir/pg_ctl' -D '$dir/data' -o \"$opts\" -l '$dir/server.log' -w -t 60 start >/dev/null"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  restart)
    # fast: running transactions are rolled back and sessions ended, as in a real restart
    opts=$(cat "$dir/server.opts")
    as_owner "'$bindir/pg_ctl' -D '$dir/data' -o \"$opts\" -l '$dir/server.log' -m fast -w -t 60 restart >/dev/null"
    echo "postgres://postgres@127.0.0.1:$(cat "$dir/server.port")/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "'$bindir/pg_ctl' -D '$dir/data' -m immediate -w stop >/dev/null 2>&1" || true
    ;;
  *)
    echo "usage: pg_cluster.sh start|restart|stop DIR [--timescale]" >&2
    exit 2
    ;;
esac
