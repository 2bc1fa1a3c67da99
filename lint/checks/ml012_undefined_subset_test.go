package checks_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// TestVirtualServicesBySubsetHost checks that a DestinationRule's host finds
// the VirtualServices routing to one of its subsets, whatever their own
// hosts, including through a wildcard rule host.
func TestVirtualServicesBySubsetHost(t *testing.T) {
	rs, errs := load.Bytes("vs.yaml", []byte(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ingress
  namespace: web
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/public]
  http:
  - route:
    - destination: {host: reviews.bookinfo, subset: v1}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: mirror
  namespace: bookinfo
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratings}
    mirror: {host: reviews, subset: shadow}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: no-subset
  namespace: bookinfo
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: egress
  namespace: egress
spec:
  hosts: [api.example.com]
  tls:
  - match: [{sniHosts: [api.example.com]}]
    route:
    - destination: {host: api.example.com, subset: blue}
`), load.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ix := lint.NewIndex(lint.DefaultMesh(), false, []*lint.Table{checks.VirtualServicesBySubsetHost})
	for _, r := range rs {
		ix.Add(r)
	}
	tests := []struct {
		name string
		host string
		want []string
	}{
		{name: "exact host", host: "reviews.bookinfo.svc.cluster.local", want: []string{"bookinfo/mirror", "web/ingress"}},
		{name: "wildcard rule host", host: "*.example.com", want: []string{"egress/egress"}},
		{name: "no subset routes", host: "ratings.bookinfo.svc.cluster.local", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range lint.LookupHost(ix, checks.VirtualServicesBySubsetHost, tc.host) {
				got = append(got, r.Namespace()+"/"+r.Name())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("LookupHost(%q) differs (-want +got):\n%s", tc.host, diff)
			}
		})
	}
}
