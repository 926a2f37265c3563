#!/usr/bin/env bash
# Runs every test (deno task ok: fmt, lint, type check, doc lint, publish dry-run, tests).
# Starts a throwaway PostgreSQL cluster when MDS_TEST_DATABASE_URL is unset and the server
# binaries are installed (and a TimescaleDB one when the extension is installed and
# MDS_TEST_TIMESCALE_URL is unset); stops them on exit, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_deno.sh
deno --version | head -n 1

work=$(mktemp -d /tmp/mds-test.XXXXXX)
chmod 755 "$work"
cleanup() {
  tools/pg_cluster.sh stop "$work/pg" || true
  tools/pg_cluster.sh stop "$work/tsdb" || true
  rm -rf "$work"
}
trap cleanup EXIT

has_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
if [ -z "${MDS_TEST_DATABASE_URL:-}" ] && ! has_pg && [ "${CI:-}" = "true" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing postgresql with apt" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
# promtool checks the admin server's metrics exposition (Debian package prometheus).
if ! command -v promtool >/dev/null 2>&1 && [ "${CI:-}" = "true" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing promtool (Debian package prometheus) with apt" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null) ||
    echo "could not install prometheus; the promtool check will report skipped" >&2
fi
# Headless Chromium renders the coverage page in tests/coverage_browser_test.ts (Debian package chromium).
if ! command -v chromium >/dev/null 2>&1 && [ "${CI:-}" = "true" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium with apt" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) ||
    echo "could not install chromium; the coverage browser test will report skipped" >&2
fi
if [ -z "${MDS_TEST_DATABASE_URL:-}" ] && has_pg; then
  MDS_TEST_DATABASE_URL=$(tools/pg_cluster.sh start "$work/pg")
  export MDS_TEST_DATABASE_URL
fi
pkglib=$(ls -d /usr/lib/postgresql/*/lib 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "${MDS_TEST_TIMESCALE_URL:-}" ] && [ -n "$pkglib" ] && [ -f "$pkglib/timescaledb.so" ]; then
  MDS_TEST_TIMESCALE_URL=$(tools/pg_cluster.sh start "$work/tsdb" --timescale)
  export MDS_TEST_TIMESCALE_URL
fi
echo "PostgreSQL: ${MDS_TEST_DATABASE_URL:-not configured (server tests skipped)}" >&2
echo "TimescaleDB: ${MDS_TEST_TIMESCALE_URL:-not configured (TimescaleDB tests skipped)}" >&2
deno task ok
