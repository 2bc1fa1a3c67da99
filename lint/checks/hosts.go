package checks

import (
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// ExpandHost turns a host as written in a VirtualService or DestinationRule
// in namespace ns into the name Istio resolves it to: "reviews" becomes
// "reviews.<ns>.svc.<domainSuffix>", "reviews.prod" becomes
// "reviews.prod.svc.<domainSuffix>". Wildcards, IPs and names with two or
// more dots are returned as they are (lowercased).
func ExpandHost(host, ns, domainSuffix string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" || host == "*" || strings.HasPrefix(host, "*") {
		return host
	}
	if domainSuffix == "" {
		domainSuffix = "cluster.local"
	}
	switch strings.Count(host, ".") {
	case 0:
		if isIP(host) {
			return host
		}
		return host + "." + ns + ".svc." + domainSuffix
	case 1:
		if isIP(host) {
			return host
		}
		return host + ".svc." + domainSuffix
	}
	return host
}

func isIP(s string) bool {
	if strings.Contains(s, ":") {
		return true
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' && c != '/' {
			return false
		}
	}
	return s != ""
}

// IsServiceHost reports whether an expanded host is a Kubernetes service
// name (*.svc.<domainSuffix>).
func IsServiceHost(host, domainSuffix string) bool {
	if domainSuffix == "" {
		domainSuffix = "cluster.local"
	}
	return strings.HasSuffix(host, ".svc."+domainSuffix) && !strings.HasPrefix(host, "*")
}

// HostMatches reports whether host a matches pattern b or b matches a, as
// Istio matches hosts: "*.example.com" matches "a.example.com" and
// "a.b.example.com" but not "example.com"; "*" matches everything. Both
// hosts must already be expanded.
func HostsOverlap(a, b string) bool {
	if a == b || a == "*" || b == "*" {
		return true
	}
	aw, bw := strings.HasPrefix(a, "*"), strings.HasPrefix(b, "*")
	switch {
	case aw && bw:
		// *.example.com and *.a.example.com overlap: one suffix contains the other.
		as, bs := a[1:], b[1:]
		return strings.HasSuffix(as, bs) || strings.HasSuffix(bs, as)
	case aw:
		return strings.HasSuffix(b, a[1:])
	case bw:
		return strings.HasSuffix(a, b[1:])
	}
	return false
}

// HostCovers reports whether pattern covers host entirely: every name that
// host stands for is matched by pattern.
func HostCovers(pattern, host string) bool {
	if pattern == "*" || pattern == host {
		return true
	}
	if strings.HasPrefix(pattern, "*") {
		suffix := pattern[1:] // ".example.com"
		if strings.HasPrefix(host, "*") {
			return strings.HasSuffix(host[1:], suffix)
		}
		return strings.HasSuffix(host, suffix)
	}
	return false
}

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

// SelectorSubset reports whether every label of a is in b with the same
// value (equal maps included). An empty a is a subset of everything.
func SelectorSubset(a, b map[string]string) bool {
	if len(a) > len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// SameWorkload reports whether two Gateway selectors pick the same gateway
// workload: one is a subset of the other.
func SameWorkload(a, b map[string]string) bool {
	return SelectorSubset(a, b) || SelectorSubset(b, a)
}
