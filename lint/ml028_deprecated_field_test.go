package lint

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// TestDeprecatedFieldsCovered fails when the Istio API marks a field or an
// enum value of a kind meshlint reads deprecated and ML028 neither reports
// it (deprecatedReplacement) nor leaves it to another check on purpose
// (deprecatedSkipped): ML028 reads the deprecated fields through their
// getters, so a new one needs a line there and in runDeprecatedField.
func TestDeprecatedFieldsCovered(t *testing.T) {
	var known []protoreflect.FullName
	for n := range deprecatedReplacement {
		known = append(known, n)
	}
	for n := range deprecatedSkipped {
		known = append(known, n)
	}
	slices.Sort(known)
	got := deprecatedAPI()
	for _, n := range got {
		if !slices.Contains(known, n) {
			t.Errorf("the API deprecates %s, which ML028 does not know", n)
		}
	}
	for _, n := range known {
		if !slices.Contains(got, n) {
			t.Errorf("ML028 lists %s, which the API does not deprecate (renamed or removed?)", n)
		}
	}
}
