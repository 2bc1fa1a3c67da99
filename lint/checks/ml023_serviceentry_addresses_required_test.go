package checks

import (
	"testing"
)

func TestIstioAtLeast(t *testing.T) {
	tests := []struct {
		version string
		want    bool
	}{
		{"", false},
		{"1", false},
		{"1.24.9", false},
		{"1.25", true},
		{"1.25.0-distroless", true},
		{"1.3", false},
		{"1.30.1", true},
		{"2.0", true},
		{"x.y", false},
	}
	for _, tc := range tests {
		if got := istioAtLeast(tc.version, 1, 25); got != tc.want {
			t.Errorf("istioAtLeast(%q, 1, 25) = %v, want %v", tc.version, got, tc.want)
		}
	}
}
