package checks_test

import (
	"testing"

	"github.com/meshlint/meshlint/lint/checks"
)

// TestSelectorSubset: a selector picks labels when each of its labels is
// there with the same value, as Istio's labels.Instance.SubsetOf says; a
// label with an empty value must be there too.
func TestSelectorSubset(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sub, set map[string]string
		want     bool
	}{
		{name: "nil in nil", want: true},
		{name: "nil in some", set: map[string]string{"app": "a"}, want: true},
		{name: "empty in nil", sub: map[string]string{}, want: true},
		{name: "some in nil", sub: map[string]string{"app": "a"}, want: false},
		{name: "equal", sub: map[string]string{"app": "a"}, set: map[string]string{"app": "a"}, want: true},
		{name: "subset", sub: map[string]string{"app": "a"}, set: map[string]string{"app": "a", "version": "v1"}, want: true},
		{name: "superset", sub: map[string]string{"app": "a", "version": "v1"}, set: map[string]string{"app": "a"}, want: false},
		{name: "other value", sub: map[string]string{"app": "a"}, set: map[string]string{"app": "b"}, want: false},
		{name: "empty value, label missing", sub: map[string]string{"canary": ""}, set: map[string]string{"app": "a"}, want: false},
		{name: "empty value, label empty", sub: map[string]string{"canary": ""}, set: map[string]string{"canary": ""}, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checks.SelectorSubset(tc.sub, tc.set); got != tc.want {
				t.Errorf("SelectorSubset(%v, %v) = %v, want %v", tc.sub, tc.set, got, tc.want)
			}
		})
	}
}
