package main

import (
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
)

// parseSARIF parses -o sarif output back and checks its structure: version
// and schema, one run, one rule per registered check with help and a
// helpUri derived from its ID, and results that point at their rule.
func parseSARIF(t *testing.T, out string) *sarif.Report {
	t.Helper()
	rep, err := sarif.FromString(out)
	if err != nil {
		t.Fatalf("-o sarif output does not parse: %v\n%s", err, out)
	}
	if rep.Version != "2.1.0" || !strings.Contains(rep.Schema, "sarif-schema-2.1.0.json") {
		t.Errorf("version %q schema %q, want SARIF 2.1.0", rep.Version, rep.Schema)
	}
	if len(rep.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(rep.Runs))
	}
	run := rep.Runs[0]
	if run.Tool == nil || run.Tool.Driver == nil || run.Tool.Driver.Name == nil || *run.Tool.Driver.Name != "meshlint" {
		t.Fatal("tool.driver.name is not meshlint")
	}
	rules := map[string]int{}
	for i, r := range run.Tool.Driver.Rules {
		if r.ID == nil {
			t.Fatalf("rule %d has no id", i)
		}
		rules[*r.ID] = i
		if r.HelpURI == nil || *r.HelpURI != "https://meshlint.dev/checks/"+*r.ID {
			t.Errorf("rule %s: helpUri %v", *r.ID, r.HelpURI)
		}
		if r.Help == nil || r.Help.Text == nil || r.ShortDescription == nil {
			t.Errorf("rule %s has no help or short description", *r.ID)
		}
	}
	for _, c := range append(checks.Registry(), lint.InternalError) {
		if _, ok := rules[c.ID]; !ok {
			t.Errorf("no rule for check %s", c.ID)
		}
	}
	if run.Results == nil {
		t.Error("results is missing; code scanning needs the array even when empty")
	}
	for _, res := range run.Results {
		if res.RuleID == nil {
			t.Fatal("result without ruleId")
		}
		if i, ok := rules[*res.RuleID]; !ok || res.RuleIndex != i {
			t.Errorf("result for %s has ruleIndex %d, want %d", *res.RuleID, res.RuleIndex, i)
		}
		switch res.Level {
		case "error", "warning", "note":
		default:
			t.Errorf("result level %q", res.Level)
		}
	}
	return rep
}

func TestSARIF(t *testing.T) {
	out := runCLI(t, "", "-o", "sarif", "testdata/lint", "testdata/broken")
	rep := parseSARIF(t, out.stdout)
	o := parseJSON(t, runCLI(t, "", "-o", "json", "testdata/lint", "testdata/broken").stdout)
	run := rep.Runs[0]
	if len(run.Results) != len(o.Findings) {
		t.Fatalf("%d results, want %d (as -o json)", len(run.Results), len(o.Findings))
	}
	levels := map[string]string{"error": "error", "warning": "warning", "info": "note"}
	for i, res := range run.Results {
		f := o.Findings[i]
		if *res.RuleID != f.Check || res.Level != levels[f.Severity] || res.Message == nil || *res.Message.Text != f.Message {
			t.Errorf("result %d = %s %s, want %s %s", i, *res.RuleID, res.Level, f.Check, levels[f.Severity])
		}
		if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation == nil {
			t.Fatalf("result %d has no physical location", i)
		}
		pl := res.Locations[0].PhysicalLocation
		if *pl.ArtifactLocation.URI != f.File {
			t.Errorf("result %d uri %q, want %q", i, *pl.ArtifactLocation.URI, f.File)
		}
		if pl.Region == nil || pl.Region.StartLine == nil || pl.Region.StartColumn == nil ||
			*pl.Region.StartLine != f.Line || *pl.Region.StartColumn != f.Column {
			t.Errorf("result %d region %+v, want %d:%d", i, pl.Region, f.Line, f.Column)
		}
	}
	if len(run.Invocations) != 1 {
		t.Fatalf("%d invocations, want 1", len(run.Invocations))
	}
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful == nil || *inv.ExecutionSuccessful {
		t.Error("executionSuccessful should be false with an input error")
	}
	if len(inv.ToolExecutionNotifications) != 1 || !strings.Contains(*inv.ToolExecutionNotifications[0].Message.Text, "invalid YAML") {
		t.Errorf("toolExecutionNotifications = %+v, want the YAML error", inv.ToolExecutionNotifications)
	}
	if err := rep.Validate(); err != nil {
		t.Errorf("SARIF does not validate against the 2.1.0 schema: %v", err)
	}
}
