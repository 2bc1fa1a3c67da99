package checks

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// HTTPRoutesOnPassthroughGateway is ML002 http-routes-on-passthrough-gateway:
// a VirtualService with http routes for a host that its Gateway passes
// through as TLS. The traffic stays encrypted, HTTP routing never sees it,
// and the http routes have no effect.
var HTTPRoutesOnPassthroughGateway = &lint.Check{
	ID:       "ML002",
	Name:     "http-routes-on-passthrough-gateway",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Reads:    []lint.Kind{lint.KindGateway},
	Tables:   []*lint.Table{VirtualServicesByGateway},
	Summary:  "A VirtualService has http routes for a host that its Gateway passes through as TLS; they never apply.",
	Doc: `Fires on spec.http, once per passthrough server, when the VirtualService has http
routes, is bound (spec.gateways) to a Gateway that is visible, a server of that
Gateway with tls.mode: PASSTHROUGH accepts one of the VirtualService's hosts
(server host namespaces included), and no tls route of any VirtualService bound
to that Gateway has sniHosts matching that host. Also fires, whatever tls routes
exist, when every server of the bound Gateways that accepts one of the
VirtualService's hosts is PASSTHROUGH: the http routes then apply nowhere (unless
the VirtualService is also bound to mesh and an http route reaches the sidecars,
see below).

Quiet when the same VirtualService, or another one bound to the same Gateway,
has a tls route whose sniHosts match the host (and some server of the bound
Gateways serves HTTP or terminates TLS for the VirtualService); when the only
matching servers are plain HTTP or terminate TLS; when the Gateway is not
visible (gateway-not-found reports that).

Why: passthrough traffic stays encrypted, so HTTP routing never sees it. The http
routes have no effect, and without a tls route the gateway has nowhere to send
the connection.

Choices where the catalog is silent:
  - Hosts, server hosts and sniHosts are compared both as written and expanded
    (MatchingServers, shared with tls-routes-on-terminating-gateway and
    host-not-in-gateway), so a one-dot host such as bookinfo.com matches a
    server host bookinfo.com.
  - A tls route counts for a server when its match has no port or the server's
    port, and no gateways or that Gateway. sniHosts match the host when they
    overlap it (*.example.com matches a.example.com).
  - A server passes TLS through when it has a tls block with mode PASSTHROUGH
    and protocol HTTPS or TLS: PASSTHROUGH is the zero value of tls.mode, so
    an HTTP server with only httpsRedirect is not one.
  - A passthrough server is skipped when every http route is scoped away from
    it by match.port (another port, e.g. an 80 redirect) or match.gateways
    (another Gateway): those routes do apply, on other servers.
  - AUTO_PASSTHROUGH servers (east-west gateways, where VirtualServices are not
    consulted) are not treated as PASSTHROUGH.
  - A VirtualService also bound to mesh whose http routes reach the sidecars (a
    route without match, or a match naming no gateways or mesh) is not reported
    for having only passthrough gateway servers: its http routes apply to
    in-mesh plaintext traffic, typically http:// calls to an external API whose
    https traffic goes through an egress gateway by SNI. A missing tls route for a
    passthrough server is still reported.
  - A passthrough server does not receive a host when a bound server on the same
    port of the same gateway workload terminates TLS for it with a more specific
    server host (portal.example.net next to a catch-all "*" or *.example.net):
    Envoy picks the filter chain with the most specific SNI match.`,
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
	Affects:     affectsHTTPRoutesOnPassthroughGateway,
}

// vsHost is a VirtualService host as written and as expanded; gateway
// server hosts and sniHosts are compared with both, as MatchingServers does
// ("example.com" must match a server host "example.com").
type vsHost struct{ raw, exp string }

func (h vsHost) overlaps(other vsHost) bool {
	return HostsOverlap(h.raw, other.raw) || HostsOverlap(h.exp, other.exp)
}

func newVSHost(h, ns, domainSuffix string) vsHost {
	return vsHost{raw: strings.ToLower(strings.TrimSpace(h)), exp: ExpandHost(h, ns, domainSuffix)}
}

func runHTTPRoutesOnPassthroughGateway(pass *lint.Pass) {
	r := pass.Resource
	vs := r.VirtualService()
	if len(vs.Spec.GetHttp()) == 0 {
		return
	}
	servers := MatchingServers(pass.View, r)
	if len(servers) == 0 {
		return // no visible Gateway, or none accepts the hosts (ML013, ML014)
	}
	// Bound to mesh with http routes that reach the sidecars, the routes do
	// apply somewhere, whatever the gateways do with them.
	allPassthrough := !httpRoutesReachMesh(r)
	for _, b := range servers {
		allPassthrough = allPassthrough && isPassthroughServer(b.Server)
	}
	for _, b := range servers {
		if !isPassthroughServer(b.Server) {
			continue
		}
		var accepted []vsHost
		for _, h := range vs.Spec.GetHosts() {
			vh := newVSHost(h, r.Namespace(), pass.Mesh.DomainSuffix)
			pt := serverHostFor(b.Server, b.Gateway.Namespace(), r.Namespace(), vh)
			if pt == "" || terminatedMoreSpecifically(servers, b, r.Namespace(), vh, pt) {
				continue
			}
			accepted = append(accepted, vh)
		}
		if len(accepted) == 0 {
			continue
		}
		port := b.Server.GetPort().GetNumber()
		if !httpRoutesReach(vs.Spec.GetHttp(), r.Namespace(), b.Ref, port) {
			continue // every http route is scoped to other ports or gateways
		}
		uncovered := ""
		for _, h := range accepted {
			if !tlsRouteCovers(pass, b.Ref, port, h) {
				uncovered = h.raw
				break
			}
		}
		if !EveryVariant(pass.View, b.Gateway, func(g *lint.Resource) bool { return passesThrough(g, r.Namespace(), port, accepted) }) {
			continue // another variant of the Gateway in the files treats these hosts otherwise
		}
		switch {
		case uncovered != "":
			pass.Report("spec.http",
				"http routes for %q never apply: server %d of gateway %s passes TLS through and no tls route matches it", uncovered, port, b.Ref)
		case allPassthrough:
			pass.Report("spec.http",
				"http routes for %q never apply: server %d of gateway %s passes TLS through, and no bound server serves HTTP for it", accepted[0].raw, port, b.Ref)
		}
	}
}

