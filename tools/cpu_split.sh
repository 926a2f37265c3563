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

usage() {
  echo "usage: cpu_split.sh DIR -- COMMAND [ARGS...]" >&2
  exit 2
}
[ $# -ge 3 ] && [ "$2" = "--" ] || usage
dir=$1
shift 2
pid=$(head -n 1 "$dir/data/postmaster.pid")
tick=$(getconf CLK_TCK)

# CPU seconds of the server so far: the postmaster's own and its reaped children's (fields 14-17
# of /proc/PID/stat), then each running child's own (backends of open connections, background
# workers). A postgres process's name, field 2, has no spaces.
server_cpu() {
  local sum child
  sum=$(awk -v t="$tick" '{ printf "%.2f\n", ($14 + $15 + $16 + $17) / t }' "/proc/$pid/stat")
  for child in $(pgrep -P "$pid" || true); do
    # a child that ended since pgrep is skipped: its time shows among the reaped from then on
    sum=$(awk -v s="$sum" -v t="$tick" '{ printf "%.2f\n", s + ($14 + $15) / t }' \
      "/proc/$child/stat" 2>/dev/null || echo "$sum")
  done
  echo "$sum"
}

server_before=$(server_cpu)
TIMEFORMAT='%R %U %S'
set +e
{ times=$( { time "$@" 1>&3 2>&4; } 2>&1 ); } 3>&1 4>&2
rc=$?
set -e
sleep 1 # backends of the command's connections end and are reaped
server_after=$(server_cpu)
read -r wall user sys <<<"$times"
awk -v w="$wall" -v u="$user" -v s="$sys" -v a="$server_before" -v b="$server_after" \
  'BEGIN { printf "wall %s s, command %s s user + %s s sys, server %.2f s\n", w, u, s, b - a }' >&2
exit "$rc"
