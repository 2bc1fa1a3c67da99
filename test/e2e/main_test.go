// Package e2e runs meshlint's admission webhook against a real
// kube-apiserver and etcd (controller-runtime's envtest) with Istio's real
// CRDs, and asserts what a user of kubectl sees.
//
// The binaries are built once from the Go module proxy into .cache/bin
// (git-ignored) by the test itself when they are missing, so a fresh clone
// and CI need nothing but Go:
//
//	go test ./test/e2e/ -timeout 30m
//
// KUBEBUILDER_ASSETS, when set, names a directory holding kube-apiserver and
// etcd to use instead.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

var (
	repoRoot string
	env      *envtest.Environment
	restCfg  *rest.Config
	// kubeconfigFile is the admin kubeconfig the webhook and the CLI use.
	kubeconfigFile string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if repoRoot, err = filepath.Abs("../.."); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	assets, err := ensureBinaries()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: preparing kube-apiserver and etcd:", err)
		return 1
	}
	crds, err := istioCRDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: finding Istio's CRDs:", err)
		return 1
	}
	env = &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		CRDDirectoryPaths:        []string{crds},
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	start := time.Now()
	if restCfg, err = env.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: starting kube-apiserver and etcd:", err)
		_ = env.Stop()
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: control plane with %d CRDs up in %s\n", len(env.CRDs), time.Since(start).Round(time.Millisecond))
	dir, err := os.MkdirTemp("", "meshlint-e2e-")
	if err == nil {
		kubeconfigFile = filepath.Join(dir, "kubeconfig")
		err = os.WriteFile(kubeconfigFile, env.KubeConfig, 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: writing kubeconfig:", err)
		_ = env.Stop()
		return 1
	}
	code := m.Run()
	stopWebhooks()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: stopping the control plane:", err)
	}
	_ = os.RemoveAll(dir)
	return code
}

// ensureBinaries returns the directory holding kube-apiserver and etcd:
// KUBEBUILDER_ASSETS when set, else .cache/bin, building the binaries there
// from the test/k8s module (pinned versions, Go module proxy) when missing.
func ensureBinaries() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		for _, b := range []string{"kube-apiserver", "etcd"} {
			if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
				return "", fmt.Errorf("KUBEBUILDER_ASSETS=%s: %w", dir, err)
			}
		}
		return dir, nil
	}
	dir := filepath.Join(repoRoot, ".cache", "bin")
	for _, b := range []struct{ name, pkg string }{
		{"kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver"},
		{"etcd", "./etcd"},
	} {
		out := filepath.Join(dir, b.name)
		if _, err := os.Stat(out); err == nil {
			continue
		}
		fmt.Fprintf(os.Stderr, "e2e: building %s into %s (once; this takes several minutes)\n", b.name, dir)
		cmd := exec.Command("go", "build", "-o", out, b.pkg)
		cmd.Dir = filepath.Join(repoRoot, "test", "k8s")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = os.Stderr, &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("building %s: %w\n%s", b.name, err, stderr.String())
		}
	}
	return dir, nil
}

// istioCRDs returns the CRD file shipped in the istio.io/api module this
// repository builds against.
func istioCRDs() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/api")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m istio.io/api: %w", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("istio.io/api is not in the module cache; run go mod download istio.io/api")
	}
	file := filepath.Join(dir, "kubernetes", "customresourcedefinitions.gen.yaml")
	if _, err := os.Stat(file); err != nil {
		return "", err
	}
	return file, nil
}

// eventually polls f until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %s: %v", what, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
