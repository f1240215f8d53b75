//go:build tools

// The binaries scripts/build-kube-real.sh builds; imported here so `go mod tidy` keeps their modules pinned.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
