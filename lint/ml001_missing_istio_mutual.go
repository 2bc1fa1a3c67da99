package lint

// MissingIstioMutual is ML001 missing-istio-mutual. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var MissingIstioMutual = &Check{
	ID:          "ML001",
	Name:        "missing-istio-mutual",
	Severity:    SeverityError,
	Kinds:       []Kind{KindDestinationRule},
	Summary:     "A DestinationRule for an in-mesh host sends plaintext or its own TLS where the server requires mutual TLS.",
	Remediation: "TODO.",
}
