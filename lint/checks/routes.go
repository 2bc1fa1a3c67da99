package checks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// retryRouteLabel names an HTTP route in a message: its name, else its index.
func retryRouteLabel(r *networkingapi.HTTPRoute, i int) string {
	if r.GetName() != "" {
		return fmt.Sprintf("%q", r.GetName())
	}
	return fmt.Sprintf("http[%d]", i)
}

// routeDestinations calls fn for every route destination of a
// VirtualService with its field path.
func routeDestinations(vs *networkingapi.VirtualService, fn func(path string, d *networkingapi.Destination)) {
	for i, r := range vs.GetHttp() {
		for j, rd := range r.GetRoute() {
			fn(fmt.Sprintf("spec.http[%d].route[%d].destination", i, j), rd.GetDestination())
		}
	}
	for i, r := range vs.GetTcp() {
		for j, rd := range r.GetRoute() {
			fn(fmt.Sprintf("spec.tcp[%d].route[%d].destination", i, j), rd.GetDestination())
		}
	}
	for i, r := range vs.GetTls() {
		for j, rd := range r.GetRoute() {
			fn(fmt.Sprintf("spec.tls[%d].route[%d].destination", i, j), rd.GetDestination())
		}
	}
}

// allDestinations calls fn with every route and mirror destination of a
// VirtualService and its field path.
func allDestinations(vs *networkingapi.VirtualService, fn func(path string, d *networkingapi.Destination)) {
	for i, h := range vs.GetHttp() {
		for j, rd := range h.GetRoute() {
			fn(fmt.Sprintf("spec.http[%d].route[%d].destination", i, j), rd.GetDestination())
		}
		if m := h.GetMirror(); m != nil {
			fn(fmt.Sprintf("spec.http[%d].mirror", i), m)
		}
		for j, m := range h.GetMirrors() {
			fn(fmt.Sprintf("spec.http[%d].mirrors[%d].destination", i, j), m.GetDestination())
		}
	}
	for i, t := range vs.GetTcp() {
		for j, rd := range t.GetRoute() {
			fn(fmt.Sprintf("spec.tcp[%d].route[%d].destination", i, j), rd.GetDestination())
		}
	}
	for i, t := range vs.GetTls() {
		for j, rd := range t.GetRoute() {
			fn(fmt.Sprintf("spec.tls[%d].route[%d].destination", i, j), rd.GetDestination())
		}
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

// emptyMatch stands for a route without a match: it matches every request.
var emptyMatch = &networkingapi.HTTPMatchRequest{}

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
