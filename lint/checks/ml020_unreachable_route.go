package checks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

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

// routeTable holds what the route-order checks (ML020, ML021) compare: each
// http route's match clauses, with the VirtualService's gateways.
type routeTable struct {
	r      *lint.Resource
	routes []*networkingapi.HTTPRoute
	// opaque marks routes whose match did not decode: they neither cover
	// nor are reported.
	opaque map[int]bool
}

// newRouteTable returns the table of a VirtualService, or false when there is
// nothing to compare (fewer than two http routes) or its http list or
// gateways did not decode.
func newRouteTable(r *lint.Resource) (routeTable, bool) {
	vs := r.VirtualService()
	routes := vs.Spec.GetHttp()
	if len(routes) < 2 {
		return routeTable{}, false
	}
	if len(r.Problems) > 0 && (pathUndecodedExactly(r, "spec.http") || pathUndecoded(r, "spec.gateways")) {
		return routeTable{}, false
	}
	rt := routeTable{r: r, routes: routes}
	for i := range routes {
		// Any problem in the route makes it opaque: a misspelt "matches" would
		// otherwise read as a catch-all.
		if len(r.Problems) > 0 && pathUndecoded(r, fmt.Sprintf("spec.http[%d]", i)) {
			if rt.opaque == nil {
				rt.opaque = map[int]bool{}
			}
			rt.opaque[i] = true
		}
	}
	return rt, true
}

// emptyMatch stands for a route without a match: it matches every request.
var emptyMatch = &networkingapi.HTTPMatchRequest{}

// coverer is a clause of an earlier route that covers a later clause; match
// is nil for a route without a match (a catch-all).
type coverer struct {
	route int
	match *networkingapi.HTTPMatchRequest
}

// clauseCoveredBy returns the first clause of a route before j that covers
// m (nil for a catch-all route j), if any.
func (rt *routeTable) clauseCoveredBy(j int, m *networkingapi.HTTPMatchRequest) (coverer, bool) {
	for i := 0; i < j; i++ {
		if rt.opaque[i] || rt.routes[i].GetDelegate() != nil {
			// A delegating route takes only what its delegate's routes match:
			// the rest falls through to the routes after it.
			continue
		}
		earlier := rt.routes[i].GetMatch()
		if len(earlier) == 0 {
			return coverer{route: i}, true
		}
		for _, a := range earlier {
			if rt.covers(a, m) {
				return coverer{route: i, match: a}, true
			}
		}
	}
	return coverer{}, false
}

// routeCoveredBy returns, when every clause of route j is covered by an
// earlier route, the earlier clauses that cover them; else nil.
func (rt *routeTable) routeCoveredBy(j int) []coverer {
	clauses := rt.routes[j].GetMatch()
	if len(clauses) == 0 {
		clauses = []*networkingapi.HTTPMatchRequest{nil}
	}
	for _, m := range clauses {
		if _, ok := rt.clauseCoveredBy(j, m); !ok {
			return nil // the common case: no allocation
		}
	}
	out := make([]coverer, 0, len(clauses))
	for _, m := range clauses {
		c, _ := rt.clauseCoveredBy(j, m)
		out = append(out, c)
	}
	return out
}

// covers reports whether every request clause b matches also matches clause
// a. A nil clause matches every request.
func (rt *routeTable) covers(a, b *networkingapi.HTTPMatchRequest) bool {
	if a == nil {
		return true
	}
	if b == nil {
		b = emptyMatch
	}
	if !uriCovers(a.GetUri(), a.GetIgnoreUriCase(), b.GetUri(), b.GetIgnoreUriCase()) ||
		!anyCovers(a.GetScheme(), b.GetScheme()) ||
		!anyCovers(a.GetMethod(), b.GetMethod()) ||
		!anyCovers(a.GetAuthority(), b.GetAuthority()) {
		return false
	}
	if a.GetPort() != 0 && a.GetPort() != b.GetPort() {
		return false
	}
	if a.GetSourceNamespace() != "" && a.GetSourceNamespace() != b.GetSourceNamespace() {
		return false
	}
	for k, v := range a.GetSourceLabels() {
		if bv, ok := b.GetSourceLabels()[k]; !ok || bv != v {
			return false
		}
	}
	if !keyedCovers(a.GetHeaders(), b.GetHeaders(), true) || !keyedCovers(a.GetQueryParams(), b.GetQueryParams(), false) {
		return false
	}
	for k, av := range a.GetWithoutHeaders() {
		bv, ok := lookupKey(b.GetWithoutHeaders(), k, true)
		if !ok || !valueCovers(bv, av) {
			return false
		}
	}
	return rt.gatewaysCover(a.GetGateways(), b.GetGateways())
}

