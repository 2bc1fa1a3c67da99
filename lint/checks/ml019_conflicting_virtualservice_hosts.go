package checks

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// ConflictingVirtualServiceHosts is ML019 conflicting-virtualservice-hosts:
// two VirtualServices for the same host on the sidecars, where only one
// applies, or on one Gateway, where the catch-all route of one shadows the
// other's catch-all route.
var ConflictingVirtualServiceHosts = &lint.Check{
	ID:       "ML019",
	Name:     "conflicting-virtualservice-hosts",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Summary:  "Two VirtualServices declare the same host for the sidecars (only one applies), or for one Gateway with a catch-all route each (only one gets requests).",
	Doc: `Sidecars (mesh): two VirtualServices bound to mesh (no spec.gateways, or mesh listed) declare
the same host. The sidecar builds one virtual host per host from the first VirtualService it
selects (one exported to its own namespace first, else the oldest) and drops the other as a
duplicate, so the other's routes silently do nothing. Fires (error) on each of the two, naming the
other, when a client namespace sees both, as istioctl analyze (IST0109) compares them: both
exported to every namespace (no exportTo, or * listed), both exported to one same namespace ("."
standing for the VirtualService's own), or one exported to every namespace and the other to some
(a client there takes the one exported to its namespace and drops the other). Hosts are compared
exactly after Istio's short-name resolution (reviews in prod is reviews.prod.svc.cluster.local;
names with a dot are taken as written).

Gateways: VirtualServices bound to the same Gateway for the same host are merged in creation
order, and istiod then moves the catch-all routes (no match, an empty match clause, or only uri
prefix "/") behind every other route, keeping their order. So specific routes of either
VirtualService keep working, but of two catch-all routes only the older VirtualService's gets
requests. Fires (warning), on the catch-all route, when another VirtualService bound to the same
Gateway, both visible from the Gateway's namespace, declares the same host and has a catch-all
route too. When creation timestamps (cluster mode) show that this VirtualService is the older
one, its catch-all wins and it is quiet.

In files, only resources of one file, or of one rendering (a chart with its values, a kustomize
build, applied at once), are compared: separate files of a repository are often alternatives
(tutorial steps, a canary and its rollback, per-cluster copies) applied one at a time, and a
conflict between them is not one the repository has. With the whole cluster visible (webhook,
--cluster) every pair is.

Quiet when: of two mesh VirtualServices one has only http routes and the other only tcp or tls
routes (they build different parts of the sidecar's configuration); only one of two
VirtualServices on a Gateway has a catch-all route (it is moved last, whatever the creation order);
exportTo makes the two invisible to each other (exportTo ["."] in different namespaces, exportTo
["~"]); wildcard hosts that only overlap (*.example.com and api.example.com, *.d and *.c.d:
IST0109 compares them, but Envoy picks the most specific domain, so both take effect); for
delegate VirtualServices (no hosts); for two variants of one VirtualService in the files; when the
hosts, gateways or exportTo did not decode. A finding resting on the other VirtualService holds
for every variant of it in the files.

Choices where the catalog is silent: mesh VirtualServices in different namespaces that a client
namespace sees both of are a conflict (Istio merges only delegates into their root, never two
VirtualServices for one host on the sidecars). On a Gateway, the catalog's "a catch-all route that
shadows the other" is read as istiod builds it today: since the merged routes are sorted with
catch-alls last, a catch-all shadows only the other VirtualService's catch-all. One finding per host
and binding, naming the first conflicting VirtualService (and, for the sidecars, counting the
others).`,
	Example: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews-canary
  namespace: shop
spec:
  hosts:
  - reviews.shop.svc.cluster.local
  http:
  - match:
    - headers:
        x-canary:
          exact: "true"
    route:
    - destination:
        host: reviews
        subset: v2
`,
	Remediation: "Merge the routes for the host into one VirtualService, or scope the VirtualServices apart with exportTo.",
	Tables:      []*lint.Table{VirtualServicesByHost},
	Run:         runConflictingVirtualServiceHosts,
	Affects:     affectsConflictingVirtualServiceHosts,
}

// exportedTo reports whether a resource with export scopes is visible from
// namespace ns.
func exportedTo(scopes []string, ns string) bool {
	return slices.Contains(scopes, "*") || slices.Contains(scopes, ns)
}

// vsUndecoded reports whether a field ML019 reads did not decode.
func vsUndecoded(r *lint.Resource) bool {
	if len(r.Problems) == 0 {
		return false
	}
	for _, p := range []string{"spec.hosts", "spec.gateways", "spec.exportTo"} {
		if pathUndecoded(r, p) {
			return true
		}
	}
	return false
}

// vsBindsTo reports whether VirtualService r is bound to ref ("mesh" or
// "ns/name").
func vsBindsTo(r *lint.Resource, ref string) bool {
	return slices.Contains(VirtualServiceGateways(r), ref)
}

// vsHasHost reports whether r declares fqdn, resolved as Istio resolves it.
func vsHasHost(r *lint.Resource, fqdn, suffix string) bool {
	for _, h := range r.VirtualService().Spec.GetHosts() {
		if istioFQDN(h, r.Namespace(), suffix) == fqdn {
			return true
		}
	}
	return false
}

// catchAllRoute returns the index of the first http route of r that matches
// every request on gateway ref, or -1.
func catchAllRoute(r *lint.Resource, ref string) int {
	if len(r.Problems) > 0 && pathUndecoded(r, "spec.http") {
		return -1
	}
	for i, route := range r.VirtualService().Spec.GetHttp() {
		ms := route.GetMatch()
		if len(ms) == 0 {
			return i
		}
		for _, m := range ms {
			if isEmptyHTTPMatch(m, ref, r.Namespace()) {
				return i
			}
		}
	}
	return -1
}

// isEmptyHTTPMatch reports whether a match clause matches every request on
// gateway ref: it sets nothing but its name, uri prefix "/" and, possibly,
// gateways listing ref (entries written in VirtualService namespace ns).
func isEmptyHTTPMatch(m *networkingapi.HTTPMatchRequest, ref, ns string) bool {
	if m == nil {
		return true
	}
	c := proto.Clone(m).(*networkingapi.HTTPMatchRequest)
	c.Name, c.Gateways = "", nil
	if c.GetUri().GetPrefix() == "/" {
		c.Uri = nil // Envoy's catch-all: prefix "/" and nothing else
	}
	if !proto.Equal(c, &networkingapi.HTTPMatchRequest{}) {
		return false
	}
	if len(m.GetGateways()) == 0 {
		return true
	}
	for _, g := range m.GetGateways() {
		if GatewayRef(g, ns) == ref {
			return true
		}
	}
	return false
}

// shareRouteKind reports whether two VirtualServices both have http, both
// tcp or both tls routes: one with only http routes and one with only tcp
// routes for a host (different ports) build different things and do not
// displace each other's routes.
func shareRouteKind(a, b *lint.Resource) bool {
	sa, sb := &a.VirtualService().Spec, &b.VirtualService().Spec
	return (len(sa.GetHttp()) > 0 && len(sb.GetHttp()) > 0) ||
		(len(sa.GetTcp()) > 0 && len(sb.GetTcp()) > 0) ||
		(len(sa.GetTls()) > 0 && len(sb.GetTls()) > 0)
}

// olderThan reports whether a was created before b, by creation timestamps
// (known in the cluster only).
func olderThan(a, b *lint.Resource) bool {
	ta, tb := a.Object.GetCreationTimestamp(), b.Object.GetCreationTimestamp()
	return !ta.IsZero() && !tb.IsZero() && ta.Before(&tb)
}

func runConflictingVirtualServiceHosts(pass *lint.Pass) {
	r := pass.Resource
	vs := r.VirtualService()
	if vs == nil || vsUndecoded(r) {
		return
	}
	suffix := pass.Mesh.DomainSuffix
	scopes := exportScopes(vs.Spec.GetExportTo(), r.Namespace())
	refs := VirtualServiceGateways(r)
	seen := map[string]bool{}
	for i, h := range vs.Spec.GetHosts() {
		fqdn := istioFQDN(h, r.Namespace(), suffix)
		if fqdn == "" || seen[fqdn] {
			continue
		}
		seen[fqdn] = true
		cands := pass.View.Lookup(VirtualServicesByHost, lint.HostIndexKey(ExpandHost(h, r.Namespace(), suffix)))
		path := fmt.Sprintf("spec.hosts[%d]", i)
		for _, ref := range refs {
			if ref == "mesh" {
				reportMeshConflict(pass, path, fqdn, scopes, cands)
			} else {
				reportGatewayShadow(pass, path, fqdn, ref, cands)
			}
		}
	}
}

// reportMeshConflict reports the mesh VirtualServices among cands that
// declare fqdn in an export scope shared with this one.
func reportMeshConflict(pass *lint.Pass, path, fqdn string, scopes []string, cands []*lint.Resource) {
	r, suffix := pass.Resource, pass.Mesh.DomainSuffix
	conflicts := func(o *lint.Resource) bool {
		ov := o.VirtualService()
		return ov != nil && !vsUndecoded(o) && vsBindsTo(o, "mesh") && vsHasHost(o, fqdn, suffix) && shareRouteKind(r, o) &&
			exportScopesMeet(scopes, exportScopes(ov.Spec.GetExportTo(), o.Namespace()))
	}
	var first *lint.Resource
	n := 0
	seen := map[lint.Key]bool{}
	for _, o := range cands {
		if o.Key() == r.Key() || seen[o.Key()] || !AppliedTogether(pass.View, r, o) {
			continue
		}
		seen[o.Key()] = true
		if !conflicts(o) || !EveryVariant(pass.View, o, conflicts) {
			continue
		}
		if first == nil {
			first = o
		}
		n++
	}
	if first == nil {
		return
	}
	more := ""
	if n > 1 {
		more = fmt.Sprintf(" and %d more", n-1)
	}
	pass.ReportSeverity(lint.SeverityError, path,
		"host %q is also declared for the sidecars by virtualservice %s/%s%s; a sidecar that sees both uses only one of them, so the other's routes silently do nothing there",
		fqdn, first.Namespace(), first.Name(), more)
}

// reportGatewayShadow reports, on this VirtualService's catch-all route, a
// VirtualService among cands, bound to Gateway ref with the same host, whose
// own catch-all route answers every request this one would get when it is
// older. Istio sorts the merged routes' catch-alls behind the other routes
// (SortVHostRoutes), so a catch-all shadows only another catch-all.
func reportGatewayShadow(pass *lint.Pass, path, fqdn, ref string, cands []*lint.Resource) {
	r, suffix := pass.Resource, pass.Mesh.DomainSuffix
	gwNS, _ := SplitRef(ref)
	mine := catchAllRoute(r, ref)
	if mine < 0 || !exportedTo(exportScopes(r.VirtualService().Spec.GetExportTo(), r.Namespace()), gwNS) {
		return
	}
	shadows := func(o *lint.Resource) bool {
		ov := o.VirtualService()
		return ov != nil && !vsUndecoded(o) && vsBindsTo(o, ref) && vsHasHost(o, fqdn, suffix) &&
			exportedTo(exportScopes(ov.Spec.GetExportTo(), o.Namespace()), gwNS) &&
			catchAllRoute(o, ref) >= 0 && !olderThan(r, o)
	}
	seen := map[lint.Key]bool{}
	for _, o := range cands {
		if o.Key() == r.Key() || seen[o.Key()] || !AppliedTogether(pass.View, r, o) {
			continue
		}
		seen[o.Key()] = true
		if !shadows(o) || !EveryVariant(pass.View, o, shadows) {
			continue
		}
		when := "if that one is older"
		if olderThan(o, r) {
			when = "since that one is older"
		}
		pass.ReportSeverity(lint.SeverityWarning, fmt.Sprintf("spec.http[%d]", mine),
			"gateway %s merges host %q from this virtualservice and virtualservice %s/%s, and both have a catch-all route (spec.http[%d] there); istiod moves catch-alls behind every other route and keeps the older one's first; %s, this route never gets a request",
			ref, fqdn, o.Namespace(), o.Name(), catchAllRoute(o, ref), when)
		return
	}
}

// affectsConflictingVirtualServiceHosts: the VirtualServices that declare
// one of the changed VirtualService's hosts (conflicts are symmetric).
func affectsConflictingVirtualServiceHosts(v lint.View, r *lint.Resource) []*lint.Resource {
	if r.Kind != lint.KindVirtualService || r.VirtualService() == nil {
		return nil
	}
	var out []*lint.Resource
	for _, h := range r.VirtualService().Spec.GetHosts() {
		out = append(out, v.Lookup(VirtualServicesByHost, lint.HostIndexKey(ExpandHost(h, r.Namespace(), v.Mesh().DomainSuffix)))...)
	}
	return out
}