// passesThrough reports whether Gateway g has a PASSTHROUGH server on port
// that accepts every one of hosts from a VirtualService in vsNS.
func passesThrough(g *lint.Resource, vsNS string, port uint32, hosts []vsHost) bool {
	for _, h := range hosts {
		found := false
		for _, s := range g.Gateway().Spec.GetServers() {
			if s.GetPort().GetNumber() == port && isPassthroughServer(s) && serverHostFor(s, g.Namespace(), vsNS, h) != "" {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// serverHostFor returns the most specific host part of server s, in a
// Gateway of namespace gwNS, that accepts the VirtualService host h of a
// VirtualService in vsNS, or "" when none does.
func serverHostFor(s *networkingapi.Server, gwNS, vsNS string, h vsHost) string {
	best := ""
	for _, sh := range s.GetHosts() {
		p := ParseServerHost(sh, gwNS)
		if !p.Accepts(vsNS, h.raw) && !p.Accepts(vsNS, h.exp) {
			continue
		}
		if best == "" || subsetHostMoreSpecific(p.Host, best) {
			best = p.Host
		}
	}
	return best
}

// terminatedMoreSpecifically reports whether another of the bound servers,
// on the same port of the same gateway workload as the passthrough server
// pt, terminates TLS for all of host h with a server host more specific than
// ptHost. Envoy picks the filter chain with the most specific SNI match, so
// that host's connections are decrypted and never reach the passthrough
// server.
func terminatedMoreSpecifically(servers []BoundServer, pt BoundServer, vsNS string, h vsHost, ptHost string) bool {
	port := pt.Server.GetPort().GetNumber()
	sel := pt.Gateway.Gateway().Spec.GetSelector()
	for _, o := range servers {
		if o.Server.GetPort().GetNumber() != port || serverTLSKind(o.Server) != serverTerminates ||
			!SameWorkload(sel, o.Gateway.Gateway().Spec.GetSelector()) {
			continue
		}
		oh := serverHostFor(o.Server, o.Gateway.Namespace(), vsNS, h)
		if oh != "" && (HostCovers(oh, h.raw) || HostCovers(oh, h.exp)) && subsetHostMoreSpecific(oh, ptHost) {
			return true
		}
	}
	return false
}

// httpRoutesReach reports whether any of the http routes, in a
// VirtualService of namespace ns, can match traffic of the server on port of
// the Gateway gwRef: a route without match, or with a match whose port and
// gateways do not exclude that server.
func httpRoutesReach(routes []*networkingapi.HTTPRoute, ns, gwRef string, port uint32) bool {
	for _, rt := range routes {
		if matchesReach(rt.GetMatch(), ns, gwRef, port) {
			return true
		}
	}
	return false
}

// httpRoutesReachMesh reports whether a VirtualService is bound to mesh and
// one of its http routes can match sidecar traffic: a route without match,
// or with a match that names no gateways or names mesh.
func httpRoutesReachMesh(r *lint.Resource) bool {
	bound := false
	for _, g := range VirtualServiceGateways(r) {
		bound = bound || g == "mesh"
	}
	if !bound {
		return false
	}
	for _, rt := range r.VirtualService().Spec.GetHttp() {
		if len(rt.GetMatch()) == 0 {
			return true
		}
		for _, m := range rt.GetMatch() {
			if len(m.GetGateways()) == 0 || refListed(m.GetGateways(), r.Namespace(), "mesh") {
				return true
			}
		}
	}
	return false
}

// tlsRouteCovers reports whether a tls route of a VirtualService bound to the
// Gateway gwRef matches host by SNI on the server's port.
func tlsRouteCovers(pass *lint.Pass, gwRef string, port uint32, host vsHost) bool {
	for _, other := range pass.View.Lookup(VirtualServicesByGateway, gwRef) {
		for _, tr := range other.VirtualService().Spec.GetTls() {
			for _, m := range tr.GetMatch() {
				if m.GetPort() != 0 && m.GetPort() != port {
					continue
				}
				if gws := m.GetGateways(); len(gws) > 0 && !refListed(gws, other.Namespace(), gwRef) {
					continue
				}
				for _, sni := range m.GetSniHosts() {
					if newVSHost(sni, other.Namespace(), pass.Mesh.DomainSuffix).overlaps(host) {
						return true
					}
				}
			}
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

// affectsHTTPRoutesOnPassthroughGateway: a Gateway's bound VirtualServices;
// a VirtualService's tls routes quiet the others bound to its gateways.
func affectsHTTPRoutesOnPassthroughGateway(v lint.View, r *lint.Resource) []*lint.Resource {
	switch r.Kind {
	case lint.KindGateway:
		return boundVirtualServices(v, r)
	case lint.KindVirtualService:
		var out []*lint.Resource
		for _, ref := range VirtualServiceGateways(r) {
			if ref != "mesh" {
				out = append(out, v.Lookup(VirtualServicesByGateway, ref)...)
			}
		}
		return out
	}
	return nil
}
