package lint_test

import (
	"testing"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/load"
)

// TestExamplesFireML001to005 checks that the Example of each of these checks
// fires it, as `meshlint explain` promises.
func TestExamplesFireML001to005(t *testing.T) {
	for _, c := range []*lint.Check{
		lint.MissingIstioMutual,
		lint.HTTPRoutesOnPassthroughGateway,
		lint.HTTPSOnHTTPPort,
		lint.RetryWithoutReset,
		lint.FragileEnvoyFilterInsert,
	} {
		t.Run(c.Name, func(t *testing.T) {
			rs, errs := load.Bytes("example.yaml", []byte(c.Example), load.Options{Mesh: lint.DefaultMesh()})
			if len(errs) > 0 {
				t.Fatalf("example does not load: %v", errs)
			}
			rn, err := lint.NewRunner([]*lint.Check{c}, lint.Settings{})
			if err != nil {
				t.Fatal(err)
			}
			fs := rn.Lint(lint.DefaultMesh(), false, rs)
			if len(fs) == 0 {
				t.Fatalf("example of %s %s does not fire", c.ID, c.Name)
			}
			for _, f := range fs {
				if f.Check != c {
					t.Errorf("unexpected finding of %s: %s", f.Check.ID, f.Message)
				}
				if f.Position().Line == 0 {
					t.Errorf("finding at %s has no position", f.Path)
				}
			}
		})
	}
}
