package checks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// MultipleDestinationRulesForHost is ML029 multiple-destination-rules-for-host:
// two DestinationRules that Istio merges define the same subset differently
// or different top-level traffic policies, and only the older one's counts.
var MultipleDestinationRulesForHost = &lint.Check{
	ID:       "ML029",
	Name:     "multiple-destination-rules-for-host",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindDestinationRule},
	Summary:  "Two DestinationRules that Istio merges for one host define the same subset or different top-level traffic policies; only the older one's applies.",
	Doc: `Istio merges DestinationRules for one host only within one namespace (pilot's
mergeDestinationRule): rules of the same namespace, for the same host after short-name resolution,
exported to the same namespaces, and either both without a workloadSelector or with equal ones. The
merge keeps the older rule whole and adds only what it lacks from the newer one: the newer rule's
subsets whose names are new, and its top-level trafficPolicy only when the older rule has none.

Fires, on each of the two rules, when such a pair:
- defines one subset name differently (other labels or another subset trafficPolicy): spec.subsets[i]
  of one of them is dropped, so routes to that subset reach the pods of the older definition; or
- both have a top-level trafficPolicy and the policies differ: spec.trafficPolicy of the newer one is
  dropped whole (its load balancer, connection pool, outlier detection and TLS settings do nothing).

In files, only resources of one file, or of one rendering (a chart with its values, a kustomize
build, applied at once), are compared: separate files of a repository are often alternatives
(tutorial steps, a canary and its rollback, per-cluster copies) applied one at a time, and a
conflict between them is not one the repository has. With the whole cluster visible (webhook,
--cluster) every pair is.

Quiet when: the rules are in different namespaces (Istio does not merge them: a client uses the rule
of its own namespace, else the one of the host's namespace, else the root namespace's, which is
the designed way to override a rule); their workloadSelectors differ, or one has one and the other
not; their exportTo lists differ; the hosts differ (*.example.com and api.example.com are separate
rules); a subset with one name is defined identically in both; only one of them has a top-level
trafficPolicy, or both have the same; the two are variants of one DestinationRule in the files;
the fields compared did not decode. A finding resting on the other rule holds for every variant of
it in the files.

Choices where the catalog is silent: creation order is not known from files, so the message says
that only the older rule's definition applies without naming which; one finding per subset and one
for the top-level policy, naming the first conflicting rule and counting the others.`,
	Example: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
  subsets:
  - name: v1
    labels:
      version: v1
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews-canary
  namespace: shop
spec:
  host: reviews.shop.svc.cluster.local
  subsets:
  - name: v1
    labels:
      version: v1-canary
