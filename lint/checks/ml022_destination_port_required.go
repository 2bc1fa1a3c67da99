package checks

import (
	"fmt"
	"slices"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// DestinationPortRequired is ML022 destination-port-required: a route
// destination is a Service with several ports and names none.
var DestinationPortRequired = &lint.Check{
	ID:       "ML022",
	Name:     "destination-port-required",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Reads:    []lint.Kind{lint.KindService, lint.KindGateway},
	Summary:  "A gateway route's destination is a Service with several ports and names none, and the gateway's port is not one of them.",
	Doc: `A VirtualService bound only to gateways routes to a Kubernetes Service that exposes more than one
port, and the destination names no port. Without a port, Istio sends a request to the Service port
that equals the port it arrived on; on a gateway that is the server's port (80, 443), which a
multi-port Service usually does not expose (8080, 9090): the cluster does not exist and requests get
503 NR. (istioctl: IST0112, which reports every multi-port destination without a port.)

Fires (error) on the destination when the Service is visible, every variant of it in the input
declares two or more ports, and none of them is the port of a bound, visible Gateway server that
accepts the VirtualService's hosts.

Quiet when the destination names a port; the Service declares one port (Istio then takes it); the
Service exposes the gateway server's port; the Service or the Gateway is not visible; the
VirtualService is bound to mesh: for sidecar traffic the request's own port picks the Service port,
which is well defined.`,
	Example: `apiVersion: v1
kind: Service
metadata:
  name: orders
  namespace: shop
spec:
  selector:
    app: orders
  ports:
  - name: http
    port: 8080
  - name: grpc
    port: 9090
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: public
  namespace: shop
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - orders.example.com
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: orders
  namespace: shop
spec:
  hosts:
  - orders.example.com
  gateways:
  - public
  http:
  - route:
    - destination:
        host: orders
`,
	Remediation: "Name the Service port the route is for in the destination (port.number).",
	Tables:      []*lint.Table{ServicesByHost, VirtualServicesByDestination, VirtualServicesByGateway},
	Run:         runDestinationPortRequired,
	Affects:     affectsDestinationPortRequired,
}

func runDestinationPortRequired(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	if vs == nil || slices.Contains(VirtualServiceGateways(pass.Resource), "mesh") {
		return // sidecar traffic: the request's own port picks the Service port
	}
	// The gateway routes on its server's port: the ports of the bound,
	// visible servers that accept the VirtualService's hosts.
	var gwPorts []uint32
	for _, b := range MatchingServers(pass.View, pass.Resource) {
		if p := b.Server.GetPort().GetNumber(); !slices.Contains(gwPorts, p) {
			gwPorts = append(gwPorts, p)
		}
	}
	if len(gwPorts) == 0 {
		return
	}
	ns, m := pass.Resource.Namespace(), pass.Mesh
	allDestinations(&vs.Spec, func(path string, d *networkingapi.Destination) {
		written := strings.TrimSpace(d.GetHost())
		if written == "" || d.GetPort() != nil || strings.Contains(written, "*") {
			return
		}
		svcs := pass.View.Lookup(ServicesByHost, ExpandHost(written, ns, m.DomainSuffix))
		if len(svcs) == 0 {
			return
		}
		ports := func(r *lint.Resource) []uint32 {
			var out []uint32
			for _, p := range r.Service().Spec.Ports {
				if !slices.Contains(out, uint32(p.Port)) {
					out = append(out, uint32(p.Port))
				}
			}
			return out
		}
		// Broken when the Service has several ports (one would be taken)
		// and none of them is a port the gateway routes on.
		missing := func(r *lint.Resource) bool {
			ps := ports(r)
			if len(ps) < 2 {
				return false
			}
			for _, gp := range gwPorts {
				if slices.Contains(ps, gp) {
					return false
				}
			}
			return true
		}
		if !EveryVariant(pass.View, svcs[0], missing) {
			return
		}
		var list []string
		for _, p := range ports(svcs[0]) {
			list = append(list, fmt.Sprint(p))
		}
		pass.Report(path, "destination %q names no port: the gateway routes on port %d, which service %s/%s does not expose (ports %s), so requests get 503 NR",
			written, gwPorts[0], svcs[0].Namespace(), svcs[0].Name(), strings.Join(list, ", "))
	})
}

// affectsDestinationPortRequired: the VirtualServices routing to the
// Service's host, and those bound to a Gateway.
func affectsDestinationPortRequired(v lint.View, r *lint.Resource) []*lint.Resource {
	switch r.Kind {
	case lint.KindService:
		return lint.LookupHost(v, VirtualServicesByDestination, lint.ServiceHost(r.Name(), r.Namespace(), v.Mesh().DomainSuffix))
	case lint.KindGateway:
		return boundVirtualServices(v, r)
	}
	return nil
}
