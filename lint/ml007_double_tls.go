package lint

// DoubleTLS is ML007 double-tls. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var DoubleTLS = &Check{
	ID:          "ML007",
	Name:        "double-tls",
	Severity:    SeverityError,
	Kinds:       []Kind{KindDestinationRule},
	Summary:     "A DestinationRule originates TLS to a port where the application already speaks TLS.",
	Remediation: "TODO.",
}
