package checks

import (
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"

	"github.com/meshlint/meshlint/lint"
)

func originatesTLS(m networkingapi.ClientTLSSettings_TLSmode) bool {
	return m == networkingapi.ClientTLSSettings_SIMPLE || m == networkingapi.ClientTLSSettings_MUTUAL
}

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
