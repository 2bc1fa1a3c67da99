package lint

// HeadlessServiceHTTPPort is ML011 headless-service-http-port. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var HeadlessServiceHTTPPort = &Check{
	ID:          "ML011",
	Name:        "headless-service-http-port",
	Severity:    SeverityInfo,
	Kinds:       []Kind{KindService},
	Summary:     "A headless Service declares an HTTP port; requests to pod IPs find no route.",
	Remediation: "TODO.",
}
