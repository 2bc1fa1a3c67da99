package checks

import (
	"fmt"

	"github.com/meshlint/meshlint/lint"
)

// DuplicateRouteMatch is ML021 duplicate-route-match: one match clause of
// an http route repeats (or is covered by) a clause of an earlier route, so
// that clause is dead while the route still matches through its others.
var DuplicateRouteMatch = &lint.Check{
	ID:       "ML021",
	Name:     "duplicate-route-match",
	Severity: lint.SeverityInfo,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Summary:  "A match clause of an http route repeats or is covered by a clause of an earlier route, so it never applies.",
	Doc: `Fires on spec.http[j].match[k] when an earlier route of the same
VirtualService has a clause that matches every request clause k matches (the
same clause, or a broader one, compared as ML020 unreachable-route compares
them), while some other clause of route j is not covered: the route still
receives traffic, but never through clause k, whose requests go to the
earlier route.

Quiet when the route has a single clause or all its clauses are covered (the
whole route is unreachable: ML020 reports it), when a clause only repeats
another clause of the same route (harmless), and whenever the comparison is
unsure (different regexes, headers the later clause does not constrain).
Routes whose match did not decode (ML016 reports it) are not compared.

Why: a dead clause is usually a leftover of a reordering or a copy and paste;
the requests the author meant for this route go elsewhere. istioctl analyze
reports exact duplicates as IST0131; meshlint also reports clauses covered by
broader earlier ones, and says which.`,
	Example: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: prod
spec:
  hosts:
  - reviews
  http:
  - name: v2-testers
    match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: reviews
        subset: v2
  - name: v3-preview
    match:
    - headers:
        end-user:
          exact: jason
    - uri:
        prefix: /preview
    route:
    - destination:
        host: reviews
        subset: v3
`,
	Remediation: "Delete the dead match clause, or move the route before the one that takes its requests if they were meant for it.",
	Run:         runDuplicateRouteMatch,
}

func runDuplicateRouteMatch(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	rt, ok := newRouteTable(pass.Resource)
	if !ok {
		return
	}
	for j, route := range vs.Spec.GetHttp() {
		clauses := route.GetMatch()
		if j == 0 || rt.opaque[j] || len(clauses) < 2 || rt.routeCoveredBy(j) != nil {
			continue
		}
		label := retryRouteLabel(route, j)
		for k, m := range clauses {
			c, ok := rt.clauseCoveredBy(j, m)
			if !ok {
				continue
			}
			earlier := retryRouteLabel(vs.Spec.GetHttp()[c.route], c.route)
			path := fmt.Sprintf("spec.http[%d].match[%d]", j, k)
			if c.match != nil && rt.covers(m, c.match) {
				pass.Report(path, "match[%d] of route %s (%s) repeats a match of route %s before it, which takes those requests; only the route's other matches reach it",
					k, label, describeMatch(m), earlier)
				continue
			}
			pass.Report(path, "match[%d] of route %s (%s) is covered by route %s before it (%s), which takes those requests; only the route's other matches reach it",
				k, label, describeMatch(m), earlier, describeMatch(c.match))
		}
	}
}
