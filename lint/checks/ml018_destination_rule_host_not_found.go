package checks

import (
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// DestinationRuleHostNotFound is ML018 destination-rule-host-not-found: the
// DestinationRule's host matches no Service or ServiceEntry.
var DestinationRuleHostNotFound = &lint.Check{
	ID:       "ML018",
	Name:     "destination-rule-host-not-found",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindDestinationRule},
	Reads:    []lint.Kind{lint.KindService, lint.KindServiceEntry},
	Summary:  "A DestinationRule's host matches no Service or ServiceEntry, so its policy applies to nothing.",
	Doc: `The DestinationRule's spec.host names no Kubernetes Service and no ServiceEntry host: the
traffic policy and subsets apply to no traffic at all, silently. A typo in the host is the usual
cause. (istioctl: IST0174; Kiali: KIA0202.)

Fires (warning) on spec.host, with the same visibility rules as destination-host-not-found
(ML017): with the whole cluster visible whenever no Service or ServiceEntry defines the host; in
files only when the host is a near miss of one the input defines (the message names it). Quiet
for wildcard hosts (*.local, *.example.com: mesh-wide policies), and for hosts outside the
cluster domain unless the mesh config says outboundTrafficPolicy REGISTRY_ONLY.`,
	Example: `apiVersion: v1
kind: Service
metadata:
  name: payments
  namespace: billing
spec:
  selector:
    app: payments
  ports:
  - name: http
    port: 8080
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: payments
  namespace: billing
spec:
  host: payment
  trafficPolicy:
    connectionPool:
      http:
        http1MaxPendingRequests: 100
`,
	Remediation: "Correct spec.host to the Service (name, name.namespace or the full name) or ServiceEntry host the policy is for.",
	Tables: []*lint.Table{ServicesByHost, ServiceEntriesByHost, ByNamespace(lint.KindService), ByNamespace(lint.KindServiceEntry),
		NamespacelessServices, ServicesByName, DestinationRulesByHost},
	Run:     runDestinationRuleHostNotFound,
	Affects: affectsHostNotFound(DestinationRulesByHost),
}

func runDestinationRuleHostNotFound(pass *lint.Pass) {
	dr := pass.Resource.DestinationRule()
	written := strings.TrimSpace(dr.Spec.GetHost())
	if written == "" || strings.Contains(written, "*") {
		return
	}
	host := ExpandHost(written, pass.Resource.Namespace(), pass.Mesh.DomainSuffix)
	rh := lookupRegistryHost(pass.View, host, written, pass.Resource)
	if rh.defined || rh.partial || !rh.inCluster && !pass.Mesh.RegistryOnly {
		return
	}
	if pass.View.Full() {
		pass.Report("spec.host", "host %q matches no Service or ServiceEntry in the cluster; the rule's traffic policy and subsets apply to nothing", written)
		return
	}
	pass.Report("spec.host", "host %q matches no Service or ServiceEntry in the input (did you mean %q?); the rule's traffic policy and subsets apply to nothing", written, rh.suggest)
}
