//go:build tools

// Package k8s pins the kube-apiserver sources that the e2e suite builds.
package k8s

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
