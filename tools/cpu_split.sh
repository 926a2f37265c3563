#!/usr/bin/env bash
# Where the CPU of a command that talks to a local PostgreSQL cluster goes: the command's own CPU
# time, the server's (the postmaster and every backend, ended ones included: the kernel adds a
# reaped child's time to its parent's), and the wall time. Linux only; the cluster must run on
# this machine, as tools/pg_cluster.sh starts it, and nothing else should use it meanwhile.
#
#   tools/cpu_split.sh DIR -- COMMAND [ARGS...]     DIR as given to pg_cluster.sh
#
# e.g. the CPU of one ingest against its server, per row:
#   tools/cpu_split.sh /tmp/pg -- sh -c 'deno run -A cli/main.ts --database-url "$URL" \
#     --tenant "$T" ingest-ndjson bars - <bars.ndjson'
set -euo pipefail

dir=${1:?usage: cpu_split.sh DIR -- COMMAND [ARGS...]}
[ "${2:-}" = "--" ] || { echo "usage: cpu_split.sh DIR -- COMMAND [ARGS...]" >&2; exit 2; }
shift 2
[ $# -gt 0 ] || { echo "usage: cpu_split.sh DIR -- COMMAND [ARGS...]" >&2; exit 2; }
pid=$(head -n 1 "$dir/data/postmaster.pid")
tick=$(getconf CLK_TCK)

# utime + stime of a process and of its reaped children (fields 14-17 of /proc/PID/stat; the
# command name in field 2 has no spaces for postgres processes)
reaped() { awk -v t="$tick" '{ printf "%.2f\n", ($14 + $15 + $16 + $17) / t }' "/proc/$1/stat"; }
# utime + stime of the postmaster's children still running (backends of open connections)
running() {
  local sum=0 child
  for child in $(pgrep -P "$pid" || true); do
    sum=$(awk -v s="$sum" -v t="$tick" '{ printf "%.2f\n", s + ($14 + $15) / t }' \
      "/proc/$child/stat" 2>/dev/null || echo "$sum")
  done
  echo "$sum"
}

server_before=$(echo "$(reaped "$pid") + $(running)" | bc)
TIMEFORMAT='%R %U %S'
set +e
{ times=$( { time "$@" 1>&3 2>&4; } 2>&1 ); } 3>&1 4>&2
rc=$?
set -e
sleep 1 # backends of the command's connections end and are reaped
server_after=$(echo "$(reaped "$pid") + $(running)" | bc)
read -r wall user sys <<<"$times"
echo "wall ${wall} s, command ${user} s user + ${sys} s sys," \
  "server $(echo "$server_after - $server_before" | bc) s" >&2
exit "$rc"
