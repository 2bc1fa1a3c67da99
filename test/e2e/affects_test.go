package e2e

import (
	"context"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	"sigs.k8s.io/yaml"

	"github.com/meshlint/meshlint/cluster"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/webhook"
)

// remove deletes the object of doc and returns the warnings it drew.
func (k *kubectl) remove(t *testing.T, doc string) []string {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
		t.Fatal(err)
	}
	gv, err := schema.ParseGroupVersion(obj.GetAPIVersion())
	if err != nil {
		t.Fatal(err)
	}
	k.rec.take()
	res := k.dyn.Resource(resourceOf(gv, obj.GetKind())).Namespace(obj.GetNamespace())
	if err := res.Delete(context.Background(), obj.GetName(), metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting %s %s: %v", obj.GetKind(), obj.GetName(), err)
	}
	return k.rec.take()
}

// TestDeleteWarnsAboutWhatItBreaks: the chart registers DELETE for the kinds
// other resources depend on, and the webhook answers a delete with what the
// removal breaks: the VirtualService bound to a deleted Gateway, and the
// one routing to a subset of a deleted DestinationRule.
func TestDeleteWarnsAboutWhatItBreaks(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-delete", false)
	k := newKubectl(t)
	gw := `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: e2e-delete}
spec:
  selector: {app: gw-delete}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [web.delete.example.com]
`
	dr := `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: e2e-delete}
spec:
  host: web
  subsets:
  - {name: v1, labels: {version: v1}}
`
	vs := `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: e2e-delete}
spec:
  hosts: [web.delete.example.com]
  gateways: [public]
  http:
  - route:
    - destination: {host: web, subset: v1}
`
	if got := k.mustApply(t, serviceDoc("e2e-delete", "web"), gw, dr, vs); len(got) > 0 {
		t.Fatalf("the VirtualService drew %q", got)
	}
	got := k.remove(t, gw)
	if want := "deleting this Gateway: ML013 gateway-not-found: VirtualService e2e-delete/web spec.gateways[0]: "; len(withPrefix(got, want)) != 1 {
		t.Errorf("deleting the Gateway: warnings %q, want one starting %q", got, want)
	}
	got = k.remove(t, dr)
	if want := "deleting this DestinationRule: ML012 undefined-subset: VirtualService e2e-delete/web "; len(withPrefix(got, want)) != 1 {
		t.Errorf("deleting the DestinationRule: warnings %q, want one starting %q", got, want)
	}
}

// TestChangeWarnsAboutOthers: the three findings the webhook's hand-kept
// map of related resources missed, through the real API server: a
// DestinationRule dropping a subset another host's VirtualService routes
// to (ML012), a VirtualService that stops sending plaintext to :443 (ML007),
// and a namespace turning STRICT under a MESH_INTERNAL ServiceEntry's rule
// (ML001).
func TestChangeWarnsAboutOthers(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-affects", false)
	k := newKubectl(t)
	for _, tc := range []struct {
		name          string
		before        []string
		change, wantP string
	}{
		{"ML012", []string{serviceDoc("e2e-affects", "reviews"), `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: e2e-affects}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v3, labels: {version: v3}}
`, `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: frontend, namespace: e2e-affects}
spec:
  hosts: [frontend.affects.example.com]
  http:
  - route:
    - destination: {host: reviews, subset: v3}
`}, `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: e2e-affects}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
`, "ML012 undefined-subset: VirtualService e2e-affects/frontend "},
		{"ML007", []string{`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: e2e-affects}
spec:
  hosts: [api.affects.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: tls, protocol: TLS}]
`, `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: e2e-affects}
spec:
  host: api.affects.example.com
  trafficPolicy:
    portLevelSettings:
    - port: {number: 443}
      tls: {mode: SIMPLE}
`, `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: e2e-affects}
spec:
  hosts: [api.affects.example.com]
  http:
  - route:
    - destination: {host: api.affects.example.com, port: {number: 443}}
`}, `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: e2e-affects}
spec:
  hosts: [api.affects.example.com]
  http:
  - route:
    - destination: {host: api.affects.example.com, port: {number: 8443}}
`, "ML007 double-tls: DestinationRule e2e-affects/api "},
		{"ML001", []string{`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: e2e-affects}
spec:
  hosts: [legacy.affects.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints: [{address: 10.1.2.3}]
  ports: [{number: 80, name: http, protocol: HTTP}]
`, `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: legacy, namespace: e2e-affects}
spec:
  host: legacy.affects.internal
  trafficPolicy:
    tls: {mode: DISABLE}
`}, `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: e2e-affects}
spec:
  mtls: {mode: STRICT}
`, "ML001 missing-istio-mutual: DestinationRule e2e-affects/legacy "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k.mustApply(t, tc.before...)
			if got := k.mustApply(t, tc.change); len(withPrefix(got, tc.wantP)) != 1 {
				t.Errorf("warnings %q, want one starting %q", got, tc.wantP)
			}
		})
	}
}

