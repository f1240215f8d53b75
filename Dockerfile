# syntax=docker/dockerfile:1
# The ambient session operator: one image, one entrypoint, three commands.
#   /app/operator watcher [--leader-elect=true --metrics-bind-address=:8080 --health-probe-bind-address=:8081]
#   /app/operator worker  [--max-concurrent-reconciles=10 --metrics-bind-address=:8080 ...]
#   /app/operator session-trigger   (scheduled sessions; what upstream's CronJobs run as `./operator`)
# Each runs `node --import tsx packages/<component>/src/...ts`: the TypeScript sources run through tsx,
# as in development and tests, so there is no separate build output to drift from the sources.
# Runs as uid/gid 65532 and writes nothing outside /tmp (mount an emptyDir there with a read-only root).
#
#   docker build --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) -t <image>:0.1.0 .

ARG NODE_VERSION=20.20.2
ARG PNPM_VERSION=10.34.9
ARG TSX_VERSION=4.23.15

FROM node:${NODE_VERSION}-bookworm-slim AS deps
ARG PNPM_VERSION
ENV CI=true
RUN npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}"
WORKDIR /src
# Download every locked package first: this layer is reused until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch --prod
COPY . .
# Production dependencies of the watcher and the worker and of the workspace packages they use.
RUN pnpm install --offline --frozen-lockfile --prod \
      --filter '@ambient-operator/watcher...' --filter '@ambient-operator/worker...'

# tsx is a root devDependency, which the --prod install leaves out; the runtime needs it (same version).
FROM node:${NODE_VERSION}-bookworm-slim AS tsx
ARG TSX_VERSION
WORKDIR /opt/tsx
RUN npm init --yes >/dev/null \
 && npm install --no-fund --no-audit --omit=dev "tsx@${TSX_VERSION}"

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
COPY --from=deps /src /app
COPY --from=tsx /opt/tsx /opt/tsx
COPY --chmod=0755 deploy/image/operator /app/operator
RUN ln -s /opt/tsx/node_modules/tsx /app/node_modules/tsx \
 && node --import tsx --eval "process.exit(0)"
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/app/operator"]
CMD ["worker"]
