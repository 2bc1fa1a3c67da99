package webhook

import (
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/meshlint/meshlint/lint"
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
			h := newTestHandler(t, handlerConfig{mode: ModeWarn, checks: lint.Registry()}, tc.cluster...)
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
