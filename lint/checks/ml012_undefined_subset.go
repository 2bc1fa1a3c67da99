package checks

import (
	"fmt"
	"slices"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// UndefinedSubset is ML012 undefined-subset.
var UndefinedSubset = &lint.Check{
	ID:       "ML012",
	Name:     "undefined-subset",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Reads:    []lint.Kind{lint.KindDestinationRule},
	Summary:  "A route destination names a subset that no DestinationRule for the host defines.",
	Doc: `A VirtualService destination (spec.http[*].route[*].destination, spec.http[*].mirror,
spec.http[*].mirrors[*].destination, spec.tcp[*].route[*].destination, spec.tls[*].route[*].destination)
names a subset, and no DestinationRule for the destination host defines a subset of that name. The
sidecar has no cluster for the subset: requests routed there get 503 (NR, no healthy upstream).

Fires when:
- a DestinationRule for the host is visible and none of the visible ones defines the subset: error,
  whatever the visibility, since the rule that Istio uses for the host is right there;
- no DestinationRule for the host is visible at all: warning when linting files (the rule may live
  in a file that was not given), error in the webhook and --cluster mode, where the whole cluster is
  visible. When the files hold no DestinationRule at all in the host's namespace (the namespace of
  a Kubernetes service host, else the VirtualService's), the input is clearly partial there (an
  application repository routing to subsets another team defines): info, which does not fail CI by
  default. A wildcard rule (a mesh-wide "*.local" rule that only sets TLS) is not taken as the
  host's own rule when linting files: if it is the only one visible and lacks the subset, the
  finding is a warning; with the whole cluster visible it is an error, since Istio then uses it.

Quiet when: a DestinationRule for the host defines the subset; the destination names no subset.

Choices where the catalog is silent:
- The destination host is expanded like any VirtualService host (reviews in namespace prod is
  reviews.prod.svc.cluster.local), and so is the DestinationRule's host in its own namespace.
- Istio applies the most specific DestinationRule host: an exact host beats a wildcard
  (*.example.com), and a longer wildcard beats a shorter one. The subset must be defined in one of
  the rules with that most specific host; a wildcard rule defining it does not help when an exact
  rule for the host exists, because Istio never looks at the wildcard one.
- Istio also prefers rules in the client's namespace, then the service's, then the root
  namespace; meshlint does not know every client's namespace, so it compares hosts only.
- Rules with the same host in several namespaces are all taken as candidates: the subset counts as
  defined if any of them defines it. exportTo is not considered, so a subset defined in a rule that
  is not exported to the client is not reported (a missed finding rather than a false one).
- Destinations whose host is a wildcard are skipped: Istio cannot route to them.
- In files, a DestinationRule given without metadata.namespace for a short host (reviews) is
  applied into whatever namespace the user picks: when no rule for reviews.prod is in the input,
  it counts as the rule for that host.`,
	Example: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: bookinfo
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v3
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: bookinfo
spec:
  host: reviews
  subsets:
  - name: v1
    labels:
      version: v1
`,
	Remediation: "Define the subset in the DestinationRule for the destination host, or route to a subset that it defines.",
	Tables:      []*lint.Table{DestinationRulesByHost, ByNamespace(lint.KindDestinationRule), NamespacelessDestinationRules, VirtualServicesBySubsetHost},
	Run:         runUndefinedSubset,
	Affects:     affectsUndefinedSubset,
}

// VirtualServicesBySubsetHost files VirtualServices by the expanded hosts of
// their destinations that name a subset. ML012 does not read it: it is for
// front ends that re-lint what a change elsewhere affects (a DestinationRule
// losing a subset breaks the VirtualServices routing to it, whatever their
// own hosts are).
var VirtualServicesBySubsetHost = lint.HostTable("virtualservices-by-subset-host", lint.KindVirtualService, func(r *lint.Resource, m *lint.Mesh) []string {
	var out []string
	add := func(d *networkingapi.Destination) {
		if d.GetSubset() == "" || d.GetHost() == "" {
			return
		}
		if h := ExpandHost(d.GetHost(), r.Namespace(), m.DomainSuffix); !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	spec := &r.VirtualService().Spec
	for _, h := range spec.GetHttp() {
		for _, rd := range h.GetRoute() {
			add(rd.GetDestination())
		}
		add(h.GetMirror())
		for _, m := range h.GetMirrors() {
			add(m.GetDestination())
		}
	}
	for _, t := range spec.GetTcp() {
		for _, rd := range t.GetRoute() {
			add(rd.GetDestination())
		}
	}
	for _, t := range spec.GetTls() {
		for _, rd := range t.GetRoute() {
			add(rd.GetDestination())
		}
	}
	return out
})

func runUndefinedSubset(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	if vs == nil {
		return
	}
	spec := &vs.Spec
	for i, h := range spec.GetHttp() {
		for j, rd := range h.GetRoute() {
			checkDestinationSubset(pass, rd.GetDestination(), fmt.Sprintf("spec.http[%d].route[%d].destination", i, j))
		}
		checkDestinationSubset(pass, h.GetMirror(), fmt.Sprintf("spec.http[%d].mirror", i))
		for j, m := range h.GetMirrors() {
			checkDestinationSubset(pass, m.GetDestination(), fmt.Sprintf("spec.http[%d].mirrors[%d].destination", i, j))
		}
	}
	for i, t := range spec.GetTcp() {
		for j, rd := range t.GetRoute() {
			checkDestinationSubset(pass, rd.GetDestination(), fmt.Sprintf("spec.tcp[%d].route[%d].destination", i, j))
		}
	}
	for i, t := range spec.GetTls() {
		for j, rd := range t.GetRoute() {
			checkDestinationSubset(pass, rd.GetDestination(), fmt.Sprintf("spec.tls[%d].route[%d].destination", i, j))
		}
	}
}

// subsetConsequence is what an undefined subset does at path: a route's
// requests get 503 NR; a mirror's copies go nowhere, while clients still
// get the route's answers.
func subsetConsequence(path string) string {
	if strings.Contains(path, ".mirror") {
		return "the mirrored copies of requests go nowhere (503 NR), so the version it shadows sees no traffic"
	}
	return "requests routed to it get 503 NR"
}

func checkDestinationSubset(pass *lint.Pass, d *networkingapi.Destination, path string) {
	subset := d.GetSubset()
	if subset == "" || d.GetHost() == "" {
		return
	}
	host := ExpandHost(d.GetHost(), pass.Resource.Namespace(), pass.Mesh.DomainSuffix)
	if strings.HasPrefix(host, "*") {
		return
	}
	drs := subsetRulesForHost(pass, host)
	if len(drs) == 0 && !pass.View.Full() {
		// A rule given without namespace for the host's short name may be
		// applied into the host's namespace.
		drs = pass.View.Lookup(NamespacelessDestinationRules, serviceName(host))
	}
	var names []string
	for _, dr := range drs {
		for _, s := range dr.DestinationRule().Spec.GetSubsets() {
			if s.GetName() == subset {
				return
			}
			if !slices.Contains(names, s.GetName()) {
				names = append(names, s.GetName())
			}
		}
	}
	path += ".subset"
	// A wildcard rule (say a mesh-wide "*.local" one that only sets TLS) is
	// not the host's own rule: when linting files, that may be in a file
	// that was not given.
	ownRule := len(drs) > 0 && !strings.HasPrefix(ExpandHost(drs[0].DestinationRule().Spec.GetHost(), drs[0].Namespace(), pass.Mesh.DomainSuffix), "*")
	switch {
	case ownRule || len(drs) > 0 && pass.View.Full():
		defined := "it defines no subsets"
		if len(names) > 0 {
			defined = "defined: " + strings.Join(names, ", ")
		}
		pass.ReportSeverity(lint.SeverityError, path, "subset %q is not defined in %s (%s); %s",
			subset, subsetRuleRefs(drs), defined, subsetConsequence(path))
	case pass.View.Full():
		pass.ReportSeverity(lint.SeverityError, path, "no DestinationRule for host %q defines subset %q; %s", host, subset, subsetConsequence(path))
	case PartialInput(pass.View, lint.KindDestinationRule, hostNamespace(host, pass.Resource.Namespace(), pass.Mesh.DomainSuffix)):
		pass.ReportSeverity(lint.SeverityInfo, path, "no DestinationRule for host %q is in the input, which holds none of its namespace; unless one defines subset %q, %s", host, subset, subsetConsequence(path))
	default:
		pass.ReportSeverity(lint.SeverityWarning, path, "no DestinationRule for host %q is in the input; unless one defines subset %q, %s", host, subset, subsetConsequence(path))
	}
}

// subsetRulesForHost returns the visible DestinationRules whose
// host is the one Istio applies to host: an exact match, else the longest
// wildcard that covers it.
func subsetRulesForHost(pass *lint.Pass, host string) []*lint.Resource {
	var best []*lint.Resource
	bestHost := ""
	for _, dr := range lint.LookupHost(pass.View, DestinationRulesByHost, host) {
		h := ExpandHost(dr.DestinationRule().Spec.GetHost(), dr.Namespace(), pass.Mesh.DomainSuffix)
		if !HostCovers(h, host) {
			continue
		}
		switch {
		case best == nil || subsetHostMoreSpecific(h, bestHost):
			best, bestHost = []*lint.Resource{dr}, h
		case h == bestHost:
			best = append(best, dr)
		}
	}
	return best
}

// subsetRuleRefs names the rules ("DestinationRule ns/name", joined with
// "and"), once each; a rule that the files define several times is named
// with the number of its variants, none of which defines the subset.
func subsetRuleRefs(rs []*lint.Resource) string {
	var refs []string
	count := map[string]int{}
	for _, r := range rs {
		ref := "DestinationRule " + r.Namespace() + "/" + r.Name()
		if count[ref] == 0 {
			refs = append(refs, ref)
		}
		count[ref]++
	}
	for i, ref := range refs {
		if n := count[ref]; n > 1 {
			refs[i] = fmt.Sprintf("%s in each of its %d variants", ref, n)
		}
	}
	return strings.Join(refs, " and ")
}

// affectsUndefinedSubset: the VirtualServices routing to a subset of the
// DestinationRule's host (a short host given without namespace, of any
// namespace's service of that name).
func affectsUndefinedSubset(v lint.View, r *lint.Resource) []*lint.Resource {
	if r.Kind != lint.KindDestinationRule || r.DestinationRule().Spec.GetHost() == "" {
		return nil
	}
	return lint.LookupHost(v, VirtualServicesBySubsetHost, ExpandHost(r.DestinationRule().Spec.GetHost(), r.Namespace(), v.Mesh().DomainSuffix))
}
