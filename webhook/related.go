package webhook

import (
	"slices"
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// gatewaysBySelectorLabel files Gateways by each "key=value" of their
// selector ("" for an empty selector), so that the Gateways selecting the
// same workload as a changed one are found without listing every Gateway.
var gatewaysBySelectorLabel = &lint.Table{
	Name: "webhook-gateways-by-selector-label",
	Kind: lint.KindGateway,
	Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
		sel := r.Gateway().Spec.GetSelector()
		if len(sel) == 0 {
			return []string{""}
		}
		keys := make([]string, 0, len(sel))
		for k, v := range sel {
			keys = append(keys, k+"="+v)
		}
		return keys
	},
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
		sel := r.Gateway().Spec.GetSelector()
		cands := v.Lookup(gatewaysBySelectorLabel, "")
		for k, val := range sel {
			cands = append(cands, v.Lookup(gatewaysBySelectorLabel, k+"="+val)...)
		}
		if len(sel) == 0 {
			cands = v.List(lint.KindGateway)
		}
		for _, g := range cands {
			if lint.SameWorkload(sel, g.Gateway().Spec.GetSelector()) {
				out[g.Key()] = g
			}
		}
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
		// Only namespace-wide and mesh-wide policies decide ML001.
		if len(r.PeerAuthentication().Spec.GetSelector().GetMatchLabels()) > 0 {
			break
		}
		if r.Namespace() == m.RootNamespace {
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
	slices.SortFunc(out, func(a, b *lint.Resource) int {
		ka, kb := a.Key(), b.Key()
		switch {
		case ka == kb:
			return 0
		case ka.Less(kb):
			return -1
		}
		return 1
	})
	return out
}
