#!/usr/bin/env bash
# Builds the real control plane `pnpm kube-real` runs (etcd, kube-apiserver, kube-controller-manager) from the Go
# modules pinned in packages/kube-real/go, into .local/bin/kube-real-<pins hash>/. A second run with the same pins
# is a no-op, so CI and `pnpm kube-real` call it unconditionally. Prints the directory on stdout.
# Needs Go (see go.mod's go line) and the Go module proxy; the first build takes several minutes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mod="$root/packages/kube-real/go"
# What the binaries depend on: the pins and how they are built. Change either and the next run rebuilds.
ldflags='-s -w'
pins=$( (cat "$mod/go.mod" "$mod/go.sum"; echo "CGO_ENABLED=0 -trimpath -ldflags=$ldflags") | sha256sum | cut -c1-12)
out="$root/.local/bin/kube-real-$pins"
bins=(etcd kube-apiserver kube-controller-manager)

have_all() { for b in "${bins[@]}"; do [ -x "$out/$b" ] || return 1; done; }
if have_all; then
  echo "$out"
  exit 0
fi
# Concurrent callers (test projects, `pnpm kube-real`) wait for one build instead of each running their own.
mkdir -p "$root/.local/bin"
exec 9>"$root/.local/bin/.kube-real-build.lock"
flock 9
if have_all; then
  echo "$out"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "error: kube-real needs Go $(sed -n 's/^go //p' "$mod/go.mod") or newer to build its binaries once" >&2
  exit 1
fi

tmp="$out.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
start=$(date +%s)
echo "kube-real: building ${bins[*]} into $out (first build takes several minutes)" >&2
# One `go build` for all three: the packages they share compile once. nice: builds must not starve the machine.
(cd "$mod" && CGO_ENABLED=0 GOFLAGS=-trimpath nice -n 19 go build -ldflags="$ldflags" -o "$tmp/" \
  go.etcd.io/etcd/server/v3 \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager)
# etcd's main package is its module's root, go.etcd.io/etcd/server/v3: go build names it `server`.
mv "$tmp/server" "$tmp/etcd"
rm -rf "$out"
mv "$tmp" "$out"
echo "kube-real: built in $(($(date +%s) - start)) s" >&2
echo "$out"
