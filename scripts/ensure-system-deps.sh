#!/usr/bin/env bash
# Installs and starts what the tests need outside node_modules: a Redis server answering on
# REDIS_URL (default redis://127.0.0.1:6379), redis-sentinel (the Sentinel and Cluster tests start
# their own redis-server/redis-sentinel processes) and kubectl. Uses apt when something is missing.
set -euo pipefail

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
apt_updated=0
apt_update() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $* is missing and apt-get is not available; install it by hand" >&2
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
}
apt_install() {
  apt_update "$@"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

command -v redis-server >/dev/null 2>&1 || apt_install redis-server
command -v redis-sentinel >/dev/null 2>&1 || apt_install redis-sentinel
if ! command -v kubectl >/dev/null 2>&1; then
  # A current kubectl (kustomize v5 for deploy/) where the machine's apt sources have one; Debian's own
  # kubernetes-client (1.20) is the fallback and cannot build deploy/'s kustomize components.
  apt_update kubectl
  if apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt_install kubectl
  else
    apt_install kubernetes-client
  fi
fi

# deploy-tests evaluate the PrometheusRule's alerts with Prometheus's own promtool (Debian's prometheus package).
if ! command -v promtool >/dev/null 2>&1; then
  apt_update promtool
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The package enables a service; where an init system runs it, it is not ours to keep running.
  $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
fi

# The real control plane (`pnpm kube-real`, the system-real tests) is built from Go modules by
# scripts/build-kube-real.sh: it needs Go at least as new as packages/kube-real/go/go.mod says.
go_needed=$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$(dirname "$0")/../packages/kube-real/go/go.mod")
go_ok() {
  command -v go >/dev/null 2>&1 || return 1
  have=$(go env GOVERSION | sed 's/^go//')
  [ "$(printf '%s\n%s\n' "$go_needed" "$have" | sort -V | head -1)" = "$go_needed" ]
}
if ! go_ok; then
  apt_update golang-go
  apt_install golang-go || true
  if ! go_ok; then
    echo "error: Go $go_needed or newer is needed to build the real control plane (have: $(go version 2>/dev/null || echo none)); install it and put it on PATH" >&2
    exit 1
  fi
fi

# The dashboard's browser test drives Debian's Chromium (playwright-core downloads no browser here).
command -v chromium >/dev/null 2>&1 || apt_install chromium

redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
if ! redis-cli -u "$redis_url" ping >/dev/null 2>&1; then
  port=$(echo "$redis_url" | sed -E 's#^redis://([^@]*@)?[^:/]+:?([0-9]*).*#\2#')
  port=${port:-6379}
  echo "starting redis-server on 127.0.0.1:$port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir /tmp --logfile "/tmp/redis-$port.log"
  for _ in $(seq 1 50); do
    redis-cli -u "$redis_url" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -u "$redis_url" ping >/dev/null
fi
echo "redis: $(redis-cli -u "$redis_url" ping) at $redis_url; kubectl: $(kubectl version --client 2>/dev/null | head -1); $(go version)"
