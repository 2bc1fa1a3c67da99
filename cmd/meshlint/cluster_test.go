package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apinetworking "istio.io/api/networking/v1"
	apisecurity "istio.io/api/security/v1"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

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

// TestClusterNamespaceLabels: --cluster reads Namespaces for their labels.
// A DestinationRule with DISABLE under STRICT mTLS is right in a namespace
// labelled istio-injection: disabled (its pods have no sidecar) and an
// error elsewhere; a user who may not list Namespaces still gets a run,
// knowing less, and no input error.
func TestClusterNamespaceLabels(t *testing.T) {
	objs := func(ns string) []client.Object {
		return []client.Object{
			&securityv1.PeerAuthentication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"},
				Spec: apisecurity.PeerAuthentication{Mtls: &apisecurity.PeerAuthentication_MutualTLS{Mode: apisecurity.PeerAuthentication_MutualTLS_STRICT}}},
			&networkingv1.DestinationRule{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "legacy"},
				Spec: apinetworking.DestinationRule{Host: "legacy", TrafficPolicy: &apinetworking.TrafficPolicy{
					Tls: &apinetworking.ClientTLSSettings{Mode: apinetworking.ClientTLSSettings_DISABLE}}}},
		}
	}
	all := append(objs("plain"), objs("nosidecar")...)
	all = append(all,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "plain", Labels: map[string]string{"istio-injection": "enabled"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "nosidecar", Labels: map[string]string{"istio-injection": "disabled"}}})
	check := func(t *testing.T, kubeconfig string, want []string) {
		t.Helper()
		r := runCLI(t, "", "--cluster", "--kubeconfig", kubeconfig, "--enable", "ML001", "-o", "json")
		o := parseJSON(t, r.stdout)
		var got []string
		for _, f := range o.Findings {
			got = append(got, f.Resource.Namespace+"/"+f.Resource.Name)
		}
		if r.code != 1 || len(o.Errors) != 0 || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("status %d, errors %+v, ML001 on %q; want 1, none, %q\n%s", r.code, o.Errors, got, want, r.stderr)
		}
	}
	t.Run("labels read", func(t *testing.T) {
		check(t, fakeCluster(t, all...), []string{"plain/legacy"})
	})
	t.Run("Namespaces not allowed", func(t *testing.T) {
		c := fake.NewClientBuilder().WithScheme(cluster.Scheme()).WithObjects(all...).WithInterceptorFuncs(interceptor.Funcs{
			List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
				if _, ok := list.(*corev1.NamespaceList); ok {
					return apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "", errors.New("RBAC"))
				}
				return c.List(ctx, list, opts...)
			},
		}).Build()
		kubeconfig := fakeCluster(t)
		orig := listCluster
		listCluster = func(ctx context.Context, _ *rest.Config, opts cluster.Options) (*cluster.Snapshot, error) {
			return cluster.ListWith(ctx, c, opts)
		}
		t.Cleanup(func() { listCluster = orig })
		check(t, kubeconfig, []string{"nosidecar/legacy", "plain/legacy"})
	})
}
