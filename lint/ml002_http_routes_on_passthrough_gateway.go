package lint

// HTTPRoutesOnPassthroughGateway is ML002 http-routes-on-passthrough-gateway. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var HTTPRoutesOnPassthroughGateway = &Check{
	ID:          "ML002",
	Name:        "http-routes-on-passthrough-gateway",
	Severity:    SeverityError,
	Kinds:       []Kind{KindVirtualService},
	Summary:     "A VirtualService has http routes for a host that its Gateway passes through as TLS; they never apply.",
	Remediation: "TODO.",
}
