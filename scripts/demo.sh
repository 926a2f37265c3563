#!/usr/bin/env bash
# The main job on the embedded default (no server): load a demo dataset into ./.mds, then stream
# NDJSON bars through `mds ingest-ndjson` from stdin and read back latest prices and hourly bars.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_deno.sh
exec deno task demo
