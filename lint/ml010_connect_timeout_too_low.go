package lint

// ConnectTimeoutTooLow is ML010 connect-timeout-too-low. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var ConnectTimeoutTooLow = &Check{
	ID:          "ML010",
	Name:        "connect-timeout-too-low",
	Severity:    SeverityWarning,
	Kinds:       []Kind{KindDestinationRule, KindMeshConfig},
	Summary:     "A connect timeout of a second or less turns ordinary latency into connection failures.",
	Remediation: "TODO.",
}
