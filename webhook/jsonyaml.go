package webhook

import (
	"fmt"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/load"
)

// The API server sends objects as JSON. The loader builds its node tree
// straight from the JSON (load.JSON): no YAML text in between, whose
// indentation grew with the nesting (a 60 KB object nested 9,990 deep
// became 100 MB of YAML), and a cost proportional to the object's size.
// The resources' locators answer field positions from the same tree.

// lastApplied is kubectl's copy of the whole object, in an annotation.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// MaxObjectSize is the largest object the handler decodes. The API server
// takes request bodies up to 3 MiB; the JSON it sends for one can be
// somewhat larger (quotes around YAML's plain strings). A bigger object is
// not checked, and the answer says so.
const MaxObjectSize = 6 << 20

// decodeJSON decodes an admitted object's JSON into resources, which it
// trims as the informer cache trims objects (stripUnread): without
// kubectl's copy of the whole object. err is set for an object too large
// to decode.
func decodeJSON(name string, raw []byte, opts load.Options) ([]*lint.Resource, []load.InputError, error) {
	if len(raw) > MaxObjectSize {
		return nil, nil, fmt.Errorf("the object is %d bytes, more than the %d meshlint reads", len(raw), MaxObjectSize)
	}
	rs, errs := load.JSON(name, raw, opts)
	for _, r := range rs {
		if a := r.Object.GetAnnotations(); a != nil {
			if _, ok := a[lastApplied]; ok {
				delete(a, lastApplied)
				r.Object.SetAnnotations(a)
			}
		}
	}
	return rs, errs, nil
}
