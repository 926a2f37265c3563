// The V8 heap settings the `mds` binary is compiled with: `deno task compile` and the Dockerfile
// pass them to `deno compile --v8-flags`, which bakes them into the binary; the benchmark runs
// the CLI with them. Without them V8 sizes its heap from the machine's memory: on 24 GiB a 4 GiB
// old generation, which it lets grow to about four times what is live before collecting it, and
// two 32 MiB semi-spaces. `mds ingest-ndjson` keeps ~25 MB live, so most of its peak RSS was
// heap it did not need: 1M bars into PostgreSQL on 2 cores peaked near 280 MiB without these
// flags and near 170 MiB with them, at the same rows/s (README, Performance). A 1,536 MB old
// generation makes V8 grow it by about 1.8x instead of 4x (and stays 30 times what an ingest
// at the default batch settings holds); 4 MiB semi-spaces cost more, cheaper, minor collections.
//
// `deno run` does not read them from anywhere: pass `--v8-flags=` with this value to get the
// same, as `deno task mds` does.

/** The value of `deno compile --v8-flags=` for `mds`: a comma-separated list of V8 flags. */
export const MDS_V8_FLAGS = "--max-old-space-size=1536,--max-semi-space-size=4";