`,
	Remediation: "Define the host's subsets and traffic policy in one DestinationRule per namespace.",
	Tables:      []*lint.Table{DestinationRulesByHost},
	Run:         runMultipleDestinationRulesForHost,
	Affects:     affectsMultipleDestinationRulesForHost,
}

// drUndecoded reports whether a field that decides whether ML029 merges or
// compares a DestinationRule did not decode.
func drUndecoded(r *lint.Resource) bool {
	if len(r.Problems) == 0 {
		return false
	}
	for _, p := range []string{"spec.host", "spec.exportTo", "spec.workloadSelector", "spec.subsets", "spec.trafficPolicy"} {
		if pathUndecoded(r, p) {
			return true
		}
	}
	return false
}

// drMergeKey is what two DestinationRules must share for Istio to merge
// them: namespace, resolved host, exportTo set and workload selector.
func drMergeKey(r *lint.Resource, suffix string) string {
	dr := r.DestinationRule()
	scopes := exportScopes(dr.Spec.GetExportTo(), r.Namespace())
	slices.Sort(scopes)
	labels := dr.Spec.GetWorkloadSelector().GetMatchLabels()
	sel := "-"
	if dr.Spec.GetWorkloadSelector() != nil {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			parts = append(parts, k+"="+labels[k])
		}
		sel = "{" + strings.Join(parts, ",") + "}"
	}
	return strings.Join([]string{r.Namespace(), istioFQDN(dr.Spec.GetHost(), r.Namespace(), suffix), strings.Join(scopes, ","), sel}, "\x00")
}

// mergedWith returns the DestinationRules (other keys, every variant)
// that Istio merges with r.
func mergedWith(v lint.View, r *lint.Resource) []*lint.Resource {
	dr := r.DestinationRule()
	suffix := v.Mesh().DomainSuffix
	if dr == nil || drUndecoded(r) || strings.TrimSpace(dr.Spec.GetHost()) == "" {
		return nil
	}
	key := drMergeKey(r, suffix)
	var out []*lint.Resource
	for _, o := range v.Lookup(DestinationRulesByHost, lint.HostIndexKey(ExpandHost(dr.Spec.GetHost(), r.Namespace(), suffix))) {
		if o.Key() == r.Key() || o.Namespace() != r.Namespace() || o.DestinationRule() == nil || drUndecoded(o) || !AppliedTogether(v, r, o) {
			continue
		}
		if drMergeKey(o, suffix) == key {
			out = append(out, o)
		}
	}
	return out
}

// subsetLabels writes a subset's labels as k=v,k=v.
func subsetLabels(s *networkingapi.Subset) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.GetLabels())) {
		parts = append(parts, k+"="+s.GetLabels()[k])
	}
	if len(parts) == 0 {
		return "no labels"
	}
	return "labels " + strings.Join(parts, ",")
}

func runMultipleDestinationRulesForHost(pass *lint.Pass) {
	r := pass.Resource
	dr := r.DestinationRule()
	cands := mergedWith(pass.View, r)
	if len(cands) == 0 {
		return
	}
	// inAllVariants keeps the candidates for which pred holds for every
	// variant (each variant must be merged with r too), one per key.
	inAllVariants := func(pred func(o *lint.Resource) bool) []*lint.Resource {
		key := drMergeKey(r, pass.Mesh.DomainSuffix)
		var out []*lint.Resource
		seen := map[lint.Key]bool{}
		for _, o := range cands {
			if seen[o.Key()] {
				continue
			}
			seen[o.Key()] = true
			if EveryVariant(pass.View, o, func(x *lint.Resource) bool {
				return x.DestinationRule() != nil && !drUndecoded(x) && drMergeKey(x, pass.Mesh.DomainSuffix) == key && pred(x)
			}) {
				out = append(out, o)
			}
		}
		return out
	}
	more := func(n int) string {
		if n > 1 {
			return fmt.Sprintf(" and %d more", n-1)
		}
		return ""
	}
	for i, s := range dr.Spec.GetSubsets() {
		otherSubset := func(o *lint.Resource) *networkingapi.Subset {
			for _, os := range o.DestinationRule().Spec.GetSubsets() {
				if os.GetName() == s.GetName() {
					return os
				}
			}
			return nil
		}
		found := inAllVariants(func(o *lint.Resource) bool {
			os := otherSubset(o)
			return os != nil && !proto.Equal(os, s)
		})
		if len(found) == 0 {
			continue
		}
		o := found[0]
		here, there := subsetLabels(s), subsetLabels(otherSubset(o))
		if here == there {
			here, there = "one traffic policy", "another"
		}
		pass.Report(fmt.Sprintf("spec.subsets[%d]", i),
			"subset %q (%s) is also defined by destinationrule %s/%s (%s)%s for host %q; istiod merges the rules and keeps only the older rule's subset, so routes to %q may reach other pods or settings than written here",
			s.GetName(), here, o.Namespace(), o.Name(), there, more(len(found)), istioFQDN(dr.Spec.GetHost(), r.Namespace(), pass.Mesh.DomainSuffix), s.GetName())
	}
	if tp := dr.Spec.GetTrafficPolicy(); tp != nil {
		found := inAllVariants(func(o *lint.Resource) bool {
			otp := o.DestinationRule().Spec.GetTrafficPolicy()
			return otp != nil && !proto.Equal(otp, tp)
		})
		if len(found) > 0 {
			o := found[0]
			pass.Report("spec.trafficPolicy",
				"destinationrule %s/%s%s also sets a top-level trafficPolicy for host %q, a different one; istiod merges the rules and keeps only the older rule's policy, so the newer one's settings do nothing",
				o.Namespace(), o.Name(), more(len(found)), istioFQDN(dr.Spec.GetHost(), r.Namespace(), pass.Mesh.DomainSuffix))
		}
	}
}

// affectsMultipleDestinationRulesForHost: the DestinationRules for the
// changed rule's host in its namespace (merging is symmetric).
func affectsMultipleDestinationRulesForHost(v lint.View, r *lint.Resource) []*lint.Resource {
	if r.Kind != lint.KindDestinationRule || r.DestinationRule() == nil || strings.TrimSpace(r.DestinationRule().Spec.GetHost()) == "" {
		return nil
	}
	dr := r.DestinationRule()
	var out []*lint.Resource
	for _, o := range v.Lookup(DestinationRulesByHost, lint.HostIndexKey(ExpandHost(dr.Spec.GetHost(), r.Namespace(), v.Mesh().DomainSuffix))) {
		if o.Namespace() == r.Namespace() {
			out = append(out, o)
		}
	}
	return out
}