// TestAbsenceConfirmedThroughAPIServer: kubectl apply -f dir/ creates a
// Gateway and then the VirtualService bound to it within milliseconds,
// possibly before the webhook's informer has seen the Gateway. A handler
// whose cache is behind (here: empty) confirms the absence with the real API
// server before reporting ML013, so it never calls a fresh Gateway missing,
// and still reports one that exists nowhere.
func TestAbsenceConfirmedThroughAPIServer(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-behind", false)
	k := newKubectl(t)
	k.mustApply(t, `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: fresh, namespace: e2e-behind}
spec:
  selector: {app: gw-behind}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [web.behind.example.com]
`)
	reader, err := client.New(restCfg, client.Options{Scheme: cluster.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	h, err := webhook.NewHandler(lint.DefaultMesh(), lint.Settings{}, webhook.HandlerOptions{
		Mode: webhook.ModeWarn, Checks: []*lint.Check{checks.GatewayNotFound}, Live: webhook.APIReaderGetter(reader),
	})
	if err != nil {
		t.Fatal(err)
	}
	h.MarkSynced() // the cache claims to be complete, but holds nothing
	raw, err := yaml.YAMLToJSON([]byte(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: e2e-behind}
spec:
  hosts: [web.behind.example.com]
  gateways: [fresh, missing]
  http:
  - route:
    - destination: {host: web}
`))
	if err != nil {
		t.Fatal(err)
	}
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: "behind", Kind: metav1.GroupVersionKind{Group: "networking.istio.io", Version: "v1", Kind: "VirtualService"},
		Namespace: "e2e-behind", Name: "web", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw},
	}}
	resp := h.Handle(context.Background(), req)
	var ml013 []string
	for _, w := range resp.Warnings {
		if strings.HasPrefix(w, "ML013") {
			ml013 = append(ml013, w)
		}
	}
	if len(ml013) != 1 || !strings.Contains(ml013[0], `"e2e-behind/missing"`) {
		t.Errorf("ML013 warnings %q, want one, for e2e-behind/missing only", ml013)
	}
}

// TestConflictingHostsWarnBothWays: a second mesh VirtualService for a host
// draws ML019 on itself and, as what the change breaks, on the first one.
func TestConflictingHostsWarnBothWays(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-ml019", false)
	k := newKubectl(t)
	vs := func(name string) string {
		return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ` + name + `, namespace: e2e-ml019}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
`
	}
	if got := k.mustApply(t, serviceDoc("e2e-ml019", "reviews"), vs("reviews")); len(got) > 0 {
		t.Fatalf("the first VirtualService drew %q", got)
	}
	got := k.mustApply(t, vs("reviews-canary"))
	own := withPrefix(got, "ML019 conflicting-virtualservice-hosts: spec.hosts[0]: ")
	caused := withPrefix(got, "ML019 conflicting-virtualservice-hosts: VirtualService e2e-ml019/reviews spec.hosts[0]: ")
	if len(own) != 1 || len(caused) != 1 || len(got) != 2 {
		t.Errorf("warnings %q, want ML019 on the new VirtualService and on e2e-ml019/reviews", got)
	}
}
