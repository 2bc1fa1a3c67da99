package lint

import (
	"strings"
)

// ServiceHost returns the expanded host of a core/v1 Service: its
// <name>.<ns>.svc.<domainSuffix>, with the suffix of a Normalized Mesh.
func ServiceHost(name, ns, domainSuffix string) string {
	return strings.ToLower(name + "." + ns + ".svc." + domainSuffix)
}

// HostFileKeys returns the keys a record for host is filed under: the host
// itself and ~suffix for each of its parent domains, so that a wildcard
// query finds the records it covers.
func HostFileKeys(host string) []string {
	keys := []string{host}
	rest := host
	if strings.HasPrefix(rest, "*.") {
		rest = rest[2:]
		keys = append(keys, "~"+rest)
	}
	for {
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		keys = append(keys, "~"+rest)
	}
	return keys
}
