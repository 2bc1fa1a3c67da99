package checks

import (
	"fmt"
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// HostNotInGateway is ML014 host-not-in-gateway.
var HostNotInGateway = &lint.Check{
	ID:       "ML014",
	Name:     "host-not-in-gateway",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Reads:    []lint.Kind{lint.KindGateway},
	Tables:   []*lint.Table{VirtualServicesByGateway},
	Summary:  "A VirtualService bound to a Gateway has no host that any of the Gateway's servers accepts.",
	Doc: `A VirtualService is bound to a Gateway (spec.gateways), but none of its hosts is accepted by any
server of that Gateway. Istio drops the binding: the gateway has no virtual host for the
VirtualService's hosts and answers 404 (NR).

Fires on each spec.gateways entry naming a visible Gateway where no pair of a VirtualService host
and a server host matches. A server host matches when its host part overlaps the VirtualService host
as Istio matches hosts (*.example.com matches a.example.com; * matches everything) and its namespace
part admits the VirtualService: ns/host only VirtualServices in ns, ./host only those in the
Gateway's namespace, */host and a plain host all of them.

Quiet when: one host of the VirtualService matches one server host; the entry is mesh; the Gateway
is not visible (ML013 gateway-not-found reports that); the Gateway has no servers at all (Istio's
validation rejects such a Gateway; the mismatch is not the VirtualService's).

Choices where the catalog is silent:
- When the files define the Gateway several times, the binding holds when any variant accepts one of
  the hosts. A VirtualService given without metadata.namespace may be applied into any namespace, so
  a server host's namespace part (bookinfo/*) does not exclude it.
- One matching host is enough: a VirtualService that lists more hosts than the Gateway serves is a
  common, harmless pattern (one VirtualService for the mesh and the gateway).
- A VirtualService host is compared both as written and expanded (reviews in namespace prod is also
  reviews.prod.svc.cluster.local), so a short host matches a server host written either way.
- A VirtualService without hosts (a delegate) is skipped.`,
	Example: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: public
  namespace: istio-system
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - "shop/*.example.com"
    tls:
      mode: SIMPLE
      credentialName: example-cert
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: blog
  namespace: blog
spec:
  hosts:
  - blog.example.com
  gateways:
  - istio-system/public
  http:
  - route:
    - destination:
        host: blog
`,
	Remediation: "Add the VirtualService's host to a server of the Gateway (with a namespace part that admits the VirtualService's namespace), or bind the VirtualService to the Gateway that serves its host.",
	Run:         runHostNotInGateway,
	Affects:     affectsBoundVirtualServices,
}

func runHostNotInGateway(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	if vs == nil || len(vs.Spec.GetHosts()) == 0 {
		return
	}
	ns := pass.Resource.Namespace()
	served := map[string]bool{}
	servers := MatchingServers
	if pass.Resource.DefaultNamespace {
		servers = MatchingServersAnyNamespace // its namespace is the user's choice
	}
	for _, b := range servers(pass.View, pass.Resource) {
		served[b.Ref] = true
	}
	for i, g := range vs.Spec.GetGateways() {
		ref := GatewayRef(g, ns)
		if ref == "mesh" || served[ref] {
			continue
		}
		gns, name := SplitRef(ref)
		gw := pass.View.Get(lint.Key{Kind: lint.KindGateway, Namespace: gns, Name: name})
		if gw == nil || gw.Gateway() == nil {
			continue
		}
		if EveryVariant(pass.View, gw, func(g *lint.Resource) bool { return len(g.Gateway().Spec.GetServers()) == 0 }) {
			continue // a Gateway without servers is invalid in itself (Istio rejects it), not a host mismatch
		}
		// served holds ref when any variant of the Gateway accepts a host.
		pass.Report(fmt.Sprintf("spec.gateways[%d]", i), "no server of gateway %q accepts %s from namespace %q; the gateway answers 404 for them",
			ref, quotedHostList(vs.Spec.GetHosts(), 2), ns)
	}
}

// quotedHostList quotes up to max strings, comma-separated, noting how many more
// there are.
func quotedHostList(ss []string, max int) string {
	if len(ss) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, s := range ss {
		if i == max {
			fmt.Fprintf(&b, " and %d more", len(ss)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", s)
	}
	return b.String()
}
