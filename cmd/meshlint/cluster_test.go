package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apinetworking "istio.io/api/networking/v1"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/meshlint/meshlint/cluster"
)

// fakeCluster makes --cluster read objs through a fake client.
func fakeCluster(t *testing.T, objs ...client.Object) (kubeconfig string) {
	t.Helper()
	c := fake.NewClientBuilder().WithScheme(cluster.Scheme()).WithObjects(objs...).Build()
	orig := listCluster
	listCluster = func(ctx context.Context, _ *rest.Config, opts cluster.Options) (*cluster.Snapshot, error) {
		return cluster.ListWith(ctx, c, opts)
	}
	t.Cleanup(func() { listCluster = orig })
	kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	const cfg = "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster: {server: \"https://fake.invalid\"}\ncontexts:\n- name: fake\n  context: {cluster: fake, user: fake}\ncurrent-context: fake\nusers:\n- name: fake\n  user: {token: x}\n"
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return kubeconfig
}

func TestCluster(t *testing.T) {
	vs := func(ns, name, gateway string) *networkingv1.VirtualService {
		return &networkingv1.VirtualService{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: apinetworking.VirtualService{
				Hosts:    []string{name + ".example.com"},
				Gateways: []string{gateway},
				Http: []*apinetworking.HTTPRoute{{Route: []*apinetworking.HTTPRouteDestination{{
					Destination: &apinetworking.Destination{Host: name},
				}}}},
			},
		}
	}
	kubeconfig := fakeCluster(t, vs("shop", "web", "missing-gw"), vs("blog", "posts", "also-missing"))
	t.Run("all namespaces by default", func(t *testing.T) {
		r := runCLI(t, "", "--cluster", "--kubeconfig", kubeconfig, "--enable", "gateway-not-found", "-o", "json")
		o := parseJSON(t, r.stdout)
		if r.code != 1 || len(o.Findings) != 2 || len(o.Errors) != 0 {
			t.Fatalf("status %d, findings %v, errors %+v; want 1 and a finding per namespace\n%s", r.code, findingIDs(o), o.Errors, r.stderr)
		}
		for _, f := range o.Findings {
			// The whole cluster is visible: an absent Gateway is an error.
			if f.Severity != "error" || f.File != "" || f.Line != 0 {
				t.Errorf("finding %+v: want severity error and no file position", f)
			}
		}
		if o.Summary.Resources != 2 || o.Summary.Files != 0 {
			t.Errorf("summary %+v, want 2 resources and no files", o.Summary)
		}
	})
	t.Run("one namespace", func(t *testing.T) {
		r := runCLI(t, "", "--cluster", "--kubeconfig", kubeconfig, "-n", "blog", "--enable", "ML013")
		if r.code != 1 || !strings.HasPrefix(r.stdout, "blog/posts (VirtualService): error: ") || strings.Contains(r.stdout, "shop/") {
			t.Errorf("status %d, want 1 and only blog/posts in the form ns/name (Kind):\n%s", r.code, r.stdout)
		}
		if !strings.HasSuffix(r.stdout, "in 1 resource from the cluster\n") {
			t.Errorf("summary line:\n%s", r.stdout)
		}
	})
}
