package lint

// HTTPSOnHTTPPort is ML003 https-on-http-port. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var HTTPSOnHTTPPort = &Check{
	ID:          "ML003",
	Name:        "https-on-http-port",
	Severity:    SeverityWarning,
	Kinds:       []Kind{KindServiceEntry, KindService, KindGateway},
	Summary:     "A port that carries TLS (443 or a configured tlsPort) is declared as plain HTTP.",
	Remediation: "TODO.",
}
