package checks_test

import (
	"path/filepath"
	"testing"

	"github.com/meshlint/meshlint/config"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// TestCleanMesh lints testdata/clean-mesh, a corpus modelled on common
// production setups (bookinfo with subsets and canary weights, an ingress
// gateway terminating TLS, passthrough, egress through ServiceEntries and an
// egress gateway, TLS origination done right, EnvoyFilters with priorities,
// STRICT mTLS), with every check enabled, and expects no finding at all:
// a linter that cries wolf gets switched off. The corpus is complete (every
// Gateway, subset and DestinationRule it references exists), so it must
// stay clean with the whole cluster visible too, and without file positions
// as the webhook and --cluster mode see it. Every false positive found here
// became a quiet fixture of its check.
func TestCleanMesh(t *testing.T) {
	cfg := config.Default()
	res := load.Paths([]string{filepath.Join("testdata", "clean-mesh")}, nil, load.Options{Mesh: cfg.Mesh})
	for _, e := range res.Errors {
		t.Errorf("input error: %v", e)
	}

	kinds := map[lint.Kind]int{}
	for _, r := range res.Resources {
		kinds[r.Kind]++
	}
	if len(res.Resources) < 60 {
		t.Errorf("the corpus has %d resources, want at least 60", len(res.Resources))
	}
	for _, k := range lint.Kinds {
		if kinds[k] == 0 {
			t.Errorf("the corpus has no %s", k)
		}
	}
	t.Logf("%d files, %d resources: %v", res.Files, len(res.Resources), kinds)

	rn, err := lint.NewRunner(checks.Registry(), cfg.Settings())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rn.Checks()), len(checks.Registry()); got != want {
		t.Fatalf("%d checks enabled, want all %d", got, want)
	}
	// The webhook and --cluster mode see the whole cluster, without file
	// positions.
	var unlocated []*lint.Resource
	for _, r := range res.Resources {
		c := *r
		c.Locator = nil
		unlocated = append(unlocated, &c)
	}
	for _, tc := range []struct {
		name      string
		full      bool
		resources []*lint.Resource
	}{
		{"files", false, res.Resources},
		{"cluster", true, res.Resources},
		{"cluster without positions", true, unlocated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range rn.Lint(cfg.Mesh, tc.full, tc.resources) {
				pos := f.Position()
				t.Errorf("%s:%d:%d: %s %s %s: %s: %s (%s)", pos.File, pos.Line, pos.Column,
					f.Severity, f.Check.ID, f.Check.Name, f.Resource, f.Message, f.Path)
			}
		})
	}
}
