package lint

// UndefinedSubset is ML012 undefined-subset. PLACEHOLDER: declared so the registry is complete;
// the run function, docs and fixtures are still to be written.
var UndefinedSubset = &Check{
	ID:          "ML012",
	Name:        "undefined-subset",
	Severity:    SeverityError,
	Kinds:       []Kind{KindVirtualService},
	Summary:     "A route destination names a subset that no DestinationRule for the host defines.",
	Remediation: "TODO.",
}
