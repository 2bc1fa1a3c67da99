package checks

import (
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// Helpers for the checks' Affects functions: each maps a changed resource
// to the resources whose findings it can change, through tables.

// boundVirtualServices returns the VirtualServices bound to Gateway g (its
// ref ns/name in their spec.gateways).
func boundVirtualServices(v lint.View, g *lint.Resource) []*lint.Resource {
	return v.Lookup(VirtualServicesByGateway, g.Namespace()+"/"+g.Name())
}

// namespaceServiceHost is the wildcard host that covers every Kubernetes
// service host of namespace ns: *.ns.svc.<domainSuffix>.
func namespaceServiceHost(ns string, m *lint.Mesh) string {
	return "*." + ns + ".svc." + m.DomainSuffix
}

// destinationRulesInNamespace returns the DestinationRules for hosts of
// namespace ns's services, and those whose host spans namespaces (*,
// *.local, *.cluster.local, *.svc.cluster.local).
func destinationRulesInNamespace(v lint.View, ns string) []*lint.Resource {
	m := v.Mesh()
	return append(lint.LookupHost(v, DestinationRulesByHost, namespaceServiceHost(ns, m)), spanningDestinationRules(v)...)
}

// spanningDestinationRules returns the DestinationRules whose host spans
// namespaces: "*" and the wildcards above the service domain.
func spanningDestinationRules(v lint.View) []*lint.Resource {
	m := v.Mesh()
	out := v.Lookup(DestinationRulesByHost, "*")
	suffix := ".svc." + m.DomainSuffix
	for {
		out = append(out, v.Lookup(DestinationRulesByHost, suffix)...) // filed as ".svc.cluster.local" for "*.svc.cluster.local"
		i := strings.IndexByte(suffix[1:], '.')
		if i < 0 {
			break
		}
		suffix = suffix[i+1:]
	}
	return out
}

// hostsOf expands hosts written in namespace ns.
func hostsOf(hosts []string, ns string, m *lint.Mesh) []string {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, ExpandHost(h, ns, m.DomainSuffix))
		}
	}
	return out
}

// lookupHosts returns the resources of host table t overlapping any of hosts.
func lookupHosts(v lint.View, t *lint.Table, hosts []string) []*lint.Resource {
	var out []*lint.Resource
	for _, h := range hosts {
		out = append(out, lint.LookupHost(v, t, h)...)
	}
	return out
}

// affectsBoundVirtualServices: a Gateway's bound VirtualServices, for the
// checks that read the Gateways a VirtualService is bound to.
func affectsBoundVirtualServices(v lint.View, r *lint.Resource) []*lint.Resource {
	if r.Kind == lint.KindGateway || r.Kind == lint.KindGatewayAPIGateway {
		return boundVirtualServices(v, r)
	}
	return nil
}
