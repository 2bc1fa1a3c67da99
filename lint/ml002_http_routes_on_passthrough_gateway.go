package lint

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
)

// HTTPRoutesOnPassthroughGateway is ML002 http-routes-on-passthrough-gateway:
// a VirtualService with http routes for a host that its Gateway passes
// through as TLS. The traffic stays encrypted, HTTP routing never sees it,
// and the http routes have no effect.
var HTTPRoutesOnPassthroughGateway = &Check{
	ID:       "ML002",
	Name:     "http-routes-on-passthrough-gateway",
	Severity: SeverityError,
	Kinds:    []Kind{KindVirtualService},
	Reads:    []Kind{KindGateway},
	Tables:   []*Table{VirtualServicesByGateway},
	Summary:  "A VirtualService has http routes for a host that its Gateway passes through as TLS; they never apply.",
	Doc: `Fires on spec.http, once per passthrough server, when the VirtualService has http
routes, is bound (spec.gateways) to a Gateway that is visible, a server of that
Gateway with tls.mode: PASSTHROUGH accepts one of the VirtualService's hosts
(server host namespaces included), and no tls route of any VirtualService bound
to that Gateway has sniHosts matching that host. Also fires, whatever tls routes
exist, when every server of the bound Gateways that accepts one of the
VirtualService's hosts is PASSTHROUGH: the http routes then apply nowhere.

Quiet when the same VirtualService, or another one bound to the same Gateway,
has a tls route whose sniHosts match the host (and some server of the bound
Gateways serves HTTP or terminates TLS for the VirtualService); when the only
matching servers are plain HTTP or terminate TLS; when the Gateway is not
visible (gateway-not-found reports that).

Why: passthrough traffic stays encrypted, so HTTP routing never sees it. The http
routes have no effect, and without a tls route the gateway has nowhere to send
the connection.

Choices where the catalog is silent:
  - A tls route counts for a server when its match has no port or the server's
    port, and no gateways or that Gateway. sniHosts match the host when they
    overlap it (*.example.com matches a.example.com), expanded like hosts.
  - AUTO_PASSTHROUGH servers (east-west gateways, where VirtualServices are not
    consulted) are not treated as PASSTHROUGH.`,
	Example: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: public
  namespace: shop
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
      mode: PASSTHROUGH
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
  namespace: shop
spec:
  hosts:
  - web.example.com
  gateways:
  - public
  http:
  - route:
    - destination:
        host: web
`,
	Remediation: "Route the passthrough server with tls routes whose match lists sniHosts, or terminate TLS at the gateway (tls.mode: SIMPLE) to keep http routes.",
	Run:         runHTTPRoutesOnPassthroughGateway,
}

// passthroughServer is a PASSTHROUGH server that accepts a host of the
// VirtualService under check.
type passthroughServer struct {
	gwRef string
	index int
	port  uint32
	hosts []string // the VirtualService's hosts it accepts (expanded)
}

func runHTTPRoutesOnPassthroughGateway(pass *Pass) {
	r := pass.Resource
	vs := r.VirtualService()
	if len(vs.Spec.GetHttp()) == 0 {
		return
	}
	var hosts []string
	for _, h := range vs.Spec.GetHosts() {
		hosts = append(hosts, ExpandHost(h, r.Namespace(), pass.Mesh.DomainSuffix))
	}
	var pts []*passthroughServer
	matching, others := 0, 0
	for _, ref := range VirtualServiceGateways(r) {
		if ref == "mesh" {
			continue
		}
		ns, name := SplitRef(ref)
		gwr := pass.View.Get(Key{Kind: KindGateway, Namespace: ns, Name: name})
		if gwr == nil {
			continue
		}
		for si, srv := range gwr.Gateway().Spec.GetServers() {
			var accepted []string
			for _, h := range hosts {
				for _, sh := range srv.GetHosts() {
					if ParseServerHost(sh, gwr.Namespace()).Accepts(r.Namespace(), h) {
						accepted = append(accepted, h)
						break
					}
				}
			}
			if len(accepted) == 0 {
				continue
			}
			matching++
			if !isPassthroughServer(srv) {
				others++
				continue
			}
			pts = append(pts, &passthroughServer{gwRef: ref, index: si, port: srv.GetPort().GetNumber(), hosts: accepted})
		}
	}
	if matching == 0 {
		return
	}
	allPassthrough := others == 0
	for _, pt := range pts {
		uncovered := ""
		for _, h := range pt.hosts {
			if !tlsRouteCovers(pass, pt, h) {
				uncovered = h
				break
			}
		}
		switch {
		case uncovered != "":
			pass.Report("spec.http",
				"http routes for %q never apply: server %d of gateway %s passes TLS through and no tls route matches it", uncovered, pt.port, pt.gwRef)
		case allPassthrough:
			pass.Report("spec.http",
				"http routes for %q never apply: server %d of gateway %s passes TLS through, and no bound server serves HTTP for it", pt.hosts[0], pt.port, pt.gwRef)
		}
	}
}

// tlsRouteCovers reports whether a tls route of a VirtualService bound to the
// server's Gateway matches host by SNI on that server.
func tlsRouteCovers(pass *Pass, pt *passthroughServer, host string) bool {
	for _, other := range pass.View.Lookup(VirtualServicesByGateway, pt.gwRef) {
		for _, tr := range other.VirtualService().Spec.GetTls() {
			for _, m := range tr.GetMatch() {
				if m.GetPort() != 0 && m.GetPort() != pt.port {
					continue
				}
				if gws := m.GetGateways(); len(gws) > 0 && !refListed(gws, other.Namespace(), pt.gwRef) {
					continue
				}
				for _, sni := range m.GetSniHosts() {
					if HostsOverlap(ExpandHost(sni, other.Namespace(), pass.Mesh.DomainSuffix), host) {
						return true
					}
				}
			}
		}
	}
	return false
}

// refListed reports whether a list of gateway entries, written in a
// VirtualService of namespace ns, names the normalised ref.
func refListed(entries []string, ns, ref string) bool {
	for _, e := range entries {
		if GatewayRef(strings.TrimSpace(e), ns) == ref {
			return true
		}
	}
	return false
}

// isPassthroughServer reports whether a Gateway server passes TLS through.
// PASSTHROUGH is the zero value of tls.mode, so a server without a tls block,
// or an HTTP server with only httpsRedirect, must not count as one.
func isPassthroughServer(srv *networkingapi.Server) bool {
	if srv.GetTls() == nil || srv.GetTls().GetMode() != networkingapi.ServerTLSSettings_PASSTHROUGH {
		return false
	}
	switch strings.ToUpper(strings.TrimSpace(srv.GetPort().GetProtocol())) {
	case "HTTPS", "TLS":
		return true
	}
	return false
}
