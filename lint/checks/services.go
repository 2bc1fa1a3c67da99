package checks

import (
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// registryHost is what the service registry says about an expanded host.
type registryHost struct {
	// defined: a visible Service or ServiceEntry defines it (or, in
	// files, may: see hostDefined).
	defined bool
	// service is the host's Kubernetes Service when visible (the first
	// variant), nil otherwise.
	service *lint.Resource
	// inCluster: a <name>.<namespace>.svc.<domainSuffix> host.
	inCluster bool
	// partial: in files, the host is not a near miss of one the input
	// defines, so its absence says nothing (the input is partial).
	partial bool
	// suggest is the defined name the host is a near miss of.
	suggest string
}

// lookupRegistryHost finds an expanded host in the visible registry.
// written is the host as the referring resource spells it, from is the
// referring resource.
func lookupRegistryHost(v lint.View, host, written string, from *lint.Resource) registryHost {
	m := v.Mesh()
	var out registryHost
	out.inCluster = IsServiceHost(host, m.DomainSuffix)
	if svcs := v.Lookup(ServicesByHost, host); len(svcs) > 0 {
		out.defined, out.service = true, svcs[0]
		return out
	}
	if host == lint.ServiceHost("kubernetes", "default", m.DomainSuffix) {
		out.defined = true
		return out
	}
	for _, se := range lint.LookupHost(v, ServiceEntriesByHost, host) {
		for _, h := range se.ServiceEntry().Spec.GetHosts() {
			if HostCovers(ExpandHost(h, se.Namespace(), m.DomainSuffix), host) {
				out.defined = true
				return out
			}
		}
	}
	if !v.Full() && out.inCluster {
		name := serviceName(host)
		if v.Count(NamespacelessServices, name) > 0 {
			out.defined = true // a Service given without namespace, applied there
			return out
		}
		if from.DefaultNamespace && !strings.Contains(strings.TrimSpace(written), ".") && v.Count(ServicesByName, name) > 0 {
			out.defined = true // a short host of a namespace-less resource: any namespace
			return out
		}
	}
	if !v.Full() {
		// Files are a repository, not the registry: a host that no file
		// defines is reported only as a likely typo of one that a file
		// does define (reviws for reviews), never merely for being absent.
		out.partial = true
		if out.inCluster {
			ns := hostNamespace(host, "", m.DomainSuffix)
			name := serviceName(host)
			for _, r := range v.Lookup(ByNamespace(lint.KindService), ns) {
				if isTypo(name, r.Name()) {
					out.partial, out.suggest = false, r.Name()
					break
				}
			}
		} else {
			for _, r := range lint.LookupHost(v, ServiceEntriesByHost, "*."+baseDomain(host)) {
				for _, h := range r.ServiceEntry().Spec.GetHosts() {
					if isTypo(host, strings.ToLower(h)) {
						out.partial, out.suggest = false, h
					}
				}
			}
		}
	}
	return out
}

// isTypo reports whether got is a near miss of want: different, but within
// two single-character edits, and long enough for that to mean a typo.
func isTypo(got, want string) bool {
	if got == want || len(want) < 4 || strings.HasPrefix(want, "*") {
		return false
	}
	d := lint.EditDistance(got, want)
	return d > 0 && d <= 2 && d < len(want)/2
}

// affectsHostNotFound is the Affects of the checks that report a host
// matching no Service or ServiceEntry (ML017, ML018): the resources of
// table t for a changed Service's host or ServiceEntry's hosts.
func affectsHostNotFound(t *lint.Table) func(v lint.View, r *lint.Resource) []*lint.Resource {
	return func(v lint.View, r *lint.Resource) []*lint.Resource {
		m := v.Mesh()
		switch r.Kind {
		case lint.KindService:
			// In files, a Service's name decides which near misses of the
			// namespace are reported; with the whole cluster visible only
			// its own host matters.
			host := lint.ServiceHost(r.Name(), r.Namespace(), m.DomainSuffix)
			if !v.Full() {
				host = namespaceServiceHost(r.Namespace(), m)
			}
			out := lint.LookupHost(v, t, host)
			if r.DefaultNamespace {
				// Applied into any namespace, it may define <name> anywhere.
				out = append(out, lint.LookupHost(v, t, "*.svc."+strings.TrimPrefix(m.DomainSuffix, "."))...)
			}
			return out
		case lint.KindServiceEntry:
			var out []*lint.Resource
			for _, h := range hostsOf(r.ServiceEntry().Spec.GetHosts(), r.Namespace(), m) {
				out = append(out, lint.LookupHost(v, t, h)...)
				if !v.Full() { // near misses under the same domain
					out = append(out, lint.LookupHost(v, t, "*."+baseDomain(h))...)
				}
			}
			return out
		}
		return nil
	}
}
