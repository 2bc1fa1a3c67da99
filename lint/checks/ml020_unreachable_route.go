package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// UnreachableRoute is ML020 unreachable-route: an http route of a
// VirtualService that no request can reach, because routes are tried in
// order and earlier ones take every request it matches.
var UnreachableRoute = &lint.Check{
	ID:       "ML020",
	Name:     "unreachable-route",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Summary:  "An http route can never match because earlier routes of the same VirtualService take every request it matches.",
	Doc: `Fires on spec.http[j] when every match clause of route j (or the route itself,
when it has no match: a catch-all) is covered by a clause of an earlier route
of the same VirtualService: Envoy tries routes in order and the first match
wins, so route j gets no traffic. An earlier route without a match is a
catch-all and covers everything after it.

A clause A covers a clause B when every request B matches also matches A,
field by field:
  - uri, scheme, method, authority, headers and queryParams: A's condition is
    absent, or B's is the same or narrower: exact covers the same exact value;
    prefix p covers an exact value or prefix starting with p; a regex covers
    only the identical regex. An empty match ({}) on a header or query
    parameter means "present" and covers any condition on it. A uri prefix "/"
    (or "", or regex ".*") matches every path and counts as no condition.
    ignoreUriCase on A and not on B compares case-insensitively; on B and not
    on A covers only when A's uri matches every path.
  - withoutHeaders: each header A excludes is excluded by B at least as
    broadly.
  - port: A has none, or the same; sourceNamespace likewise.
  - sourceLabels: A's labels are a subset of B's.
  - gateways: A has none (it applies to every gateway of the VirtualService),
    or every gateway B applies to (its own list, else the VirtualService's) is
    in A's.
name and statPrefix do not change what a clause matches and are ignored.

An earlier route that delegates (delegate: another VirtualService) covers
nothing: Istio merges its match with each of the delegate's routes, and
requests none of them matches fall through to the routes after it.

Quiet when any clause of route j matches a request no earlier route takes,
and whenever the comparison is unsure: different regexes, a header that B
does not constrain, exclusions that are not provably implied. Routes whose
match did not decode (ML016 reports it) neither cover nor are reported.
A route with several clauses of which only some are covered is ML021's
(duplicate-route-match) finding, not this one's.

Why: the route's destination, retries or rewrite silently never apply; the
requests it was written for go to the earlier route instead. istioctl
analyze reports only exact duplicates (IST0130); meshlint also finds routes
covered by broader earlier matches, such as anything after a uri prefix "/".

Choices where the catalog is silent:
  - Only http routes are checked; tcp and tls routes match on few fields and
    are rarely ordered by mistake.
  - Routes after a catch-all are reported one by one, each naming the
    catch-all, so that each can be removed or moved.`,
	Example: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: prod
spec:
  hosts:
  - shop
  http:
  - name: everything
    match:
    - uri:
        prefix: /
    route:
    - destination:
        host: shop
  - name: api
    match:
    - uri:
        prefix: /api
    route:
    - destination:
        host: shop-api
`,
	Remediation: "Move the more specific route before the broader one that covers it, or delete the route if it is no longer needed.",
	Run:         runUnreachableRoute,
}

func runUnreachableRoute(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	rt, ok := newRouteTable(pass.Resource)
	if !ok {
		return
	}
	for j, route := range vs.Spec.GetHttp() {
		if j == 0 || rt.opaque[j] {
			continue
		}
		coverers := rt.routeCoveredBy(j)
		if coverers == nil {
			continue
		}
		path := fmt.Sprintf("spec.http[%d]", j)
		if len(route.GetMatch()) > 0 {
			path += ".match"
		}
		label := retryRouteLabel(route, j)
		var names []string
		for _, c := range coverers {
			if n := retryRouteLabel(vs.Spec.GetHttp()[c.route], c.route); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		if len(names) == 1 {
			how := describeMatch(coverers[0].match)
			if len(coverers) > 1 {
				how = "its matches cover all of this route's"
			}
			pass.Report(path, "route %s never matches: route %s before it (%s) takes every request it matches, so its destination gets no traffic",
				label, names[0], how)
			continue
		}
		pass.Report(path, "route %s never matches: routes %s before it take every request it matches, so its destination gets no traffic",
			label, strings.Join(names, ", "))
	}
}
