# Sourced by the scripts: puts a Deno on PATH, installing the pinned version from npm if missing.
MDS_DENO_VERSION=2.9.6
if ! command -v deno >/dev/null 2>&1; then
  echo "installing deno@$MDS_DENO_VERSION from npm" >&2
  npm install -g --silent "deno@$MDS_DENO_VERSION" >/dev/null 2>&1 || {
    echo "could not install deno with npm; install Deno 2 and retry" >&2
    exit 1
  }
fi
