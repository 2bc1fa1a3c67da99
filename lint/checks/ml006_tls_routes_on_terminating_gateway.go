package checks

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// TLSRoutesOnTerminatingGateway is ML006 tls-routes-on-terminating-gateway.
var TLSRoutesOnTerminatingGateway = &lint.Check{
	ID:       "ML006",
	Name:     "tls-routes-on-terminating-gateway",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Reads:    []lint.Kind{lint.KindGateway},
	Tables:   []*lint.Table{VirtualServicesByGateway},
	Summary:  "A VirtualService has tls routes for a host whose Gateway server terminates TLS; they never match.",
	Doc: `The mirror of http-routes-on-passthrough-gateway (ML002). A VirtualService has tls routes
(spec.tls) and is bound to a Gateway whose server for its host terminates TLS: protocol HTTPS with
tls.mode SIMPLE, MUTUAL, ISTIO_MUTUAL or OPTIONAL_MUTUAL. The gateway decrypts the connection before
any route is evaluated, so it only looks for http routes; the tls routes never match and requests
get 404 (istioctl proxy-config routes shows no route for the host).

Fires when the VirtualService has tls routes, is bound to at least one visible Gateway (spec.gateways,
"mesh" aside) with a server that accepts one of its hosts, and every such server that carries TLS
terminates it. Server hosts are matched as Istio binds them: ns/host only for VirtualServices in ns,
./host for the Gateway's namespace, */host and a plain host for all; * and *.example.com match as
wildcards. The finding is on spec.tls and names a host and the first terminating server.

Quiet when: a PASSTHROUGH server matches one of the hosts, on any bound Gateway; the
VirtualService has no tls routes; every tls route is scoped away from the terminating servers by
match.gateways (mesh only, for in-mesh clients) or match.port (another port); no bound Gateway is
visible (gateway-not-found, ML013, reports that) or none of their servers accepts the hosts
(host-not-in-gateway, ML014).

Choices where the catalog is silent:
- Only servers that carry TLS (protocol HTTPS or TLS) count as matching servers for tls routes: a
  plain HTTP server next to the HTTPS one (port 80 with httpsRedirect is the usual pair) never sees
  tls routes either, so it neither fires nor silences the check.
- A matching protocol TLS server with a terminating mode keeps the check quiet: it terminates and
  then forwards with tcp routes, so its failure is not the 404 this check describes.
- An HTTPS server without a tls block is invalid (the API server rejects it) and is treated like the
  TLS server above. A tls block without mode is PASSTHROUGH, the API's default.
- AUTO_PASSTHROUGH (east-west gateways, which route on SNI without consulting VirtualServices) is not
  PASSTHROUGH, as in ML002, but it does not terminate either: a matching AUTO_PASSTHROUGH server
  keeps the check quiet.
- The hosts of the VirtualService are taken together: one passthrough server for any of them keeps
  the check quiet.`,
	Example: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gateway
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
    - "*"
    tls:
      mode: SIMPLE
      credentialName: sds-credential
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
  namespace: default
spec:
  hosts:
  - "*.example.com"
  gateways:
  - istio-system/gateway
  tls:
  - match:
    - sniHosts:
      - "*.example.com"
    route:
    - destination:
        host: httpbin.org
`,
	Remediation: "Replace the tls routes with http routes, since the gateway has already decrypted the traffic, or set the Gateway server's tls.mode to PASSTHROUGH to route on SNI.",
	Run:         runTLSRoutesOnTerminatingGateway,
	Affects:     affectsBoundVirtualServices,
}

func runTLSRoutesOnTerminatingGateway(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	if vs == nil || len(vs.Spec.GetTls()) == 0 {
		return
	}
	var first *BoundServer
	for _, bs := range MatchingServers(pass.View, pass.Resource) {
		switch serverTLSKind(bs.Server) {
		case serverPassthrough, serverTLSOther:
			return
		case serverTerminates:
			if !tlsRoutesReach(vs.Spec.GetTls(), pass.Resource.Namespace(), bs.Ref, bs.Server.GetPort().GetNumber()) {
				continue // every tls route is scoped to other gateways (mesh) or ports
			}
			if first == nil {
				first = &bs
			}
		}
	}
	if first == nil {
		return
	}
	s := first.Server
	host := ""
	gwNS := first.Gateway.Namespace()
	for _, h := range vs.Spec.GetHosts() {
		forms := []string{strings.ToLower(h), ExpandHost(h, pass.Resource.Namespace(), pass.Mesh.DomainSuffix)}
		if serverAccepts(s, gwNS, pass.Resource.Namespace(), forms, false) {
			host = h
			break
		}
	}
	pass.Report("spec.tls", "tls routes for %q never match: server %d of gateway %s terminates TLS (%s), so requests get 404",
		host, s.GetPort().GetNumber(), first.Ref, s.GetTls().GetMode())
}

// tlsRoutesReach reports whether any of the tls routes, in a VirtualService
// of namespace ns, can match traffic of the server on port of the Gateway
// gwRef: a route without match, or with a match whose port and gateways do
// not exclude that server (as httpRoutesReach does for http routes).
func tlsRoutesReach(routes []*networkingapi.TLSRoute, ns, gwRef string, port uint32) bool {
	for _, rt := range routes {
		if matchesReach(rt.GetMatch(), ns, gwRef, port) {
			return true
		}
	}
	return false
}
