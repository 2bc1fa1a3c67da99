package lint

// IngressBypassesSubsetRouting is ML009 ingress-bypasses-subset-routing. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var IngressBypassesSubsetRouting = &Check{
	ID:          "ML009",
	Name:        "ingress-bypasses-subset-routing",
	Severity:    SeverityWarning,
	Kinds:       []Kind{KindVirtualService},
	Summary:     "A gateway VirtualService routes to a host without a subset while the mesh VirtualService for that host splits by subset.",
	Remediation: "TODO.",
}
