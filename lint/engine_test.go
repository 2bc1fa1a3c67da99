package lint_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshlint/meshlint/lint"
)

// synthetic returns a check of DestinationRules named name (ID id) that
// reports at path, so that the engine is tested without the catalog.
func synthetic(id, name, path string) *lint.Check {
	return &lint.Check{
		ID:          id,
		Name:        name,
		Severity:    lint.SeverityWarning,
		Kinds:       []lint.Kind{lint.KindDestinationRule},
		Summary:     "A synthetic check.",
		Remediation: "Do nothing.",
		Run:         func(p *lint.Pass) { p.Report(path, "synthetic finding") },
	}
}

func runChecks(t *testing.T, cs []*lint.Check, rs ...*lint.Resource) []string {
	t.Helper()
	rn, err := lint.NewRunner(cs, lint.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range rn.Lint(lint.DefaultMesh(), false, rs) {
		out = append(out, f.Check.ID+" "+f.Path)
	}
	return out
}

// TestValidate: a registry that the runner cannot run is rejected.
func TestValidate(t *testing.T) {
	noRun := synthetic("ML901", "no-run", "")
	noRun.Run = nil
	noKinds := synthetic("ML902", "no-kinds", "")
	noKinds.Kinds = nil
	for _, tc := range []struct {
		name   string
		checks []*lint.Check
		want   string // substring of the error; "" for none
	}{
		{name: "valid", checks: []*lint.Check{synthetic("ML901", "one", ""), synthetic("ML902", "two", "")}},
		{name: "nil run", checks: []*lint.Check{noRun}, want: "has no run function"},
		{name: "no kinds", checks: []*lint.Check{noKinds}, want: "declares no kinds"},
		{name: "ID twice", checks: []*lint.Check{synthetic("ML901", "one", ""), synthetic("ML901", "two", "")}, want: "registered twice"},
		{name: "name twice", checks: []*lint.Check{synthetic("ML901", "one", ""), synthetic("ML902", "one", "")}, want: "registered twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := lint.Validate(tc.checks)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate: %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate: %v, want an error with %q", err, tc.want)
			}
			if _, err := lint.NewRunner(tc.checks, lint.Settings{}); (err == nil) != (tc.want == "") {
				t.Errorf("NewRunner: %v, want an error: %v", err, tc.want != "")
			}
		})
	}
}

// TestUndecodedFields: a finding on a field that did not decode (or above
// a value that did not) is dropped, unless its check is the one that
// reports undecoded fields.
func TestUndecodedFields(t *testing.T) {
	r := dr("a", "one", "x.example.com")
	r.Problems = []lint.SchemaProblem{{Path: "spec.trafficPolicy.tls.mode", Message: `unknown enum value "MUTAL"`}}
	reporter := synthetic("ML902", "reports-undecoded", "spec.trafficPolicy.tls.mode")
	reporter.ReportsUndecoded = true
	got := runChecks(t, []*lint.Check{
		synthetic("ML901", "on-the-field", "spec.trafficPolicy.tls.mode"),
		reporter,
		synthetic("ML903", "above-the-field", "spec.trafficPolicy.tls"),
		synthetic("ML904", "elsewhere", "spec.subsets"),
	}, r)
	want := []string{"ML902 spec.trafficPolicy.tls.mode", "ML904 spec.subsets"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestPanicIsInternalError: a panicking check becomes an ML000 finding on
// the resource and the run goes on.
func TestPanicIsInternalError(t *testing.T) {
	boom := synthetic("ML901", "panics", "")
	boom.Run = func(*lint.Pass) { panic("boom") }
	got := runChecks(t, []*lint.Check{boom, synthetic("ML902", "reports", "spec.host")}, dr("a", "one", "x.example.com"))
	want := []string{lint.InternalError.ID + " ", "ML902 spec.host"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
