package lint

// ConflictingGatewayServers is ML015 conflicting-gateway-servers. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var ConflictingGatewayServers = &Check{
	ID:          "ML015",
	Name:        "conflicting-gateway-servers",
	Severity:    SeverityWarning,
	Kinds:       []Kind{KindGateway},
	Summary:     "Gateways on the same workload declare the same port with overlapping hosts but different protocols or TLS settings.",
	Remediation: "TODO.",
}
