package checks

import (
	"slices"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// Shared tables. Checks list the ones they use in Check.Tables.
var (
	// VirtualServicesByHost files VirtualServices by their expanded hosts.
	VirtualServicesByHost = lint.HostTable("virtualservices-by-host", lint.KindVirtualService, func(r *lint.Resource, m *lint.Mesh) []string {
		var out []string
		for _, h := range r.VirtualService().Spec.GetHosts() {
			out = append(out, ExpandHost(h, r.Namespace(), m.DomainSuffix))
		}
		return out
	})
	// DestinationRulesByHost files DestinationRules by their expanded host.
	DestinationRulesByHost = lint.HostTable("destinationrules-by-host", lint.KindDestinationRule, func(r *lint.Resource, m *lint.Mesh) []string {
		h := r.DestinationRule().Spec.GetHost()
		if h == "" {
			return nil
		}
		return []string{ExpandHost(h, r.Namespace(), m.DomainSuffix)}
	})
	// ServiceEntriesByHost files ServiceEntries by their hosts.
	ServiceEntriesByHost = lint.HostTable("serviceentries-by-host", lint.KindServiceEntry, func(r *lint.Resource, m *lint.Mesh) []string {
		var out []string
		for _, h := range r.ServiceEntry().Spec.GetHosts() {
			out = append(out, ExpandHost(h, r.Namespace(), m.DomainSuffix))
		}
		return out
	})
	// ServicesByHost files core/v1 Services by <name>.<ns>.svc.<domainSuffix>.
	ServicesByHost = lint.HostTable("services-by-host", lint.KindService, func(r *lint.Resource, m *lint.Mesh) []string {
		return []string{lint.ServiceHost(r.Name(), r.Namespace(), m.DomainSuffix)}
	})
	// VirtualServicesByGateway files VirtualServices by the normalised
	// gateway refs they bind to ("ns/name", or "mesh").
	VirtualServicesByGateway = &lint.Table{Name: "virtualservices-by-gateway", Kind: lint.KindVirtualService, Keys: func(r *lint.Resource, m *lint.Mesh) []string {
		return VirtualServiceGateways(r)
	}}
	// NamespacePeerAuthentications files PeerAuthentications that have no
	// selector (namespace-wide, or mesh-wide in the root namespace) by
	// namespace.
	NamespacePeerAuthentications = &lint.Table{Name: "peerauthentications-namespace-wide", Kind: lint.KindPeerAuthentication, Keys: func(r *lint.Resource, m *lint.Mesh) []string {
		if len(r.PeerAuthentication().Spec.GetSelector().GetMatchLabels()) > 0 {
			return nil
		}
		return []string{r.Namespace()}
	}}
)

// AllNamespaces is the key of a ByNamespace table under which every
// resource of the kind is filed, to count them.
const AllNamespaces = "*"

// ByNamespace returns a table filing resources of kind by namespace (and
// all of them under AllNamespaces): a
// check that says a referenced resource is missing counts it to learn
// whether the input holds anything of that kind in the namespace at all.
func ByNamespace(kind lint.Kind) *lint.Table {
	return byNamespace[kind]
}

var byNamespace = func() map[lint.Kind]*lint.Table {
	m := map[lint.Kind]*lint.Table{}
	for _, k := range []lint.Kind{lint.KindGateway, lint.KindDestinationRule, lint.KindService, lint.KindServiceEntry} {
		m[k] = &lint.Table{Name: strings.ToLower(string(k)) + "s-by-namespace", Kind: k, Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
			return []string{r.Namespace(), AllNamespaces}
		}}
	}
	return m
}()

// NamespacelessGateways files the Gateways given without
// metadata.namespace by name: they are applied into whatever namespace the
// user picks, so a reference to ns/name from anywhere may mean them.
var NamespacelessGateways = &lint.Table{Name: "gateways-namespaceless-by-name", Kind: lint.KindGateway, Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
	if !r.DefaultNamespace {
		return nil
	}
	return []string{r.Name()}
}}

// NamespacelessDestinationRules files the DestinationRules given without
// metadata.namespace whose host is a short service name (reviews) by that
// name: applied into namespace ns, such a rule is for reviews.ns.
var NamespacelessDestinationRules = &lint.Table{Name: "destinationrules-namespaceless-by-service", Kind: lint.KindDestinationRule, Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
	h := strings.TrimSpace(r.DestinationRule().Spec.GetHost())
	if !r.DefaultNamespace || h == "" || strings.ContainsAny(h, ".*") {
		return nil
	}
	return []string{strings.ToLower(h)}
}}

// WorkloadPeerAuthentications files PeerAuthentications that select
// workloads by label, by namespace.
var WorkloadPeerAuthentications = &lint.Table{Name: "peerauthentications-by-selector-namespace", Kind: lint.KindPeerAuthentication, Keys: func(r *lint.Resource, m *lint.Mesh) []string {
	if len(r.PeerAuthentication().Spec.GetSelector().GetMatchLabels()) == 0 {
		return nil
	}
	return []string{r.Namespace()}
}}

// HTTPRoutesByBackend files HTTPRoutes and GRPCRoutes (plaintext HTTP to
// their backends) by the expanded hosts of their backends.
var HTTPRoutesByBackend = lint.HostTable("httproutes-by-backend", lint.KindGatewayAPIRoute, func(r *lint.Resource, m *lint.Mesh) []string {
	o := r.GatewayAPI()
	if o.SourceKind != "HTTPRoute" && o.SourceKind != "GRPCRoute" {
		return nil
	}
	var out []string
	for _, b := range o.Backends {
		out = append(out, b.Host(m.DomainSuffix))
	}
	return out
})

// VirtualServicesByDestination files VirtualServices by the expanded hosts
// of their route and mirror destinations (http, tcp and tls).
var VirtualServicesByDestination = lint.HostTable("virtualservices-by-destination", lint.KindVirtualService, func(r *lint.Resource, m *lint.Mesh) []string {
	var out []string
	allDestinations(&r.VirtualService().Spec, func(_ string, d *networkingapi.Destination) {
		if h := d.GetHost(); h != "" {
			if e := ExpandHost(h, r.Namespace(), m.DomainSuffix); !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	})
	return out
})

// NamespacelessServices files the Services given without metadata.namespace
// by name: applied into any namespace, they define <name>.<that namespace>.
var NamespacelessServices = &lint.Table{Name: "services-namespaceless-by-name", Kind: lint.KindService, Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
	if !r.DefaultNamespace {
		return nil
	}
	return []string{r.Name()}
}}

// GatewaysByName files Gateways by name, whatever their namespace.
var GatewaysByName = &lint.Table{Name: "gateways-by-name", Kind: lint.KindGateway, Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
	return []string{r.Name()}
}}

// ServicesByName files Services by name, whatever their namespace.
var ServicesByName = &lint.Table{Name: "services-by-name", Kind: lint.KindService, Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
	return []string{r.Name()}
}}
