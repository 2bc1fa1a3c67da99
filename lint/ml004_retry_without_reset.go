package lint

// RetryWithoutReset is ML004 retry-without-reset. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var RetryWithoutReset = &Check{
	ID:          "ML004",
	Name:        "retry-without-reset",
	Severity:    SeverityWarning,
	Kinds:       []Kind{KindVirtualService},
	Summary:     "An HTTP route retries, but not on connection resets.",
	Remediation: "TODO.",
}