// gatewaysCover reports whether a clause scoped to gateways a applies on
// every gateway a clause scoped to b applies on (empty: all of the
// VirtualService's gateways).
func (rt *routeTable) gatewaysCover(a, b []string) bool {
	if len(a) == 0 {
		return true
	}
	if len(b) == 0 {
		b = VirtualServiceGateways(rt.r)
	}
	ns := rt.r.Namespace()
	for _, g := range b {
		ref := GatewayRef(g, ns)
		if !slices.ContainsFunc(a, func(ag string) bool { return GatewayRef(ag, ns) == ref }) {
			return false
		}
	}
	return true
}

// stringMatchKind is how a StringMatch compares: absent, present ({}),
// exact, prefix or regex.
type stringMatchKind int

const (
	smAbsent stringMatchKind = iota
	smPresent
	smExact
	smPrefix
	smRegex
)

func stringMatchOf(m *networkingapi.StringMatch) (stringMatchKind, string) {
	if m == nil {
		return smAbsent, ""
	}
	switch v := m.GetMatchType().(type) {
	case *networkingapi.StringMatch_Exact:
		return smExact, v.Exact
	case *networkingapi.StringMatch_Prefix:
		if v.Prefix == "" {
			return smPresent, ""
		}
		return smPrefix, v.Prefix
	case *networkingapi.StringMatch_Regex:
		return smRegex, v.Regex
	}
	return smPresent, ""
}

// valueCovers reports whether StringMatch a accepts every value b accepts,
// for a header or query parameter, where a nil match does not constrain and
// an empty one means "present".
func valueCovers(a, b *networkingapi.StringMatch) bool {
	ak, av := stringMatchOf(a)
	bk, bv := stringMatchOf(b)
	return kindCovers(ak, av, bk, bv)
}

func kindCovers(ak stringMatchKind, av string, bk stringMatchKind, bv string) bool {
	switch ak {
	case smAbsent:
		return true
	case smPresent:
		return bk != smAbsent
	case smExact:
		return bk == smExact && bv == av
	case smPrefix:
		return (bk == smExact || bk == smPrefix) && strings.HasPrefix(bv, av)
	case smRegex:
		return bk == smRegex && bv == av
	}
	return false
}

// anyCovers compares scheme, method or authority matches, for which an
// empty match is no condition (the pseudo-header is always present).
func anyCovers(a, b *networkingapi.StringMatch) bool {
	ak, av := stringMatchOf(a)
	bk, bv := stringMatchOf(b)
	if ak == smPresent {
		ak = smAbsent
	}
	if bk == smPresent {
		bk = smAbsent
	}
	return kindCovers(ak, av, bk, bv)
}

// uriOf returns a uri match, with the matches that accept every path
// (prefix "/", prefix "", regex ".*", {}) as absent.
func uriOf(m *networkingapi.StringMatch) (stringMatchKind, string) {
	k, v := stringMatchOf(m)
	switch {
	case k == smPresent, k == smPrefix && v == "/", k == smRegex && (v == ".*" || v == "/.*"):
		return smAbsent, ""
	}
	return k, v
}

