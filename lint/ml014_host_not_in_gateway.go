package lint

// HostNotInGateway is ML014 host-not-in-gateway. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var HostNotInGateway = &Check{
	ID:          "ML014",
	Name:        "host-not-in-gateway",
	Severity:    SeverityError,
	Kinds:       []Kind{KindVirtualService},
	Summary:     "A VirtualService bound to a Gateway has no host that any of the Gateway's servers accepts.",
	Remediation: "TODO.",
}
