package lint

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
)

// Shared tables. Checks list the ones they use in Check.Tables.
var (
	// VirtualServicesByHost files VirtualServices by their expanded hosts.
	VirtualServicesByHost = HostTable("virtualservices-by-host", KindVirtualService, func(r *Resource, m *Mesh) []string {
		var out []string
		for _, h := range r.VirtualService().Spec.GetHosts() {
			out = append(out, ExpandHost(h, r.Namespace(), m.DomainSuffix))
		}
		return out
	})
	// DestinationRulesByHost files DestinationRules by their expanded host.
	DestinationRulesByHost = HostTable("destinationrules-by-host", KindDestinationRule, func(r *Resource, m *Mesh) []string {
		h := r.DestinationRule().Spec.GetHost()
		if h == "" {
			return nil
		}
		return []string{ExpandHost(h, r.Namespace(), m.DomainSuffix)}
	})
	// ServiceEntriesByHost files ServiceEntries by their hosts.
	ServiceEntriesByHost = HostTable("serviceentries-by-host", KindServiceEntry, func(r *Resource, m *Mesh) []string {
		var out []string
		for _, h := range r.ServiceEntry().Spec.GetHosts() {
			out = append(out, ExpandHost(h, r.Namespace(), m.DomainSuffix))
		}
		return out
	})
	// ServicesByHost files core/v1 Services by <name>.<ns>.svc.<domainSuffix>.
	ServicesByHost = HostTable("services-by-host", KindService, func(r *Resource, m *Mesh) []string {
		return []string{ServiceHost(r.Name(), r.Namespace(), m.DomainSuffix)}
	})
	// VirtualServicesByGateway files VirtualServices by the normalised
	// gateway refs they bind to ("ns/name", or "mesh").
	VirtualServicesByGateway = &Table{Name: "virtualservices-by-gateway", Kind: KindVirtualService, Keys: func(r *Resource, m *Mesh) []string {
		return VirtualServiceGateways(r)
	}}
	// NamespacePeerAuthentications files PeerAuthentications that have no
	// selector (namespace-wide, or mesh-wide in the root namespace) by
	// namespace.
	NamespacePeerAuthentications = &Table{Name: "peerauthentications-namespace-wide", Kind: KindPeerAuthentication, Keys: func(r *Resource, m *Mesh) []string {
		if len(r.PeerAuthentication().Spec.GetSelector().GetMatchLabels()) > 0 {
			return nil
		}
		return []string{r.Namespace()}
	}}
)

// MTLSTables are the tables EffectiveMTLS reads.
var MTLSTables = []*Table{NamespacePeerAuthentications}

// EffectiveMTLS returns the mTLS mode that applies to workloads in namespace
// ns: the namespace-wide PeerAuthentication's mode, else the mesh-wide one in
// the root namespace, else the mesh settings' mtls. It returns "" when no
// mode is known, and a description of where the mode came from.
func EffectiveMTLS(v View, ns string) (mode, source string) {
	m := v.Mesh()
	for _, n := range []string{ns, m.RootNamespace} {
		if pa := oldestPeerAuthentication(v.Lookup(NamespacePeerAuthentications, n)); pa != nil {
			if md := pa.PeerAuthentication().Spec.GetMtls().GetMode(); md != securityapi.PeerAuthentication_MutualTLS_UNSET {
				return md.String(), "PeerAuthentication " + pa.Namespace() + "/" + pa.Name()
			}
		}
	}
	if m.MTLS != "" {
		return strings.ToUpper(m.MTLS), "the mesh config"
	}
	return "", ""
}

// oldestPeerAuthentication picks the policy Istio applies when several
// namespace-wide ones exist: the oldest, then the first by name.
func oldestPeerAuthentication(rs []*Resource) *Resource {
	var best *Resource
	for _, r := range rs {
		if best == nil {
			best = r
			continue
		}
		bt, rt := best.Object.GetCreationTimestamp(), r.Object.GetCreationTimestamp()
		if rt.Before(&bt) {
			best = r
		}
	}
	return best
}

// InMeshTables are the tables InMesh reads.
var InMeshTables = []*Table{ServiceEntriesByHost}

// InMesh reports whether an expanded host is in the mesh: a Kubernetes
// service name, or a ServiceEntry host with location MESH_INTERNAL.
func InMesh(v View, host string) bool {
	m := v.Mesh()
	if IsServiceHost(host, m.DomainSuffix) {
		return true
	}
	for _, r := range LookupHost(v, ServiceEntriesByHost, host) {
		se := r.ServiceEntry()
		if se.Spec.GetLocation() != networkingapi.ServiceEntry_MESH_INTERNAL {
			continue
		}
		for _, h := range se.Spec.GetHosts() {
			if ExpandHost(h, r.Namespace(), m.DomainSuffix) == host || HostCovers(ExpandHost(h, r.Namespace(), m.DomainSuffix), host) {
				return true
			}
		}
	}
	return false
}
