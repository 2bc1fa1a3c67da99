package main

import (
	"slices"
	"testing"

	networkingv1 "istio.io/api/networking/v1"
	clientnetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestWhatIfKustomization: a kustomization given with --cluster is laid
// over the cluster as its build (the real API server's version of this
// test is test/e2e's TestWhatIf).
func TestWhatIfKustomization(t *testing.T) {
	live := &clientnetworkingv1.Gateway{
		ObjectMeta: metav1.ObjectMeta{Name: "public", Namespace: "edge"},
		Spec: networkingv1.Gateway{
			Selector: map[string]string{"app": "gw"},
			Servers: []*networkingv1.Server{{
				Port:  &networkingv1.Port{Number: 443, Name: "https", Protocol: "HTTPS"},
				Hosts: []string{"*/shop.example.com"},
				Tls:   &networkingv1.ServerTLSSettings{Mode: networkingv1.ServerTLSSettings_SIMPLE, CredentialName: "shop"},
			}},
		},
	}
	// The route's destination exists in the cluster (else ML017).
	web := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Name: "tls", Port: 443}}}}
	kubeconfig := fakeCluster(t, live, web)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"k/kustomization.yaml": "namespace: shop\nresources: [vs.yaml]\n",
		"k/vs.yaml":            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\nspec:\n  hosts: [shop.example.com]\n  gateways: [edge/public]\n  tls:\n  - match: [{sniHosts: [shop.example.com]}]\n    route: [{destination: {host: web}}]\n",
	})
	r := runCLI(t, "", "--cluster", "--kubeconfig", kubeconfig, "-o", "json", dir+"/k")
	o := parseJSON(t, r.stdout)
	if got := findingIDs(o); r.code != 1 || !slices.Equal(got, []string{"ML006 web"}) {
		t.Errorf("status %d, findings %v, errors %+v; want 1 and ML006 on the kustomization's VirtualService", r.code, got, o.Errors)
	}
}
