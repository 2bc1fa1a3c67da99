package load

import (
	"path/filepath"
	"testing"
)

func TestExclusions(t *testing.T) {
	base := t.TempDir()
	var e Exclusions
	for _, g := range []string{"vendor", "*.generated.yaml", "deploy/legacy/**", "charts/*/ci/", "**/tmp/*.json"} {
		if err := e.Add(g, base); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		path string
		dir  bool
		want bool
	}{
		{"vendor", true, true},
		{"a/b/vendor", true, true},
		{"a/vendor.yaml", false, false},
		{"x/crd.generated.yaml", false, true},
		{"deploy/legacy", true, true},
		{"deploy/legacy/a/b.yaml", false, true},
		{"deploy/legacy2", true, false},
		{"charts/web/ci", true, true},
		{"charts/web/ci", false, false},
		{"a/b/tmp/x.json", false, true},
		{"tmp/x.json", false, true},
		{"tmp/x.yaml", false, false},
		{"deploy/prod/vs.yaml", false, false},
	} {
		if got := e.Match(filepath.Join(base, tc.path), tc.dir); got != tc.want {
			t.Errorf("Match(%q, dir=%v) = %v, want %v", tc.path, tc.dir, got, tc.want)
		}
	}
	if err := e.Add("a[b", base); err == nil {
		t.Error("a glob with an unclosed [ was accepted")
	}
}
