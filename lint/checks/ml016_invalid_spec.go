package checks

import (
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// InvalidSpec is ML016 invalid-spec.
var InvalidSpec = &lint.Check{
	ID:       "ML016",
	Name:     "invalid-spec",
	Severity: lint.SeverityError,
	// Its findings are the fields that did not decode.
	ReportsUndecoded: true,
	Kinds:            []lint.Kind{lint.KindDestinationRule, lint.KindVirtualService, lint.KindGateway, lint.KindServiceEntry, lint.KindEnvoyFilter, lint.KindPeerAuthentication, lint.KindMeshConfig},
	Summary:          "The resource does not decode into its Istio schema: unknown field, wrong type or unknown enum value.",
	Doc: `The resource does not decode into its Istio schema. The loader decodes every spec against the
Istio protobuf schema, field by field, and this check reports each field that does not fit, at
that field's line:
- an unknown field (retryon instead of retryOn, a misspelt top-level specs instead of spec), with
  the field it was probably meant to be: kubectl apply (which validates fields strictly by
  default) refuses the resource, and a client that does not (many GitOps tools, server-side
  apply without fieldValidation) has the API server drop the field, so the default applies;
- a field that Istio removed (its schema reserves the name: Mixer's mixerCheckServer, a
  defaultConfig.connectTimeout): in the mesh config a warning that it has no effect, since istiod
  ignores it; in a resource, like an unknown field;
- a value of the wrong type (a string where an integer goes, a list where an object goes, an
  invalid duration): the API server rejects the resource;
- an unknown enum value (tls.mode: SIMPLEX): the API server rejects the resource;
- an EnvoyFilter under another apiVersion than networking.istio.io/v1alpha3, the only one served.

Quiet when the resource decodes: any served version (v1, v1beta1, v1alpha3) of a valid resource;
free-form content where the schema allows it (an EnvoyFilter patch value, a protobuf Struct);
durations in Go or protobuf JSON form (1m30s, 1.5s); 64-bit integers written as strings, as
protobuf JSON writes them.

Choices where the catalog is silent:
- The mesh config (the istio ConfigMap's mesh key, an IstioOperator's spec.meshConfig) is checked
  too, with its own consequences: istiod ignores unknown fields there, but one value of the wrong
  type makes istiod discard the whole mesh config at its next restart and run on the defaults.
- Field names are matched by their JSON name or protobuf name, as Istio's own decoder does.
- 32-bit integers written as strings ("8080") are wrong types: the CRD schema requires numbers.
- YAML is read as kubectl reads it: a plain yes/no/on/off is a boolean, a date in a string field is
  a string, and merge keys (<<: *defaults) are expanded.
- Fields newer than the Istio API meshlint was built with are reported as unknown.
- Kubernetes Services are decoded by the Kubernetes schema and not checked here.`,
	Example: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
    retries:
      attempts: 3
      retryon: 5xx,reset
`,
	Remediation: "Fix the field's name, type or value to match the Istio API reference for the resource's kind.",
	Run:         runInvalidSpec,
}

func runInvalidSpec(pass *lint.Pass) {
	mesh := pass.Resource.Kind == lint.KindMeshConfig
	for _, p := range pass.Resource.Problems {
		unknown := strings.HasPrefix(p.Message, "unknown field ") || p.Removed
		var consequence string
		switch {
		case mesh && p.Removed:
			// A mesh config written for an older release: nothing to fix
			// in a hurry, and nothing it sets has an effect.
			pass.ReportSeverity(lint.SeverityWarning, p.Path, "%s; istiod ignores it, so it has no effect", p.Message)
			continue
		case mesh && unknown:
			consequence = "istiod ignores it and the default applies"
		case mesh:
			consequence = "istiod drops the whole mesh config at its next restart and uses defaults"
		case unknown && !strings.ContainsAny(p.Path, ".["):
			consequence = "kubectl apply refuses the resource; where fields are not validated, the API server drops it and everything under it"
		case unknown:
			consequence = "kubectl apply refuses the resource; where fields are not validated, the API server drops it and the default applies"
		default:
			consequence = "the API server rejects the resource"
		}
		pass.Report(p.Path, "%s; %s", p.Message, consequence)
	}
}
