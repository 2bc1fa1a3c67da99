package webhook

import (
	"errors"
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
// somewhat larger (quotes around YAML's plain strings).
const MaxObjectSize = 6 << 20

// MaxObjectValues bounds the values (objects, arrays, keys, strings,
// numbers) of an admitted object, and so the memory one review takes:
// decoding allocates about 300 bytes a value, 78 MB at the bound (a 3 MB
// list of numbers, padding of a free-form field, allocated 300 MB). A
// 1.5 MB object (etcd's default limit) of ordinary Istio config holds
// about a tenth of the bound.
const MaxObjectValues = 250_000

// errUncheckable is an object past the bounds above: too large to check,
// as opposed to malformed. Enforce mode denies it (HandlerOptions.DenyUnchecked).
var errUncheckable = errors.New("too large to check")

// decodeJSON decodes an admitted object's JSON into resources, which it
// trims as the informer cache trims objects (stripUnread): without
// kubectl's copy of the whole object. err is set for an object that could
// not be decoded as a whole; it wraps errUncheckable for one past the
// bounds.
func decodeJSON(name string, raw []byte, opts load.Options) ([]*lint.Resource, []load.InputError, error) {
	if len(raw) > MaxObjectSize {
		return nil, nil, fmt.Errorf("%w: the object is %d bytes, more than the %d meshlint reads", errUncheckable, len(raw), MaxObjectSize)
	}
	opts.MaxNodes = MaxObjectValues
	rs, errs, err := load.JSON(name, raw, opts)
	if err != nil {
		var le load.LimitError
		if errors.As(err, &le) {
			return nil, nil, fmt.Errorf("%w: %v", errUncheckable, err)
		}
		return nil, nil, err
	}
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
