package checks

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// IngressBypassesSubsetRouting is ML009 ingress-bypasses-subset-routing.
var IngressBypassesSubsetRouting = &lint.Check{
	ID:       "ML009",
	Name:     "ingress-bypasses-subset-routing",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Tables:   []*lint.Table{VirtualServicesByHost, VirtualServicesByDestination},
	Summary:  "A gateway VirtualService routes to a host without a subset while the mesh VirtualService for that host splits by subset.",
	Doc: `A VirtualService bound only to gateways routes to host H without naming a subset, while a mesh
VirtualService for H splits traffic by subset (v1/v2, canary weights). Requests through the gateway
are routed by the gateway's VirtualService alone: they go straight to every endpoint of H, round
robin, and never see the mesh VirtualService. Version routing works inside the mesh and silently
does not apply to ingress requests (the mesh docs: "Route rules have no effect on ingress gateway
requests").

Fires on each route destination (spec.http[i].route[j].destination, and the same in spec.tcp and
spec.tls) of a VirtualService whose spec.gateways is non-empty and does not include mesh, when the
destination names no subset and a VirtualService bound to mesh (no gateways field, or mesh listed)
has a host that covers H and routes some destination of H to a subset. The message names the first
such mesh VirtualService and its subsets of H. This works offline, from the manifests alone.

Quiet when: the destination names a subset; the VirtualService is also bound to mesh (a combined
VirtualService, the mesh docs' second fix); no mesh VirtualService for H uses subsets (or none is
visible); the mesh VirtualService's first http route with the same match clauses (both catch-alls,
or equal clauses) sends H to no subset either: the gateway repeats its routing, bypassing nothing.

Choices where the catalog is silent: H is the destination host expanded as Istio does for short
names (reviews in the VirtualService's namespace); a mesh VirtualService for *.prod.svc.cluster.local
covers reviews.prod.svc.cluster.local; a subset of H anywhere in the mesh VirtualService's http, tcp
or tls routes counts as subset routing, while subsets of other hosts do not (a mesh VirtualService
that sends H to the egress gateway's subset, with a gateway VirtualService that sends it on to H, is
the usual egress setup, not version routing); exportTo is not evaluated.`,
	Example: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: myapp
  namespace: default
spec:
  hosts:
  - myapp.com
  gateways:
  - myapp-gateway
  http:
  - match:
    - uri:
        prefix: /hello
    route:
    - destination:
        host: helloworld.default.svc.cluster.local
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: helloworld
  namespace: default
spec:
  hosts:
  - helloworld.default.svc.cluster.local
  http:
  - route:
    - destination:
        host: helloworld.default.svc.cluster.local
        subset: v1
`,
	Remediation: "Name the subset in the gateway VirtualService's route too (repeating the mesh VirtualService's split), or bind one VirtualService to both the gateway and mesh.",
	Run:         runIngressBypassesSubsetRouting,
	Affects:     affectsIngressBypassesSubsetRouting,
}

func runIngressBypassesSubsetRouting(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	if vs == nil || len(vs.Spec.GetGateways()) == 0 {
		return
	}
	if slices.Contains(VirtualServiceGateways(pass.Resource), "mesh") {
		return
	}
	ns, suffix := pass.Resource.Namespace(), pass.Mesh.DomainSuffix
	type meshRouting struct {
		vs      *lint.Resource
		subsets []string
	}
	cache := map[string]*meshRouting{}
	lookup := func(host string) *meshRouting {
		if m, ok := cache[host]; ok {
			return m
		}
		// splits returns the subsets of H itself that a mesh VirtualService
		// routes to, or nil: one that sends H to another host's subset (the
		// egress gateway's, in the usual two-VirtualService egress setup)
		// does not split H by version.
		splits := func(r *lint.Resource) []string {
			if !slices.Contains(VirtualServiceGateways(r), "mesh") || !vsHostCovers(r, host, suffix) {
				return nil
			}
			var subsets []string
			routeDestinations(&r.VirtualService().Spec, func(_ string, d *networkingapi.Destination) {
				s := d.GetSubset()
				if s == "" || slices.Contains(subsets, s) || ExpandHost(d.GetHost(), r.Namespace(), suffix) != host {
					return
				}
				subsets = append(subsets, s)
			})
			return subsets
		}
		var found *meshRouting
		for _, r := range lint.LookupHost(pass.View, VirtualServicesByHost, host) {
			if r.Key() == pass.Resource.Key() {
				continue
			}
			// Every variant of the mesh VirtualService in the files must
			// split H: a tutorial's steps often add the split later.
			if subsets := splits(r); len(subsets) > 0 && EveryVariant(pass.View, r, func(x *lint.Resource) bool { return len(splits(x)) > 0 }) {
				found = &meshRouting{r, subsets}
				break
			}
		}
		cache[host] = found
		return found
	}
	routeDestinations(&vs.Spec, func(path string, d *networkingapi.Destination) {
		if d.GetSubset() != "" || d.GetHost() == "" {
			return
		}
		host := ExpandHost(d.GetHost(), ns, suffix)
		if host == "" || host[0] == '*' {
			return
		}
		m := lookup(host)
		if m == nil {
			return
		}
		var i int
		if _, err := fmt.Sscanf(path, "spec.http[%d]", &i); err == nil && i < len(vs.Spec.GetHttp()) &&
			mirrorsWithoutSubset(m.vs, vs.Spec.GetHttp()[i].GetMatch(), host, suffix) {
			// The gateway repeats the mesh VirtualService's own route for
			// these requests, which does not split them by version either.
			return
		}
		pass.Report(path, "route to %q has no subset: ingress traffic reaches every version, skipping mesh VirtualService %s/%s (subsets %s)",
			d.GetHost(), m.vs.Namespace(), m.vs.Name(), listRefs(m.subsets, 3))
	})
}

// mirrorsWithoutSubset reports whether the mesh VirtualService has an http
// route with the same match clauses (both catch-alls, or equal clauses in
// the same order) that sends host to no subset: then a gateway route for
// those requests that names no subset bypasses nothing.
func mirrorsWithoutSubset(mesh *lint.Resource, match []*networkingapi.HTTPMatchRequest, host, suffix string) bool {
	for _, r := range mesh.VirtualService().Spec.GetHttp() {
		if len(r.GetMatch()) != len(match) {
			continue
		}
		same := true
		for k := range match {
			if !proto.Equal(match[k], r.GetMatch()[k]) {
				same = false
				break
			}
		}
		if !same {
			continue
		}
		for _, d := range r.GetRoute() {
			if d.GetDestination().GetSubset() == "" && ExpandHost(d.GetDestination().GetHost(), mesh.Namespace(), suffix) == host {
				return true
			}
		}
		return false
	}
	return false
}

// vsHostCovers reports whether one of a VirtualService's expanded hosts
// covers host.
func vsHostCovers(r *lint.Resource, host, suffix string) bool {
	for _, h := range r.VirtualService().Spec.GetHosts() {
		if HostCovers(ExpandHost(h, r.Namespace(), suffix), host) {
			return true
		}
	}
	return false
}

// affectsIngressBypassesSubsetRouting: a mesh VirtualService's subsets
// decide the findings on the gateway VirtualServices that route to its
// hosts.
func affectsIngressBypassesSubsetRouting(v lint.View, r *lint.Resource) []*lint.Resource {
	if r.Kind != lint.KindVirtualService {
		return nil
	}
	return lookupHosts(v, VirtualServicesByDestination, hostsOf(r.VirtualService().Spec.GetHosts(), r.Namespace(), v.Mesh()))
}
