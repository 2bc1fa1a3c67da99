package lint

// FragileEnvoyFilterInsert is ML005 fragile-envoyfilter-insert. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var FragileEnvoyFilterInsert = &Check{
	ID:          "ML005",
	Name:        "fragile-envoyfilter-insert",
	Severity:    SeverityWarning,
	Kinds:       []Kind{KindEnvoyFilter},
	Summary:     "An EnvoyFilter patch is placed relative to another filter without a priority, so it depends on creation order.",
	Remediation: "TODO.",
}
