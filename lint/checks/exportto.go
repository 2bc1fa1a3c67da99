package checks

import (
	"slices"
	"strings"
)

// exportScopes returns the namespaces a resource of namespace ns with
// exportTo list is exported to, as istioctl analyze groups them: {"*"} for
// an empty list or one with *, otherwise the listed namespaces with "."
// standing for ns. "~" (exported to no one) is dropped.
func exportScopes(list []string, ns string) []string {
	if len(list) == 0 || slices.Contains(list, "*") {
		return []string{"*"}
	}
	var out []string
	for _, e := range list {
		e = strings.TrimSpace(e)
		if e == "." {
			e = ns
		}
		if e == "~" || e == "" || slices.Contains(out, e) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// exportScopesMeet reports whether resources exported to scopes a and b
// (see exportScopes) have a client namespace in common, as istioctl analyze
// groups them: one of them is exported to every namespace, or both to one
// same namespace.
func exportScopesMeet(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	if slices.Contains(a, "*") || slices.Contains(b, "*") {
		return true
	}
	for _, s := range a {
		if slices.Contains(b, s) {
			return true
		}
	}
	return false
}
