package output

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/meshlint/meshlint/lint"
)

// sarifWriter writes SARIF 2.1.0 as GitHub code scanning reads it: one rule
// per check (help from its doc and remediation, helpUri derived from its
// ID), one result per finding with the region of the offending field, and
// input errors as tool execution notifications. A report without findings
// is still a complete log with an empty results array.
type sarifWriter struct {
	w    io.Writer
	opts Options
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s lint.Severity) string {
	switch s {
	case lint.SeverityError:
		return sarif.LevelError
	case lint.SeverityWarning:
		return sarif.LevelWarning
	}
	return sarif.LevelNote
}

// sarifURI turns a file name into an artifact URI: relative paths stay
// relative (code scanning resolves them against the repository root),
// absolute ones become file: URIs.
func sarifURI(file string) string {
	if file == "-" {
		return file
	}
	slashed := filepath.ToSlash(file)
	if filepath.IsAbs(file) {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed // C:/x -> /C:/x
		}
		return (&url.URL{Scheme: "file", Path: slashed}).String()
	}
	// A relative reference: spaces, '#' and '%' are escaped, and a first
	// segment with a colon gets "./" so that it is not read as a scheme.
	return (&url.URL{Path: slashed}).String()
}

// ruleHelp is a check's help as plain text and markdown.
func ruleHelp(c *lint.Check) (text, markdown string) {
	var t, m strings.Builder
	t.WriteString(c.Summary)
	m.WriteString(c.Summary)
	if c.Doc != "" {
		t.WriteString("\n\n" + c.Doc)
		m.WriteString("\n\n" + c.Doc)
	}
	if c.Example != "" {
		m.WriteString("\n\nExample that fires:\n\n```yaml\n" + strings.TrimRight(c.Example, "\n") + "\n```")
	}
	t.WriteString("\n\nFix: " + c.Remediation)
	m.WriteString("\n\n**Fix:** " + c.Remediation)
	return t.String(), m.String()
}

func (s *sarifWriter) Write(r *Report) error {
	version := s.opts.Version
	if version == "" {
		version = "dev"
	}
	run := sarif.NewRunWithInformationURI("meshlint", "https://meshlint.dev")
	run.Tool.Driver.WithVersion(version).WithSemanticVersion(strings.TrimPrefix(version, "v"))
	for _, c := range s.opts.checks() {
		text, md := ruleHelp(c)
		rule := run.AddRule(c.ID).
			WithName(c.Name).
			WithDescription(c.Summary).
			WithHelpURI(DocsURL(c.ID)).
			WithHelp(sarif.NewMultiformatMessageString().WithText(text).WithMarkdown(md)).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(c.Severity)))
		if c.Doc != "" {
			rule.WithFullDescription(sarif.NewMultiformatMessageString().WithText(c.Doc))
		}
		kinds := make([]string, len(c.Kinds))
		for i, k := range c.Kinds {
			kinds[i] = string(k)
		}
		props := sarif.NewPropertyBag()
		props.Tags = append([]string{"istio"}, kinds...)
		rule.WithProperties(props)
	}
	for _, f := range r.Findings {
		if run.GetRuleIndex(f.Check.ID) < 0 {
			// A check outside the given list still gets its rule, so every
			// result's ruleIndex is valid.
			run.AddRule(f.Check.ID).WithName(f.Check.Name).WithDescription(f.Check.Summary).WithHelpURI(DocsURL(f.Check.ID))
		}
		res := run.CreateResultForRule(f.Check.ID).
			WithLevel(sarifLevel(f.Severity)).
			WithMessage(sarif.NewTextMessage(f.Message))
		pos := f.Position()
		loc := sarif.NewLocation()
		if pos.File != "" {
			phys := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(sarifURI(pos.File)))
			if pos.Line > 0 {
				region := sarif.NewRegion().WithStartLine(pos.Line)
				if pos.Column > 0 {
					region.WithStartColumn(pos.Column)
				}
				phys.WithRegion(region)
			}
			loc.WithPhysicalLocation(phys)
		}
		loc.AddLogicalLocation(sarif.NewLogicalLocation().
			WithKind("resource").
			WithName(f.Resource.Name()).
			WithFullyQualifiedName(fmt.Sprintf("%s/%s/%s", f.Resource.SourceKind(), f.Resource.Namespace(), f.Resource.Name())))
		res.AddLocation(loc)
		if f.Path != "" {
			props := sarif.NewPropertyBag()
			props.Add("path", f.Path)
			res.WithProperties(props)
		}
	}
	inv := sarif.NewInvocation().WithExecutionSuccessful(len(r.Errors) == 0)
	for _, e := range r.Errors {
		n := sarif.NewNotification().WithLevel(sarif.LevelError).WithMessage(sarif.NewTextMessage(e.Message))
		if e.File != "" {
			phys := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(sarifURI(e.File)))
			if e.Line > 0 {
				region := sarif.NewRegion().WithStartLine(e.Line)
				if e.Column > 0 {
					region.WithStartColumn(e.Column)
				}
				phys.WithRegion(region)
			}
			n.AddLocation(sarif.NewLocation().WithPhysicalLocation(phys))
		}
		inv.AddToolExecutionNotification(n)
	}
	run.AddInvocation(inv)
	if run.Results == nil {
		run.Results = []*sarif.Result{}
	}
	rep := sarif.NewReport()
	rep.AddRun(run)
	if err := rep.PrettyWrite(s.w); err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	_, err := io.WriteString(s.w, "\n")
	return err
}
