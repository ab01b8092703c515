# One image for every role; the command chooses it (docker-compose.yml, docs/operations.md):
#   node apps/api/dist/main.js                  the HTTP API
#   node apps/worker/dist/main.js               a worker
#   node apps/scheduler/dist/main.js            the scheduler
#   node packages/db/dist/cli.js migrate        migrate the aggregation database (one-shot)
#   node packages/etl/dist/cli/main.js …        the ETL command line (`pnpm etl run` for developers)
#   node packages/queue/dist/cli/main.js …      queue a range for the workers (`pnpm etl enqueue`)
#   node packages/raw/dist/cli/main.js …        raw-database tools (`pnpm raw`)
# Paths are the repository's, so each command also runs from a checkout after `pnpm build`.
#
# Built with BuildKit (the default since Docker 23; DOCKER_BUILDKIT=1 before), by its built-in Dockerfile
# frontend: no `# syntax=` line, which would fetch a frontend image from a registry. Where the npm
# registry is reached through a TLS-intercepting proxy, give its CA certificates (PEM) as a build secret:
#   docker build --secret id=extra-ca-certs,src=/path/to/proxy-ca.pem .
# npm and pnpm trust them while they download; no layer of the image keeps them.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- dependencies: only the lockfile, so this layer is reused until the lockfile changes
FROM ${NODE_IMAGE} AS deps
ENV CI=true STORE_DIR=/pnpm/store
WORKDIR /src
RUN --mount=type=secret,id=extra-ca-certs \
  if [ -s /run/secrets/extra-ca-certs ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca-certs; fi \
  && npm install --global --no-fund --no-audit pnpm@10.34.9
# The pnpm hook decides which packages the lockfile binds (.pnpmfile.cjs); pnpm checks it is the one
# the lockfile was resolved with.
COPY pnpm-lock.yaml pnpm-workspace.yaml .pnpmfile.cjs ./
RUN --mount=type=secret,id=extra-ca-certs \
  if [ -s /run/secrets/extra-ca-certs ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca-certs; fi \
  && pnpm fetch --store-dir "$STORE_DIR"

# ---- build: every package compiled to dist/, then a production tree beside it
FROM deps AS build
COPY . .
RUN pnpm install --offline --frozen-lockfile --store-dir "$STORE_DIR" && pnpm build
# /app holds what the runtime needs: manifests, compiled code, the dashboard's bundle, the raw schema
# SQL, the deploy files and production dependencies only. @mm/testing and @mm/queue-testing (testcontainers, vitest) never run in production.
RUN mkdir /app \
  && cp -a --parents package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc .pnpmfile.cjs \
    apps/*/package.json packages/*/package.json apps/*/dist apps/dashboard/build packages/*/dist packages/db/sql db deploy /app/ \
  && cd /app \
  && pnpm install --offline --frozen-lockfile --prod --filter '!@mm/testing' --filter '!@mm/queue-testing' --store-dir "$STORE_DIR"

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node and reaps children, so `docker stop` reaches the
# process's own shutdown (drain, close pools) and one-shot commands without handlers still stop.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the process: the code cannot be changed by what runs it.
COPY --from=build /app /app
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "apps/api/dist/main.js"]
