package checks

import (
	"fmt"
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// GatewayNotFound is ML013 gateway-not-found.
var GatewayNotFound = &lint.Check{
	ID:       "ML013",
	Name:     "gateway-not-found",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Reads:    []lint.Kind{lint.KindGateway, lint.KindGatewayAPIGateway},
	Summary:  "A VirtualService names a Gateway that does not exist.",
	Doc: `A spec.gateways entry of a VirtualService names a Gateway that does not exist. Istio binds the
routes to nothing: the gateway pods never get them and answer 404 for the VirtualService's hosts.

Fires on each spec.gateways entry other than mesh whose Gateway is not visible: warning when linting
files (the Gateway may be in a file that was not given), error in the webhook and --cluster mode,
where the whole cluster is visible. When the files hold no Gateway at all in the referenced
namespace, the input is clearly partial there (an application repository binding to a shared
gateway it does not own): the finding is info, which does not fail CI by default.

Quiet when: the entry is mesh; the entry is a placeholder left to fill in (<namespace>/egress,
${GATEWAY}, GATEWAY_NAME); the Gateway exists; in files, a Gateway of that name is given without
metadata.namespace (such files are applied with kubectl apply -n, into any namespace); in files, the
VirtualService is given without metadata.namespace, the entry is a bare name, and a Gateway of
that name is in the input in some namespace (the VirtualService is applied into it with kubectl
apply -n, as workshops do).

Choices where the catalog is silent:
- An entry is resolved as Istio resolves it: name means <VirtualService namespace>/name, ns/name
  is explicit, and the legacy name.ns.svc.cluster.local form means ns/name.
- Gateway names in spec.http[*].match[*].gateways are not checked: they only narrow a route to
  gateways that spec.gateways already binds.
- A Kubernetes Gateway API Gateway (gateway.networking.k8s.io) of that namespace and name in the
  input satisfies the entry: Istio binds VirtualServices to those too. The webhook and --cluster mode
  do not watch Gateway API objects, so there an entry naming one is reported.`,
	Example: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: web
spec:
  hosts:
  - shop.example.com
  gateways:
  - istio-system/public-gateway
  http:
  - route:
    - destination:
        host: shop
`,
	Remediation: "Point spec.gateways at an existing Gateway (as name in the VirtualService's namespace, or namespace/name), or create the Gateway.",
	Tables:      []*lint.Table{ByNamespace(lint.KindGateway), NamespacelessGateways, GatewaysByName, VirtualServicesByGateway},
	Run:         runGatewayNotFound,
	Affects:     affectsBoundVirtualServices,
}

func runGatewayNotFound(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	if vs == nil {
		return
	}
	for i, g := range vs.Spec.GetGateways() {
		ref := GatewayRef(g, pass.Resource.Namespace())
		if ref == "mesh" || isPlaceholder(g) {
			continue // a placeholder (<gateway-namespace>/egress) names no Gateway yet
		}
		ns, name := SplitRef(ref)
		if pass.View.Get(lint.Key{Kind: lint.KindGateway, Namespace: ns, Name: name}) != nil {
			continue
		}
		if pass.View.Get(lint.Key{Kind: lint.KindGatewayAPIGateway, Namespace: ns, Name: name}) != nil {
			continue // a Kubernetes Gateway API Gateway, which Istio also binds
		}
		if !pass.View.Full() && pass.View.Count(NamespacelessGateways, name) > 0 {
			continue // a Gateway given without namespace may be applied into ns
		}
		if !pass.View.Full() && pass.Resource.DefaultNamespace && !strings.ContainsAny(g, "/.") && pass.View.Count(GatewaysByName, name) > 0 {
			continue // a VirtualService given without namespace may be applied into the Gateway's
		}
		path := fmt.Sprintf("spec.gateways[%d]", i)
		if pass.View.Full() {
			pass.ReportSeverity(lint.SeverityError, path, "gateway %q does not exist; no gateway applies these routes and requests for them get 404", ref)
			continue
		}
		if PartialInput(pass.View, lint.KindGateway, ns) {
			pass.ReportSeverity(lint.SeverityInfo, path, "gateway %q is not in the input, which holds no Gateway of namespace %q; if it does not exist, no gateway applies these routes (404)", ref, ns)
			continue
		}
		pass.ReportSeverity(lint.SeverityWarning, path, "gateway %q is not in the input; if it does not exist, no gateway applies these routes (404)", ref)
	}
}
