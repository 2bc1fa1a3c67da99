package checks

import (
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// fieldOmitted reports whether the source of r certainly does not write
// field under the object at path. Proto3 scalars decode alike when absent
// and zero; the file position tells them apart. Without positions it
// returns false (unknown).
func fieldOmitted(r *lint.Resource, path, field string) bool {
	if r.Locator == nil {
		return false
	}
	parent := r.Locate(path)
	if parent.Line == 0 {
		return false
	}
	return r.Locate(path+"."+field) == parent
}

// pathUndecoded reports whether a schema problem (ML016) touches the field
// at path: the field itself, something inside it, or an object it is in.
// Checks do not read such a field: "A field that failed to decode is never
// interpreted".
func pathUndecoded(r *lint.Resource, path string) bool {
	for _, p := range r.Problems {
		if lint.PathAtOrBelow(p.Path, path) || lint.PathAtOrBelow(path, p.Path) {
			return true
		}
	}
	return false
}

// pathUndecodedExactly reports whether a schema problem is on the object at
// path itself or on an object it is in (its own fields are not looked at).
func pathUndecodedExactly(r *lint.Resource, path string) bool {
	for _, p := range r.Problems {
		if lint.PathAtOrBelow(path, p.Path) {
			return true
		}
	}
	return false
}

// undecoded reports whether a schema problem of r is at path, inside it, or
// at one of its ancestors. A problem at the top level (a misspelt spec)
// taints every path: what the user meant to write is unknown.
func undecoded(r *lint.Resource, path string) bool {
	for _, p := range r.Problems {
		if !strings.ContainsAny(p.Path, ".[") {
			return true // a top-level typo: the resource is not what it says
		}
	}
	return pathUndecoded(r, path)
}
