package checks

import (
	"slices"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// DestinationHostNotFound is ML017 destination-host-not-found: a route
// destination names a host that no Service or ServiceEntry defines.
var DestinationHostNotFound = &lint.Check{
	ID:       "ML017",
	Name:     "destination-host-not-found",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Reads:    []lint.Kind{lint.KindService, lint.KindServiceEntry},
	Summary:  "A route destination names a host that no Service or ServiceEntry defines.",
	Doc: `A VirtualService destination (spec.http[*].route[*].destination, spec.http[*].mirror,
spec.http[*].mirrors[*].destination, spec.tcp[*].route[*].destination,
spec.tls[*].route[*].destination) names a host that is in no service registry: no Kubernetes
Service of that name and namespace, and no ServiceEntry host that matches it (wildcards match as
Istio matches them). The proxy has no cluster for it: requests routed there get 503 NR. A typo in
the host is the usual cause. (istioctl: IST0101; Kiali: KIA1101.)

Fires (error) on each such destination with the whole cluster visible (webhook, --cluster). In
files (warning), only when the host is a near miss of one the input does define (within two
character edits of a Service name of the host's namespace, or of a ServiceEntry host under the same
domain): the message names the likely intended host.

Quiet when: a visible Service or ServiceEntry defines the host; the destination host is a
wildcard; the host is outside the cluster domain (not <name>.<namespace>.svc.<domainSuffix>) and
the mesh config does not say outboundTrafficPolicy REGISTRY_ONLY (the proxy passes such hosts
through); in files, when the host is not a near miss of a defined one. A repository rarely holds
every Service its routes go to (they come from another repository, a Helm chart, a script), so in
files an absent host alone says nothing; the catalog's rule (quiet when the input holds no Service
and no ServiceEntry of the host's namespace) let through 70 false warnings on the real-world
corpus, where tutorial repositories hold one Service of a namespace and route to ten.

Choices where the catalog is silent:
- Short hosts are expanded in the VirtualService's namespace. In files, a Service given without
  metadata.namespace defines its name in any namespace (it is applied with kubectl apply -n), and a
  short host of a VirtualService given without namespace is defined by a Service of that name in
  any namespace.
- kubernetes.default (the API server) always exists in a cluster.
- exportTo is not considered: a Service or ServiceEntry not exported to the VirtualService's
  namespace still counts as defining the host (a missed finding rather than a false one).`,
	Example: `apiVersion: v1
kind: Service
metadata:
  name: ratings
  namespace: shop
spec:
  selector:
    app: ratings
  ports:
  - name: http
    port: 9080
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
  namespace: shop
spec:
  hosts:
  - ratings
  http:
  - route:
    - destination:
        host: ratngs
`,
	Remediation: "Correct the destination host to a Service (name, name.namespace or the full name) or a ServiceEntry host, or create the ServiceEntry for it.",
	Tables: []*lint.Table{ServicesByHost, ServiceEntriesByHost, ByNamespace(lint.KindService), ByNamespace(lint.KindServiceEntry),
		NamespacelessServices, ServicesByName, VirtualServicesByDestination},
	Run:     runDestinationHostNotFound,
	Affects: affectsHostNotFound(VirtualServicesByDestination),
}

func runDestinationHostNotFound(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	if vs == nil {
		return
	}
	ns, m := pass.Resource.Namespace(), pass.Mesh
	var reported []string
	allDestinations(&vs.Spec, func(path string, d *networkingapi.Destination) {
		written := strings.TrimSpace(d.GetHost())
		if written == "" || strings.Contains(written, "*") {
			return
		}
		host := ExpandHost(written, ns, m.DomainSuffix)
		rh := lookupRegistryHost(pass.View, host, written, pass.Resource)
		if rh.defined || rh.partial || !rh.inCluster && !m.RegistryOnly {
			return
		}
		path += ".host"
		if slices.Contains(reported, path) {
			return
		}
		reported = append(reported, path)
		consequence := "requests routed to it get 503 NR"
		if !rh.inCluster {
			consequence = "with outboundTrafficPolicy REGISTRY_ONLY, requests routed to it get 502"
		}
		if pass.View.Full() {
			pass.ReportSeverity(lint.SeverityError, path, "destination host %q matches no Service or ServiceEntry; %s", written, consequence)
			return
		}
		pass.ReportSeverity(lint.SeverityWarning, path, "destination host %q matches no Service or ServiceEntry in the input (did you mean %q?); if it exists nowhere, %s", written, rh.suggest, consequence)
	})
}
