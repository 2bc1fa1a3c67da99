package checks

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"

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

// PartialInput reports whether a reference to a resource of kind in
// namespace ns that the view does not hold is clearly to something outside
// the input: files only, and the input holds no resource of that kind in
// that namespace at all (an application repository referring to a shared
// gateway, or to another team's DestinationRules). Checks then report the
// missing reference as info, not as a warning that fails CI by default. The
// check must list ByNamespace(kind) in its Tables.
func PartialInput(v lint.View, kind lint.Kind, ns string) bool {
	return !v.Full() && v.Count(ByNamespace(kind), ns) == 0
}

// WorkloadPeerAuthentications files PeerAuthentications that select
// workloads by label, by namespace.
var WorkloadPeerAuthentications = &lint.Table{Name: "peerauthentications-by-selector-namespace", Kind: lint.KindPeerAuthentication, Keys: func(r *lint.Resource, m *lint.Mesh) []string {
	if len(r.PeerAuthentication().Spec.GetSelector().GetMatchLabels()) == 0 {
		return nil
	}
	return []string{r.Namespace()}
}}

// MTLSTables are the tables EffectiveMTLS reads.
var MTLSTables = []*lint.Table{NamespacePeerAuthentications}

// EffectiveMTLS returns the mTLS mode that applies to workloads in namespace
// ns: the namespace-wide PeerAuthentication's mode, else the mesh-wide one in
// the root namespace, else the mesh settings' mtls. It returns "" when no
// mode is known, and a description of where the mode came from.
//
// Several namespace-wide policies in one namespace (two names, or variants
// of one name in several files) are resolved as Istio does, by age, when
// their creation timestamps tell; when they do not and their modes differ,
// the mode is unknown: which one applies depends on what is applied.
func EffectiveMTLS(v lint.View, ns string) (mode, source string) {
	m := v.Mesh()
	for _, n := range []string{ns, m.RootNamespace} {
		md, src, known := namespaceMTLS(v.Lookup(NamespacePeerAuthentications, n))
		if !known {
			return "", ""
		}
		if md != "" {
			return md, src
		}
	}
	if m.MTLS != "" {
		return strings.ToUpper(m.MTLS), "the mesh config"
	}
	return "", ""
}

// namespaceMTLS returns the mode the namespace-wide policies pas set ("" when
// none sets one), or known false when they disagree and their age does not
// say which applies.
func namespaceMTLS(pas []*lint.Resource) (mode, source string, known bool) {
	var set []*lint.Resource
	for _, pa := range pas {
		if pa.PeerAuthentication().Spec.GetMtls().GetMode() != securityapi.PeerAuthentication_MutualTLS_UNSET {
			set = append(set, pa)
		}
	}
	if len(set) == 0 {
		return "", "", true
	}
	first := set[0]
	agree := true
	for _, pa := range set[1:] {
		agree = agree && pa.PeerAuthentication().Spec.GetMtls().GetMode() == first.PeerAuthentication().Spec.GetMtls().GetMode()
	}
	if !agree {
		first = oldestPeerAuthentication(set)
		if first == nil {
			return "", "", false
		}
	}
	return first.PeerAuthentication().Spec.GetMtls().GetMode().String(), "PeerAuthentication " + first.Namespace() + "/" + first.Name(), true
}

// oldestPeerAuthentication picks the policy Istio applies when several
// namespace-wide ones exist: the oldest. It returns nil when no single
// policy is older than the others. Among policies of one age Istio takes the
// first by name; but files carry no creation timestamps, so there, as for
// variants of one name, the order they are applied in decides and the
// answer is open.
func oldestPeerAuthentication(rs []*lint.Resource) *lint.Resource {
	var best *lint.Resource
	tie := false
	for _, r := range rs {
		if best == nil {
			best = r
			continue
		}
		bt, rt := best.Object.GetCreationTimestamp(), r.Object.GetCreationTimestamp()
		switch {
		case rt.Before(&bt):
			best, tie = r, false
		case rt.Equal(&bt) && (r.Key() == best.Key() || rt.IsZero()):
			tie = true
		}
	}
	if tie {
		return nil
	}
	return best
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

// EveryVariant reports whether pred holds for every variant of r's key in
// the view (r itself when the view holds no other): a finding that rests on
// what one of several same-named resources in the files says is true only
// when all of them say it.
func EveryVariant(v lint.View, r *lint.Resource, pred func(*lint.Resource) bool) bool {
	vs := v.Variants(r.Key())
	if len(vs) == 0 {
		return pred(r)
	}
	for _, x := range vs {
		if !pred(x) {
			return false
		}
	}
	return true
}

// AppliedTogether reports whether two resources are known to be applied
// together, so that a conflict between them is real: always with the whole
// cluster visible; in files, when they are in the same file. Separate files
// of one repository are often alternatives (tutorial steps, per-cluster
// copies, a canary and its rollback), applied one at a time.
func AppliedTogether(v lint.View, a, b *lint.Resource) bool {
	return v.Full() || a.Source.File == b.Source.File
}

// VariantNote names the file of r when its key has several variants in the
// view, for messages that rest on that one: " (in file x.yaml)", else "".
func VariantNote(v lint.View, r *lint.Resource) string {
	if len(v.Variants(r.Key())) < 2 || r.Source.File == "" {
		return ""
	}
	return " (in " + r.Source.File + ")"
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
