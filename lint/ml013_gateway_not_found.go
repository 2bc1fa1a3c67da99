package lint

// GatewayNotFound is ML013 gateway-not-found. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var GatewayNotFound = &Check{
	ID:          "ML013",
	Name:        "gateway-not-found",
	Severity:    SeverityError,
	Kinds:       []Kind{KindVirtualService},
	Summary:     "A VirtualService names a Gateway that does not exist.",
	Remediation: "TODO.",
}
