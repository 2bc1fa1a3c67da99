package checks

import (
	"strings"
)

// ExpandHost turns a host as written in a VirtualService or DestinationRule
// in namespace ns into the name Istio resolves it to: "reviews" becomes
// "reviews.<ns>.svc.<domainSuffix>", "reviews.prod" becomes
// "reviews.prod.svc.<domainSuffix>". Wildcards, IPs and names with two or
// more dots are returned as they are (lowercased). domainSuffix is the
// Mesh's (a View's Mesh is Normalized: never empty).
func ExpandHost(host, ns, domainSuffix string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" || host == "*" || strings.HasPrefix(host, "*") {
		return host
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
	return strings.HasSuffix(host, ".svc."+domainSuffix) && !strings.HasPrefix(host, "*")
}

// HostsOverlap reports whether host a matches pattern b or b matches a, as
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

// serviceName returns the service part of a Kubernetes service host
// (reviews of reviews.prod.svc.cluster.local), or "".
func serviceName(host string) string {
	if i := strings.Index(host, ".svc."); i > 0 {
		if j := strings.IndexByte(host[:i], '.'); j > 0 {
			return host[:j]
		}
	}
	return ""
}

// subsetHostMoreSpecific reports whether host pattern a is more specific than b:
// a concrete host beats a wildcard, a longer wildcard beats a shorter one.
func subsetHostMoreSpecific(a, b string) bool {
	aw, bw := strings.HasPrefix(a, "*"), strings.HasPrefix(b, "*")
	if aw != bw {
		return !aw
	}
	return len(a) > len(b)
}

// hostNamespace returns the namespace of a Kubernetes service host
// (reviews.prod.svc.cluster.local: prod), else def.
func hostNamespace(host, def, domainSuffix string) string {
	if ns, ok := strings.CutSuffix(host, ".svc."+strings.TrimPrefix(domainSuffix, ".")); ok {
		if i := strings.LastIndexByte(ns, '.'); i >= 0 {
			return ns[i+1:]
		}
	}
	return def
}

// baseDomain returns the last two labels of a host (api.pay.example.com:
// example.com), where ServiceEntry hosts that a typo may miss are looked up.
func baseDomain(host string) string {
	labels := strings.Split(host, ".")
	if len(labels) <= 2 {
		return host
	}
	return strings.Join(labels[len(labels)-2:], ".")
}

// istioFQDN resolves a host as Istio resolves rule hosts
// (ResolveShortnameToFQDN, ConvertHostToFQDN): only a name without a dot is
// completed with the namespace and the service domain.
func istioFQDN(h, ns, domainSuffix string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if h == "" || strings.HasPrefix(h, "*") || strings.Contains(h, ".") || isIP(h) {
		return h
	}
	return ExpandHost(h, ns, domainSuffix)
}

// isPlaceholder reports whether a host or reference is a placeholder that
// docs, charts and kustomize bases leave to be filled in (<your-host>,
// ${HOST}, $(HOST), {{ .Values.host }}, or a label that is a token such
// as IDENTITY_HOST, which kustomize replacements and envsubst fill in): a
// placeholder is not a mistake to report.
func isPlaceholder(h string) bool {
	if strings.Contains(h, "<") && strings.Contains(h, ">") || strings.Contains(h, "${") || strings.Contains(h, "$(") || strings.Contains(h, "{{") {
		return true
	}
	for start := 0; start < len(h); {
		end := strings.IndexAny(h[start:], "./")
		if end < 0 {
			end = len(h)
		} else {
			end += start
		}
		if isToken(h[start:end]) {
			return true
		}
		start = end + 1
	}
	return false
}

// isToken reports whether s is an upper-case token with underscores
// (API_HOST, DST_GATEWAY_NAME): letters, digits and at least one '_', not
// starting with a digit or '_', no lower case.
func isToken(s string) bool {
	if len(s) < 3 || s[0] < 'A' || s[0] > 'Z' || !strings.Contains(s, "_") || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
