package checks

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// GatewayRef normalises a VirtualService's spec.gateways entry: "mesh"
// stays "mesh", "name" becomes "<vsNamespace>/name", "ns/name" is kept.
func GatewayRef(entry, vsNamespace string) string {
	if entry == "mesh" {
		return "mesh"
	}
	if strings.Contains(entry, "/") {
		return entry
	}
	// Istio also accepts name.namespace.svc.cluster.local style gateway names;
	// those with dots are taken as <name>.<namespace>.
	if i := strings.IndexByte(entry, '.'); i > 0 {
		rest := entry[i+1:]
		if j := strings.IndexByte(rest, '.'); j > 0 {
			rest = rest[:j]
		}
		return rest + "/" + entry[:i]
	}
	return vsNamespace + "/" + entry
}

// SplitRef splits "ns/name" into its parts.
func SplitRef(ref string) (ns, name string) {
	i := strings.IndexByte(ref, '/')
	if i < 0 {
		return "", ref
	}
	return ref[:i], ref[i+1:]
}

// VirtualServiceGateways returns the normalised gateway refs a
// VirtualService binds to; no gateways field means ["mesh"].
func VirtualServiceGateways(r *lint.Resource) []string {
	vs := r.VirtualService()
	if vs == nil {
		return nil
	}
	gws := vs.Spec.GetGateways()
	if len(gws) == 0 {
		return []string{"mesh"}
	}
	out := make([]string, 0, len(gws))
	for _, g := range gws {
		out = append(out, GatewayRef(g, r.Namespace()))
	}
	return out
}

// ServerHost is a Gateway server host split into its namespace part and the
// host: "ns/host" applies to VirtualServices in ns, "*/host" or "host" to
// all, "./host" to the Gateway's own namespace.
type ServerHost struct {
	Namespace string // "*" for any
	Host      string
}

// ParseServerHost parses a Gateway server host in a Gateway of namespace gwNS.
func ParseServerHost(h, gwNS string) ServerHost {
	h = strings.ToLower(h)
	i := strings.IndexByte(h, '/')
	if i < 0 {
		return ServerHost{Namespace: "*", Host: h}
	}
	ns, host := h[:i], h[i+1:]
	if ns == "." {
		ns = gwNS
	}
	return ServerHost{Namespace: ns, Host: host}
}

// Accepts reports whether a VirtualService in vsNS with (expanded) host may
// bind to this server host.
func (s ServerHost) Accepts(vsNS, host string) bool {
	if s.Namespace != "*" && s.Namespace != vsNS {
		return false
	}
	return HostsOverlap(s.Host, host)
}

// scopedMatch is what http and tls route matches share to scope a route to
// a port and to gateways.
type scopedMatch interface {
	GetPort() uint32
	GetGateways() []string
}

// matchesReach reports whether a route with these matches, in a
// VirtualService of namespace ns, can match traffic of the server on port of
// the Gateway gwRef: no match at all, or a match whose port and gateways do
// not exclude that server.
func matchesReach[M scopedMatch](matches []M, ns, gwRef string, port uint32) bool {
	if len(matches) == 0 {
		return true
	}
	for _, m := range matches {
		if m.GetPort() != 0 && m.GetPort() != port {
			continue
		}
		if gws := m.GetGateways(); len(gws) > 0 && !refListed(gws, ns, gwRef) {
			continue
		}
		return true
	}
	return false
}

type serverTLS int

// serverTLSKind classifies a Gateway server for tls routes.
func serverTLSKind(s *networkingapi.Server) serverTLS {
	proto := strings.ToUpper(s.GetPort().GetProtocol())
	if proto != "HTTPS" && proto != "TLS" {
		return serverPlain
	}
	tls := s.GetTls()
	if tls == nil {
		return serverTLSOther
	}
	switch tls.GetMode() {
	case networkingapi.ServerTLSSettings_PASSTHROUGH:
		return serverPassthrough
	case networkingapi.ServerTLSSettings_AUTO_PASSTHROUGH:
		return serverTLSOther
	}
	if proto == "HTTPS" {
		return serverTerminates
	}
	return serverTLSOther
}

// A BoundServer is a server of a Gateway that a VirtualService is bound to.
type BoundServer struct {
	Gateway *lint.Resource // the Gateway
	Ref     string         // "ns/name", as the VirtualService's spec.gateways entry resolves
	Index   int            // position in the Gateway's spec.servers
	Server  *networkingapi.Server
}

// MatchingServersAnyNamespace is MatchingServers for a VirtualService given
// without metadata.namespace: it may be applied into any namespace, so a
// server host's namespace part ("bookinfo/*") does not exclude it.
func MatchingServersAnyNamespace(v lint.View, vs *lint.Resource) []BoundServer {
	return matchingServers(v, vs, true)
}

// MatchingServers returns the servers of the visible Gateways (every variant
// of each, in files) a VirtualService is bound to (spec.gateways, "mesh" excluded) that accept one
// of its hosts, taking server host namespaces into account; in spec.gateways
// order, then server order. A VirtualService host is compared both as written
// and expanded (reviews in prod is also reviews.prod.svc.cluster.local), as
// ML014 does. Gateways that are not visible are skipped (ML013 reports them);
// the lookups read KindGateway.
func MatchingServers(v lint.View, vs *lint.Resource) []BoundServer {
	return matchingServers(v, vs, false)
}

func matchingServers(v lint.View, vs *lint.Resource, anyNamespace bool) []BoundServer {
	spec := vs.VirtualService()
	if spec == nil {
		return nil
	}
	ns := vs.Namespace()
	suffix := v.Mesh().DomainSuffix
	var hosts []string
	for _, h := range spec.Spec.GetHosts() {
		raw := strings.ToLower(strings.TrimSpace(h))
		hosts = append(hosts, raw)
		if exp := ExpandHost(h, ns, suffix); exp != raw {
			hosts = append(hosts, exp)
		}
	}
	var out []BoundServer
	seen := map[string]bool{}
	for _, ref := range VirtualServiceGateways(vs) {
		if ref == "mesh" || seen[ref] {
			continue
		}
		seen[ref] = true
		gns, name := SplitRef(ref)
		for _, gw := range v.Variants(lint.Key{Kind: lint.KindGateway, Namespace: gns, Name: name}) {
			if gw.Gateway() == nil {
				continue
			}
			for i, s := range gw.Gateway().Spec.GetServers() {
				if serverAccepts(s, gns, ns, hosts, anyNamespace) {
					out = append(out, BoundServer{Gateway: gw, Ref: ref, Index: i, Server: s})
				}
			}
		}
	}
	return out
}

func serverAccepts(s *networkingapi.Server, gwNS, vsNS string, hosts []string, anyNamespace bool) bool {
	for _, sh := range s.GetHosts() {
		p := ParseServerHost(sh, gwNS)
		if anyNamespace {
			p.Namespace = "*"
		}
		for _, h := range hosts {
			if p.Accepts(vsNS, h) {
				return true
			}
		}
	}
	return false
}

const (
	serverPlain       serverTLS = iota // no TLS: HTTP, HTTP2, GRPC, TCP, ...
	serverTerminates                   // HTTPS with SIMPLE, MUTUAL, ISTIO_MUTUAL, OPTIONAL_MUTUAL
	serverPassthrough                  // PASSTHROUGH or AUTO_PASSTHROUGH
	serverTLSOther                     // carries TLS, neither of the above: TLS protocol terminating, AUTO_PASSTHROUGH, HTTPS without tls
)

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
