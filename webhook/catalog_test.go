package webhook

import (
	"context"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
)

// TestCatalogCausedFindings runs the real catalog through the handler: a
// change to one resource warns about the findings it causes on others, as
// each check's Affects declares. These three were missed while the
// webhook kept its own map of related resources.
func TestCatalogCausedFindings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cluster []string
		change  string
		want    string // a substring of one warning
	}{
		{
			name: "ML012 a DestinationRule drops a subset another host's VirtualService routes to",
			cluster: []string{`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v3, labels: {version: v3}}
`, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: frontend, namespace: shop}
spec:
  hosts: [frontend]
  http:
  - route:
    - destination: {host: reviews, subset: v3}
`},
			change: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
`,
			want: `ML012 undefined-subset: VirtualService shop/frontend spec.http[0].route[0].destination.subset: subset "v3"`,
		},
		{
			name: "ML007 a VirtualService stops sending plaintext to port 443",
			cluster: []string{`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: egress}
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: tls, protocol: TLS}]
`, `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: egress}
spec:
  host: api.example.com
  trafficPolicy:
    portLevelSettings:
    - port: {number: 443}
      tls: {mode: SIMPLE}
`, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: egress}
spec:
  hosts: [api.example.com]
  http:
  - route:
    - destination: {host: api.example.com, port: {number: 443}}
`},
			change: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: egress}
spec:
  hosts: [api.example.com]
  http:
  - route:
    - destination: {host: api.example.com, port: {number: 8443}}
`,
			want: `ML007 double-tls: DestinationRule egress/api`,
		},
		{
			name: "ML001 a namespace turns STRICT under a MESH_INTERNAL ServiceEntry's rule",
			cluster: []string{`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: shop}
spec:
  hosts: [legacy.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
`, `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: legacy, namespace: shop}
spec:
  host: legacy.internal
  trafficPolicy:
    tls: {mode: DISABLE}
`},
			change: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: shop}
spec:
  mtls: {mode: STRICT}
`,
			want: `ML001 missing-istio-mutual: DestinationRule shop/legacy`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHandler(t, handlerConfig{mode: ModeWarn, checks: checks.Registry()}, tc.cluster...)
			resp := handle(h, request(t, admissionv1.Update, tc.change))
			if !resp.Allowed {
				t.Fatalf("denied in warn mode: %+v", resp.Result)
			}
			for _, w := range resp.Warnings {
				if strings.Contains(w, tc.want) {
					return
				}
			}
			t.Errorf("no warning contains %q; warnings: %q", tc.want, resp.Warnings)
		})
	}
}

// deleteRequest is the AdmissionRequest of a DELETE: the object comes as
// oldObject.
func deleteRequest(t *testing.T, doc string) admission.Request {
	req := request(t, admissionv1.Delete, doc)
	req.OldObject, req.Object = req.Object, runtime.RawExtension{}
	return req
}

// TestDeleteWarnsAboutWhatItBreaks: deleting a Gateway that a VirtualService
// is bound to, or a DestinationRule whose subsets are routed to, is allowed
// with warnings naming the broken resources; enforce mode denies it only
// with DenyDeletes.
func TestDeleteWarnsAboutWhatItBreaks(t *testing.T) {
	const gateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`
	const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web.example.com]
  gateways: [public]
  http:
  - route:
    - destination: {host: web, subset: v1}
`
	const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  subsets:
  - {name: v1, labels: {version: v1}}
`
	const unrelated = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: unused, namespace: shop}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["other.example.com"]
`
	for _, tc := range []struct {
		name        string
		cfg         handlerConfig
		deleted     string
		wantAllowed bool
		want        string // a substring of one warning, or of the denial
	}{
		{"gateway in warn mode", handlerConfig{mode: ModeWarn}, gateway, true,
			`deleting this Gateway: ML013 gateway-not-found: VirtualService shop/web spec.gateways[0]: gateway "shop/public"`},
		{"destination rule in warn mode", handlerConfig{mode: ModeWarn}, dr, true,
			`deleting this DestinationRule: ML012 undefined-subset: VirtualService shop/web`},
		{"gateway in enforce mode without deny-deletes", handlerConfig{mode: ModeEnforce}, gateway, true,
			`deleting this Gateway: ML013 gateway-not-found`},
		{"gateway in enforce mode with deny-deletes", handlerConfig{mode: ModeEnforce, denyDeletes: true}, gateway, false,
			`meshlint denied deleting this Gateway: ML013 gateway-not-found: VirtualService shop/web`},
		{"unreferenced gateway", handlerConfig{mode: ModeEnforce, denyDeletes: true}, unrelated, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.checks = checks.Registry()
			h := newTestHandler(t, tc.cfg, gateway, vs, dr, unrelated)
			resp := handle(h, deleteRequest(t, tc.deleted))
			if resp.Allowed != tc.wantAllowed {
				t.Fatalf("allowed = %v, want %v (%+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			all := append([]string{resp.Result.Message}, resp.Warnings...)
			if tc.want == "" {
				if len(resp.Warnings) > 0 {
					t.Errorf("warnings for a removal that breaks nothing: %q", resp.Warnings)
				}
				return
			}
			for _, w := range all {
				if strings.Contains(w, tc.want) {
					return
				}
			}
			t.Errorf("nothing contains %q: %q", tc.want, all)
		})
	}
}

// TestAbsenceConfirmedLive: a Gateway created a moment before its
// VirtualService may not be in the informer cache yet. ML013 asks the API
// server (here a LiveGetter that has it) before calling it missing, and
// still reports a Gateway the API server does not have either.
func TestAbsenceConfirmedLive(t *testing.T) {
	const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web.example.com]
  gateways: [public, missing]
  http:
  - route:
    - destination: {host: web}
`
	fresh := decodeAll(t, `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`)[0]
	var asked []lint.Key
	h := newTestHandler(t, handlerConfig{mode: ModeWarn, checks: []*lint.Check{checks.GatewayNotFound}})
	h.opts.Live = func(_ context.Context, k lint.Key) (*lint.Resource, bool, error) {
		asked = append(asked, k)
		if k == fresh.Key() {
			return fresh, true, nil
		}
		return nil, false, nil
	}
	resp := handle(h, request(t, admissionv1.Create, vs))
	want := []string{`ML013 gateway-not-found: spec.gateways[1]: gateway "shop/missing" does not exist; no gateway applies these routes and…`}
	if !slices.Equal(resp.Warnings, want) {
		t.Errorf("warnings = %q, want %q", resp.Warnings, want)
	}
	if len(asked) == 0 {
		t.Error("the API server was never asked")
	}
}
