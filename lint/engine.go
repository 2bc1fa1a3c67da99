package lint

import (
	"cmp"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// AnnotationIgnore silences checks on a resource: a comma-separated list of
// check IDs or names, or "*".
const AnnotationIgnore = "meshlint.io/ignore"

// AnnotationIgnoreReason says why (free text; not read by meshlint).
const AnnotationIgnoreReason = "meshlint.io/ignore-reason"

// InternalError is the finding a check's panic turns into; the run goes on.
var InternalError = &Check{
	ID:          "ML000",
	Name:        "internal-error",
	Severity:    SeverityError,
	Summary:     "A check failed internally on this resource; its result is unknown.",
	Doc:         "A check panicked while reading this resource. meshlint reports the panic as a finding on the resource and goes on with the other checks and resources. Please report it with the resource that triggered it.",
	Remediation: "Report the message and the resource to the meshlint maintainers, and silence the check for this resource with the meshlint.io/ignore annotation meanwhile.",
}

// IgnoreRule silences checks for resources whose namespace and name match
// globs (path.Match syntax). Empty lists match everything.
type IgnoreRule struct {
	Checks     []string // IDs or names, or "*"
	Namespaces []string
	Names      []string
}

// Settings tune a run: severities, disabled checks, options, ignore rules.
// Maps are keyed by check ID.
type Settings struct {
	Severity map[string]Severity
	Disabled map[string]bool
	Options  map[string]map[string]string
	Ignore   []IgnoreRule
}

// Runner runs a list of checks with settings over a View.
type Runner struct {
	checks   []*Check
	settings Settings
	byKind   map[Kind][]*Check
	tables   []*Table
	// affectedBy[k] are the enabled checks whose Affects takes a changed
	// resource of kind k.
	affectedBy map[Kind][]*Check
}

// NewRunner validates the checks (unique IDs and names, a Run function,
// docs) and returns a Runner for the enabled ones.
func NewRunner(checks []*Check, s Settings) (*Runner, error) {
	if err := Validate(checks); err != nil {
		return nil, err
	}
	rn := &Runner{settings: s, byKind: map[Kind][]*Check{}, affectedBy: map[Kind][]*Check{}}
	seenTable := map[*Table]bool{}
	for _, c := range checks {
		if s.Disabled[c.ID] {
			continue
		}
		rn.checks = append(rn.checks, c)
		for _, k := range c.Kinds {
			rn.byKind[k] = append(rn.byKind[k], c)
		}
		if c.Affects != nil {
			for _, k := range append(slices.Clone(c.Reads), c.Kinds...) {
				if !slices.Contains(rn.affectedBy[k], c) {
					rn.affectedBy[k] = append(rn.affectedBy[k], c)
				}
			}
		}
		for _, t := range c.Tables {
			if !seenTable[t] {
				seenTable[t] = true
				rn.tables = append(rn.tables, t)
			}
		}
	}
	return rn, nil
}

// Validate checks a registry: unique IDs and names, the docs every check
// must carry, its kinds and its run function.
func Validate(checks []*Check) error {
	ids, names := map[string]bool{}, map[string]bool{}
	for _, c := range checks {
		switch {
		case c.ID == "" || c.Name == "":
			return fmt.Errorf("check %q %q: ID and name are required", c.ID, c.Name)
		case ids[c.ID]:
			return fmt.Errorf("check ID %s is registered twice", c.ID)
		case names[c.Name]:
			return fmt.Errorf("check name %q is registered twice", c.Name)
		case c.Summary == "" || c.Remediation == "":
			return fmt.Errorf("check %s %s: summary and remediation are required", c.ID, c.Name)
		case len(c.Kinds) == 0:
			return fmt.Errorf("check %s %s: declares no kinds", c.ID, c.Name)
		case c.Run == nil:
			return fmt.Errorf("check %s %s: has no run function", c.ID, c.Name)
		}
		ids[c.ID], names[c.Name] = true, true
	}
	return nil
}

// Tables returns the tables the enabled checks look things up in; an Index
// that a View is built on must maintain them.
func (rn *Runner) Tables() []*Table { return rn.tables }

// Affected returns the resources, other than changed itself, whose findings
// of the enabled checks a change to changed (as v shows it) can alter: the
// union of the checks' Affects, each found through tables. The webhook
// re-checks them to report what a change breaks elsewhere.
func (rn *Runner) Affected(v View, changed *Resource) []*Resource {
	seen := map[Key]bool{changed.Key(): true}
	var out []*Resource
	for _, c := range rn.affectedBy[changed.Kind] {
		for _, r := range c.Affects(v, changed) {
			if k := r.Key(); !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
	}
	SortResources(out)
	return out
}

// Checks returns the enabled checks.
func (rn *Runner) Checks() []*Check { return rn.checks }

// Run runs every enabled check over each target resource and returns the
// findings that are not silenced, sorted by position, then check and path.
// A panicking check becomes an ML000 internal-error finding.
func (rn *Runner) Run(v View, targets []*Resource) []Finding {
	mesh := v.Mesh()
	workers := runtime.GOMAXPROCS(0)
	if len(targets) < 256 {
		workers = 1
	}
	results := make([][]Finding, workers)
	var wg sync.WaitGroup
	chunk := (len(targets) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(targets))
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func(w int, part []*Resource) {
			defer wg.Done()
			wk := &worker{rn: rn}
			wk.pass.report = wk.add
			for _, r := range part {
				for _, c := range rn.byKind[r.Kind] {
					wk.runOne(c, r, v, mesh)
				}
			}
			results[w] = wk.out
		}(w, targets[lo:hi])
	}
	wg.Wait()
	var all []Finding
	for _, r := range results {
		all = append(all, r...)
	}
	SortFindings(all)
	return all
}

// worker runs checks on its share of the targets, reusing one Pass.
type worker struct {
	rn   *Runner
	pass Pass
	out  []Finding
}

// add records a finding unless it is silenced, with the configured severity.
func (w *worker) add(f Finding) {
	if sev, ok := w.rn.settings.Severity[f.Check.ID]; ok {
		f.Severity = sev
	}
	if w.rn.silenced(f.Check, f.Resource) || restsOnUndecoded(f) {
		return
	}
	w.out = append(w.out, f)
}

// restsOnUndecoded reports whether a finding of a check other than the one
// that reports undecoded fields (Check.ReportsUndecoded) speaks of a field that did not decode: the field it points at
// (or one above it) has a schema problem, or a value below it had the wrong
// type or an unknown enum value and so was read as its zero value
// (tls: {mode: MUTAL} must not also be "tls mode DISABLE"). Unknown fields
// do not count below the finding: the API server drops them, and what the
// check read is what applies.
func restsOnUndecoded(f Finding) bool {
	if f.Check.ReportsUndecoded {
		return false
	}
	for _, p := range f.Resource.Problems {
		if PathAtOrBelow(f.Path, p.Path) {
			return true
		}
		if f.Path != "" && PathAtOrBelow(p.Path, f.Path) && !strings.HasPrefix(p.Message, "unknown field") {
			return true
		}
	}
	return false
}

// PathAtOrBelow reports whether field path p is at or below field path
// parent ("" is the whole resource). Checks use it to ask whether a field
// they read, or one above it, failed to decode.
func PathAtOrBelow(p, parent string) bool {
	if !strings.HasPrefix(p, parent) {
		return false
	}
	rest := p[len(parent):]
	return parent == "" || rest == "" || rest[0] == '.' || rest[0] == '['
}

func (w *worker) runOne(c *Check, r *Resource, v View, mesh *Mesh) {
	p := &w.pass
	p.Check, p.Resource, p.View, p.Mesh, p.options = c, r, v, mesh, w.rn.settings.Options[c.ID]
	defer func() {
		if e := recover(); e != nil {
			w.out = append(w.out, Finding{
				Check:    InternalError,
				Severity: SeverityError,
				Resource: r,
				Message:  fmt.Sprintf("check %s %s panicked on this resource: %v", c.ID, c.Name, e),
			})
		}
	}()
	c.Run(p)
}

func (rn *Runner) silenced(c *Check, r *Resource) bool {
	if ann := r.Object.GetAnnotations()[AnnotationIgnore]; ann != "" {
		for _, s := range strings.Split(ann, ",") {
			if matchCheck(strings.TrimSpace(s), c) {
				return true
			}
		}
	}
	for _, rule := range rn.settings.Ignore {
		if rule.matches(c, r) {
			return true
		}
	}
	return false
}

func matchCheck(s string, c *Check) bool {
	return s == "*" || c.Named(s)
}

func (rule IgnoreRule) matches(c *Check, r *Resource) bool {
	ok := len(rule.Checks) == 0
	for _, s := range rule.Checks {
		ok = ok || matchCheck(s, c)
	}
	return ok && matchGlobs(rule.Namespaces, r.Namespace()) && matchGlobs(rule.Names, r.Name())
}

func matchGlobs(globs []string, s string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if ok, _ := path.Match(g, s); ok {
			return true
		}
	}
	return false
}

// SortFindings orders findings by file, line, column, then check ID,
// resource and path, so that output is stable.
func SortFindings(fs []Finding) {
	type keyed struct {
		pos Position
		f   Finding
	}
	ks := make([]keyed, len(fs))
	for i, f := range fs {
		ks[i] = keyed{f.Position(), f}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		return cmp.Or(
			cmp.Compare(a.pos.File, b.pos.File),
			cmp.Compare(a.pos.Line, b.pos.Line),
			cmp.Compare(a.pos.Column, b.pos.Column),
			cmp.Compare(a.f.Check.ID, b.f.Check.ID),
			cmp.Compare(a.f.Resource.Key().String(), b.f.Resource.Key().String()),
			cmp.Compare(a.f.Path, b.f.Path),
			cmp.Compare(a.f.Message, b.f.Message),
		)
	})
	for i := range ks {
		fs[i] = ks[i].f
	}
}

// Lint is the whole offline pipeline for a set of resources: build an index
// with the runner's tables and run every check over every resource.
func (rn *Runner) Lint(base Mesh, full bool, resources []*Resource) []Finding {
	return rn.Run(BuildIndex(base, full, rn.tables, resources), resources)
}
