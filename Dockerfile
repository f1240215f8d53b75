# syntax=docker/dockerfile:1
# The ambient session operator: one image, one entrypoint, three commands.
#   /app/operator watcher [--leader-elect=true --metrics-bind-address=:8080 --health-probe-bind-address=:8081]
#   /app/operator worker  [--max-concurrent-reconciles=10 --metrics-bind-address=:8080 ...]
#   /app/operator session-trigger   (scheduled sessions; what upstream's CronJobs run as `./operator`)
# Each runs `node --enable-source-maps dist/operator/<command>.mjs`: plain JavaScript bundled by `pnpm build`
# (scripts/build.ts) from the same TypeScript sources, with source maps so stack traces name .ts lines.
# No TypeScript loader and no node_modules at run time: every dependency is in the bundles.
# Runs as uid/gid 65532 and writes nothing outside /tmp (mount an emptyDir there with a read-only root).
#
#   docker build --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) -t <image>:0.1.0 .

ARG NODE_VERSION=20.20.2
ARG PNPM_VERSION=10.34.9

FROM node:${NODE_VERSION}-bookworm-slim AS build
ARG PNPM_VERSION
ENV CI=true
RUN npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}"
WORKDIR /src
# Download every locked package first: this layer is reused until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
COPY . .
# From the store only: the root's build tools (esbuild, tsx) and the watcher's and worker's dependencies.
RUN pnpm install --offline --frozen-lockfile \
      --filter . --filter '@ambient-operator/watcher...' --filter '@ambient-operator/worker...'
RUN pnpm build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="ambient-session-operator" \
      org.opencontainers.image.description="Kubernetes operator for AgenticSessions: leader-elected watcher and queue workers" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV NODE_ENV=production \
    VERSION=${VERSION} \
    HOME=/tmp \
    TMPDIR=/tmp
WORKDIR /app
# Owned by root and not writable by the runtime user: the code cannot change itself.
COPY --from=build /src/dist/operator /app/dist/operator
COPY --from=build /src/dist/proto /app/dist/proto
COPY --chmod=0755 deploy/image/operator /app/operator
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/app/operator"]
CMD ["worker"]
