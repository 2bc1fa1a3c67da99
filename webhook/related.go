package webhook

import (
	"slices"
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// maxSubsetLabels bounds the selectors whose label subsets are filed:
// 2^8 keys at most. Gateways with larger selectors are filed under
// bigSelectorKey and always considered.
const maxSubsetLabels = 8

const bigSelectorKey = "big"

// gatewaysBySelectorLabel files Gateways so that those selecting the same
// workload as a changed one (one selector a subset of the other) are found
// by exact lookups rather than by listing every Gateway: under
// "=<selector>" for the whole selector, and under "⊇<labels>" for each
// non-empty subset of its labels (labels sorted, "k=v" joined by commas).
var gatewaysBySelectorLabel = &lint.Table{
	Name: "webhook-gateways-by-selector",
	Kind: lint.KindGateway,
	Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
		pairs := selectorPairs(r.Gateway().Spec.GetSelector())
		keys := []string{"=" + strings.Join(pairs, ",")}
		if len(pairs) > maxSubsetLabels {
			return append(keys, bigSelectorKey)
		}
		for _, sub := range subsets(pairs) {
			if len(sub) > 0 {
				keys = append(keys, "⊇"+strings.Join(sub, ","))
			}
		}
		return keys
	},
}

func selectorPairs(sel map[string]string) []string {
	pairs := make([]string, 0, len(sel))
	for k, v := range sel {
		pairs = append(pairs, k+"="+v)
	}
	slices.Sort(pairs)
	return pairs
}

// subsets returns every subset of pairs (the empty one included), each in
// the order of pairs.
func subsets(pairs []string) [][]string {
	out := make([][]string, 0, 1<<len(pairs))
	for mask := 0; mask < 1<<len(pairs); mask++ {
		var sub []string
		for i, p := range pairs {
			if mask&(1<<i) != 0 {
				sub = append(sub, p)
			}
		}
		out = append(out, sub)
	}
	return out
}

// sameWorkloadGateways returns the Gateways whose selector is a subset or a
// superset of sel.
func sameWorkloadGateways(v lint.View, sel map[string]string) []*lint.Resource {
	pairs := selectorPairs(sel)
	if len(pairs) == 0 || len(pairs) > maxSubsetLabels {
		// An empty selector picks every gateway workload.
		return v.List(lint.KindGateway)
	}
	cands := v.Lookup(gatewaysBySelectorLabel, "⊇"+strings.Join(pairs, ","))
	for _, sub := range subsets(pairs) {
		cands = append(cands, v.Lookup(gatewaysBySelectorLabel, "="+strings.Join(sub, ","))...)
	}
	cands = append(cands, v.Lookup(gatewaysBySelectorLabel, bigSelectorKey)...)
	out := cands[:0]
	for _, g := range cands {
		if lint.SameWorkload(sel, g.Gateway().Spec.GetSelector()) {
			out = append(out, g)
		}
	}
	return out
}

// relatedResources returns the resources whose findings a change to r (as
// seen in v) may change: the other side of every cross-resource check.
// Each lookup goes through a table, so the work grows with the resources the
// change touches, not with the cluster.
func relatedResources(v lint.View, r *lint.Resource) map[lint.Key]*lint.Resource {
	out := map[lint.Key]*lint.Resource{}
	add := func(rs []*lint.Resource) {
		for _, x := range rs {
			out[x.Key()] = x
		}
	}
	m := v.Mesh()
	expand := func(h string) string { return lint.ExpandHost(h, r.Namespace(), m.DomainSuffix) }
	switch r.Kind {
	case lint.KindGateway:
		// VirtualServices bound to it (ML002, ML006, ML014, ML013 on delete).
		add(v.Lookup(lint.VirtualServicesByGateway, r.Namespace()+"/"+r.Name()))
		// Gateways on the same workload (ML008, ML015).
		add(sameWorkloadGateways(v, r.Gateway().Spec.GetSelector()))
	case lint.KindVirtualService:
		vs := r.VirtualService()
		// VirtualServices for the same hosts (ML009: a mesh VirtualService's
		// subsets decide findings on gateway ones).
		for _, h := range vs.Spec.GetHosts() {
			add(lint.LookupHost(v, lint.VirtualServicesByHost, expand(h)))
		}
		// tls routes of one VirtualService quiet ML002 on the others bound to
		// the same Gateway.
		if len(vs.Spec.GetTls()) > 0 {
			for _, ref := range lint.VirtualServiceGateways(r) {
				if ref != "mesh" {
					add(v.Lookup(lint.VirtualServicesByGateway, ref))
				}
			}
		}
	case lint.KindDestinationRule:
		if h := r.DestinationRule().Spec.GetHost(); h != "" {
			host := expand(h)
			// Subsets (ML012, ML009), and TLS origination that quiets ML003.
			add(lint.LookupHost(v, lint.VirtualServicesByHost, host))
			add(lint.LookupHost(v, lint.ServiceEntriesByHost, host))
			add(lint.LookupHost(v, lint.ServicesByHost, host))
		}
	case lint.KindServiceEntry:
		// In-mesh hosts (ML001) and declared TLS ports (ML007).
		for _, h := range r.ServiceEntry().Spec.GetHosts() {
			add(lint.LookupHost(v, lint.DestinationRulesByHost, expand(h)))
		}
	case lint.KindService:
		add(lint.LookupHost(v, lint.DestinationRulesByHost, lint.ServiceHost(r.Name(), r.Namespace(), m.DomainSuffix)))
	case lint.KindPeerAuthentication:
		// Namespace-wide and mesh-wide policies decide ML001, and policies
		// that select workloads quiet it for their pods: the DestinationRules
		// for the namespace's hosts (every one, for the root namespace's
		// mesh-wide policy).
		if r.Namespace() == m.RootNamespace && len(r.PeerAuthentication().Spec.GetSelector().GetMatchLabels()) == 0 {
			add(v.List(lint.KindDestinationRule))
			break
		}
		add(lint.LookupHost(v, lint.DestinationRulesByHost, "*."+r.Namespace()+".svc."+strings.TrimPrefix(m.DomainSuffix, ".")))
	}
	return out
}

func mergeRelated(a, b map[lint.Key]*lint.Resource) map[lint.Key]*lint.Resource {
	for k, r := range b {
		if _, ok := a[k]; !ok {
			a[k] = r
		}
	}
	return a
}

func sortedResources(m map[lint.Key]*lint.Resource) []*lint.Resource {
	out := make([]*lint.Resource, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	lint.SortResources(out)
	return out
}
