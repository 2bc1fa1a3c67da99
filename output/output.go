// Package output writes the result of a lint run in the formats the CLI
// offers: text (the compiler form editors parse), json, sarif (2.1.0) and
// github (Actions workflow commands). It also renders the check catalog for
// `meshlint checks` and `meshlint explain`. It prints nothing on its own: every
// writer writes to the io.Writer it was given.
package output

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// Formats lists the lint output formats, default first.
var Formats = []string{"text", "json", "sarif", "github"}

// DocsURL returns the documentation address of a check, derived from its ID.
func DocsURL(id string) string { return "https://meshlint.dev/checks/" + id }

// Report is what one lint run produced.
type Report struct {
	// Findings are the findings to show, in the order to show them.
	Findings []lint.Finding
	// Errors are the inputs that could not be read or parsed, and other
	// problems that kept meshlint from doing the whole job.
	Errors []load.InputError
	// Files is how many files were read; Resources how many resources were
	// linted.
	Files     int
	Resources int
	// Cluster is set when the resources came from a live cluster rather
	// than from files.
	Cluster bool
	// Rendered says how resources rendered from a Helm chart or built
	// from a kustomization were produced (load.Result.Rendered).
	Rendered map[*lint.Resource]string
}

// Counts returns how many findings there are of each severity.
func (r *Report) Counts() (errors, warnings, infos int) {
	for _, f := range r.Findings {
		switch f.Severity {
		case lint.SeverityError:
			errors++
		case lint.SeverityWarning:
			warnings++
		case lint.SeverityInfo:
			infos++
		}
	}
	return errors, warnings, infos
}

// Summary is the closing line of the text format:
// "3 errors, 1 warning, 0 infos in 42 resources from 7 files".
func (r *Report) Summary() string {
	e, w, i := r.Counts()
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s, %s in %s", plural(e, "error"), plural(w, "warning"), plural(i, "info"),
		plural(r.Resources, "resource"))
	if r.Cluster {
		b.WriteString(" from the cluster")
	} else {
		fmt.Fprintf(&b, " from %s", plural(r.Files, "file"))
	}
	if n := len(r.Errors); n > 0 {
		fmt.Fprintf(&b, "; %s", plural(n, "input error"))
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Options tune a Writer.
type Options struct {
	// Color turns on ANSI colour in the text format.
	Color bool
	// Checks are the rules the SARIF format describes; checks.Registry() and
	// lint.InternalError when nil.
	Checks []*lint.Check
	// Version is the tool version SARIF records.
	Version string
}

func (o Options) checks() []*lint.Check {
	cs := o.Checks
	if cs == nil {
		cs = checks.Registry()
	}
	if !slices.Contains(cs, lint.InternalError) {
		cs = append([]*lint.Check{lint.InternalError}, cs...)
	}
	return cs
}

// A Writer writes a report in one format.
type Writer interface {
	Write(r *Report) error
}

// New returns the writer of a format: text, json, sarif or github.
func New(w io.Writer, format string, opts Options) (Writer, error) {
	switch format {
	case "text":
		return &textWriter{w: w, color: opts.Color}, nil
	case "json":
		return &jsonWriter{w: w}, nil
	case "sarif":
		return &sarifWriter{w: w, opts: opts}, nil
	case "github":
		return &githubWriter{w: w}, nil
	}
	return nil, fmt.Errorf("unknown output format %q (want %s)", format, strings.Join(Formats, ", "))
}

// ResourceLabel names a resource the way the text format does:
// "VirtualService shop/cart", "IstioOperator istio-system (no name)" for
// an unnamed `istioctl install -f` overlay.
func ResourceLabel(r *lint.Resource) string {
	kind := string(r.Kind)
	if mc := r.MeshConfig(); mc != nil && mc.SourceKind != "" {
		kind = mc.SourceKind
	}
	if r.Name() == "" {
		return fmt.Sprintf("%s %s (no name)", kind, r.Namespace())
	}
	return fmt.Sprintf("%s %s/%s", kind, r.Namespace(), r.Name())
}

// resourceName is how a resource is named where it has no file position:
// "shop/web (VirtualService)".
func resourceName(r *lint.Resource) string {
	return fmt.Sprintf("%s/%s (%s)", r.Namespace(), r.Name(), r.SourceKind())
}
