package lint

// SharedGatewayCertificate is ML008 shared-gateway-certificate. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var SharedGatewayCertificate = &Check{
	ID:          "ML008",
	Name:        "shared-gateway-certificate",
	Severity:    SeverityWarning,
	Kinds:       []Kind{KindGateway},
	Summary:     "Gateways on the same workload serve different hosts with the same certificate.",
	Remediation: "TODO.",
}