func uriCovers(a *networkingapi.StringMatch, aFold bool, b *networkingapi.StringMatch, bFold bool) bool {
	ak, av := uriOf(a)
	bk, bv := uriOf(b)
	if ak == smAbsent {
		return true
	}
	if bFold && !aFold {
		return false // b matches other cases of the path that a rejects
	}
	if aFold {
		if ak == smRegex || bk == smRegex {
			return bFold && ak == bk && av == bv
		}
		av, bv = strings.ToLower(av), strings.ToLower(bv)
	}
	return kindCovers(ak, av, bk, bv)
}

// keyedCovers compares headers (keys case-insensitive) or query parameters:
// every key a constrains must be constrained by b at least as narrowly.
func keyedCovers(a, b map[string]*networkingapi.StringMatch, foldKeys bool) bool {
	for k, av := range a {
		bv, ok := lookupKey(b, k, foldKeys)
		if !ok || !valueCovers(av, bv) {
			return false
		}
	}
	return true
}

// lookupKey finds key in m, ignoring case when fold is set, without
// allocating: these maps hold a handful of headers.
func lookupKey(m map[string]*networkingapi.StringMatch, key string, fold bool) (*networkingapi.StringMatch, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	if fold {
		for k, v := range m {
			if strings.EqualFold(k, key) {
				return v, true
			}
		}
	}
	return nil, false
}

// describeMatch names what a match clause matches, for messages.
func describeMatch(m *networkingapi.HTTPMatchRequest) string {
	if m == nil {
		return "no match, a catch-all"
	}
	var parts []string
	str := func(what string, s *networkingapi.StringMatch) {
		switch k, v := stringMatchOf(s); k {
		case smPresent:
			parts = append(parts, what+" present")
		case smExact:
			parts = append(parts, fmt.Sprintf("%s exact %q", what, v))
		case smPrefix:
			parts = append(parts, fmt.Sprintf("%s prefix %q", what, v))
		case smRegex:
			parts = append(parts, fmt.Sprintf("%s regex %q", what, v))
		}
	}
	str("uri", m.GetUri())
	str("scheme", m.GetScheme())
	str("method", m.GetMethod())
	str("authority", m.GetAuthority())
	for _, k := range slices.Sorted(maps.Keys(m.GetHeaders())) {
		str("header "+k, m.GetHeaders()[k])
	}
	for _, k := range slices.Sorted(maps.Keys(m.GetQueryParams())) {
		str("query "+k, m.GetQueryParams()[k])
	}
	if len(m.GetWithoutHeaders()) > 0 {
		parts = append(parts, "withoutHeaders "+strings.Join(slices.Sorted(maps.Keys(m.GetWithoutHeaders())), ","))
	}
	if p := m.GetPort(); p != 0 {
		parts = append(parts, fmt.Sprintf("port %d", p))
	}
	if g := m.GetGateways(); len(g) > 0 {
		parts = append(parts, "gateways "+strings.Join(g, ","))
	}
	if len(m.GetSourceLabels()) > 0 {
		var ls []string
		for _, k := range slices.Sorted(maps.Keys(m.GetSourceLabels())) {
			ls = append(ls, k+"="+m.GetSourceLabels()[k])
		}
		parts = append(parts, "sourceLabels "+strings.Join(ls, ","))
	}
	if ns := m.GetSourceNamespace(); ns != "" {
		parts = append(parts, "sourceNamespace "+ns)
	}
	if len(parts) == 0 {
		return "a match without conditions, a catch-all"
	}
	return strings.Join(parts, ", ")
}

// pathUndecoded reports whether a schema problem (ML016) touches the field
// at path: the field itself, something inside it, or an object it is in.
// Checks do not read such a field: "A field that failed to decode is never
// interpreted".
func pathUndecoded(r *lint.Resource, path string) bool {
	for _, p := range r.Problems {
		if lint.PathAtOrBelow(p.Path, path) || lint.PathAtOrBelow(path, p.Path) {
			return true
		}
	}
	return false
}

// pathUndecodedExactly reports whether a schema problem is on the object at
// path itself or on an object it is in (its own fields are not looked at).
func pathUndecodedExactly(r *lint.Resource, path string) bool {
	for _, p := range r.Problems {
		if lint.PathAtOrBelow(path, p.Path) {
			return true
		}
	}
	return false
}
