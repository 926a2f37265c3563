# syntax=docker/dockerfile:1
# The mds admin server as a single self-contained binary on a distroless base.
#
#   docker build -t mds-admin .
#   docker run --rm -p 8082:8082 -e ADMIN_TOKEN=... -e MDS_DATABASE_URL=postgres://... mds-admin
#
# The binary also runs one-shot tasks: `mds-admin --migrate` applies pending migrations and
# exits; `mds-admin --healthcheck` exits 0 when GET /health on $PORT answers (the HEALTHCHECK
# below). The image also holds the service, `/app/mds-service` (service/main.ts: the market-data
# API on 8001 and the collector; MDS_ROLE=api, collector or both):
#
#   docker run --rm -p 8001:8001 --entrypoint /app/mds-service -e PORT=8001 -e MDS_ROLE=api \
#     -e MDS_TENANT_ID=... -e MDS_DATABASE_URL=postgres://... mds-admin

FROM denoland/deno:2.9.6 AS build
WORKDIR /src
# Only the workspace sources: never .env, .git or a local .mds store.
COPY deno.json deno.lock ./
COPY sql/ sql/
COPY client/ client/
COPY admin/ admin/
COPY cli/ cli/
COPY providers/ providers/
COPY service/ service/
COPY migrations/ migrations/
RUN deno compile --frozen-lockfile -A --include migrations --output /out/mds-admin admin/main.ts \
 && deno compile --frozen-lockfile -A --include migrations --output /out/mds-service service/main.ts \
 && if [ -f cli/main.ts ]; then \
      deno compile --frozen-lockfile -A --v8-flags=--max-old-space-size=1536,--max-semi-space-size=4 \
        --include migrations --output /out/mds cli/main.ts; \
    fi

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/ /app/
WORKDIR /home/nonroot
ENV PORT=8082 \
    HOST=0.0.0.0 \
    MDS_DATA_DIR=/home/nonroot/.mds
USER nonroot
EXPOSE 8082 8001
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/app/mds-admin", "--healthcheck"]
ENTRYPOINT ["/app/mds-admin"]
