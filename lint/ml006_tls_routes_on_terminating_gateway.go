package lint

// TLSRoutesOnTerminatingGateway is ML006 tls-routes-on-terminating-gateway. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var TLSRoutesOnTerminatingGateway = &Check{
	ID:          "ML006",
	Name:        "tls-routes-on-terminating-gateway",
	Severity:    SeverityError,
	Kinds:       []Kind{KindVirtualService},
	Summary:     "A VirtualService has tls routes for a host whose Gateway server terminates TLS; they never match.",
	Remediation: "TODO.",
}
