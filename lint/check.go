package lint

import (
	"fmt"
	"strings"
	"time"
)

// Severity is how bad a finding is.
type Severity int

// Severities, lowest first. SeverityNone is above every finding: --fail-on
// none never fails.
const (
	SeverityInfo Severity = iota + 1
	SeverityWarning
	SeverityError
	SeverityNone
)

func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	case SeverityNone:
		return "none"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity parses "error", "warning", "info" or "none".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "info":
		return SeverityInfo, nil
	case "warning":
		return SeverityWarning, nil
	case "error":
		return SeverityError, nil
	case "none":
		return SeverityNone, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning, info or none)", s)
}

// OptionType is the type of a check option's value.
type OptionType int

// Option types.
const (
	OptionBool OptionType = iota + 1
	OptionDuration
)

// An Option is a setting of a check that the config file can change
// (`checks: {retry-without-reset: {flagDefaultPolicy: true}}`).
type Option struct {
	Name    string
	Type    OptionType
	Default string
	Doc     string
}

// A Check is one lint rule: a value with its identity, its documentation
// and its run function. Checks are listed explicitly in Registry.
type Check struct {
	ID       string // "ML004"; permanent
	Name     string // "retry-without-reset"; permanent
	Severity Severity
	// Kinds are the kinds the check runs on: Run is called once per
	// resource of these kinds.
	Kinds []Kind
	// Reads are the other kinds the check looks up through the View (a
	// DestinationRule check that reads PeerAuthentications). A meta-test
	// fails when a check touches a kind it did not declare.
	Reads []Kind
	// Summary is the one-line doc.
	Summary string
	// Doc is the long doc: what fires, what stays quiet, why.
	Doc string
	// Example is a manifest on which the check fires.
	Example string
	// Remediation says what to change, as an imperative sentence ending with
	// a period. The runner attaches it to every finding.
	Remediation string
	Options     []Option
	// Tables are the secondary indexes Run looks things up in.
	Tables []*Table
	// Run inspects pass.Resource and reports findings through pass.
	Run func(pass *Pass)
	// Affects maps a changed resource to the resources whose findings of
	// this check the change can alter: given a resource of a kind in Reads
	// (or of one of Kinds, for checks that compare resources of one kind,
	// such as Gateways on one workload), it returns resources of Kinds,
	// found through the check's tables, never by scanning. The webhook
	// re-checks them on admission, to report what a change breaks
	// elsewhere. Nil for checks that read nothing but the resource they run
	// on. A meta-test holds it to what Run reads on every firing fixture.
	Affects func(v View, changed *Resource) []*Resource
	// ReportsUndecoded marks the check that reports fields which did not
	// decode (invalid-spec): the runner keeps its findings on such fields,
	// where it drops every other check's (see Resource.Problems).
	ReportsUndecoded bool
}

// Named reports whether idOrName names the check: its ID in any case, or
// its name.
func (c *Check) Named(idOrName string) bool {
	return strings.EqualFold(c.ID, idOrName) || c.Name == idOrName
}

// Option returns the declared option by name, or nil.
func (c *Check) Option(name string) *Option {
	for i := range c.Options {
		if c.Options[i].Name == name {
			return &c.Options[i]
		}
	}
	return nil
}

// A Pass is one run of a check over one resource.
type Pass struct {
	Check    *Check
	Resource *Resource
	View     View
	// Mesh is View.Mesh(), fetched once.
	Mesh    *Mesh
	options map[string]string
	report  func(Finding)
}

// Report records a finding at field path with the check's default severity.
// The message is one lowercase sentence naming the concrete values and the
// traffic consequence.
func (p *Pass) Report(path, format string, args ...any) {
	p.ReportSeverity(p.Check.Severity, path, format, args...)
}

// ReportSeverity records a finding with an explicit severity.
func (p *Pass) ReportSeverity(sev Severity, path, format string, args ...any) {
	p.ReportOn(p.Resource, sev, path, format, args...)
}

// ReportOn records a finding on another resource than the one under check.
// Use it sparingly: findings belong to the resource a user must change.
func (p *Pass) ReportOn(r *Resource, sev Severity, path, format string, args ...any) {
	p.report(Finding{
		Check:    p.Check,
		Severity: sev,
		Resource: r,
		Path:     path,
		Message:  fmt.Sprintf(format, args...),
	})
}

// Option returns the option's configured value or its default.
func (p *Pass) Option(name string) string {
	if v, ok := p.options[name]; ok {
		return v
	}
	if o := p.Check.Option(name); o != nil {
		return o.Default
	}
	panic(fmt.Sprintf("lint: check %s reads undeclared option %q", p.Check.Name, name))
}

// BoolOption returns a boolean option.
func (p *Pass) BoolOption(name string) bool { return p.Option(name) == "true" }

// DurationOption returns a duration option.
func (p *Pass) DurationOption(name string) time.Duration {
	d, err := time.ParseDuration(p.Option(name))
	if err != nil {
		panic(fmt.Sprintf("lint: check %s option %q: %v", p.Check.Name, name, err))
	}
	return d
}

// Finding is one problem found by a check.
type Finding struct {
	Check    *Check
	Severity Severity
	Resource *Resource
	// Path is the field path in the resource, as Kubernetes writes it in
	// field warnings: spec.http[0].retries.
	Path    string
	Message string
}

// Remediation returns the check's remediation.
func (f Finding) Remediation() string { return f.Check.Remediation }

// Position returns where the finding's field is in its file, if known.
func (f Finding) Position() Position { return f.Resource.Locate(f.Path) }
