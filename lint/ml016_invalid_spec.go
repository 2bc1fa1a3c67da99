package lint

// InvalidSpec is ML016 invalid-spec. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var InvalidSpec = &Check{
	ID:          "ML016",
	Name:        "invalid-spec",
	Severity:    SeverityError,
	Kinds:       []Kind{KindDestinationRule, KindVirtualService, KindGateway, KindServiceEntry, KindEnvoyFilter, KindPeerAuthentication},
	Summary:     "The resource does not decode into its Istio schema: unknown field, wrong type or unknown enum value.",
	Remediation: "TODO.",
}
