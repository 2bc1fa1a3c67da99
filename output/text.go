package output

import (
	"bufio"
	"fmt"
	"io"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/load"
)

// ANSI styles of the text format.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[1;33m"
	ansiCyan   = "\x1b[1;36m"
	ansiGreen  = "\x1b[32m"
)

// textWriter writes one finding per line in the compiler form
// (file:line:col: severity: message [ID name]), its remediation indented
// below, then the input errors and a summary line.
type textWriter struct {
	w     io.Writer
	color bool
}

func (t *textWriter) style(code, s string) string {
	if !t.color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) severity(s lint.Severity) string {
	switch s {
	case lint.SeverityError:
		return t.style(ansiRed, s.String())
	case lint.SeverityWarning:
		return t.style(ansiYellow, s.String())
	case lint.SeverityInfo:
		return t.style(ansiCyan, s.String())
	}
	return s.String()
}

// where is the start of a finding's line: its file position, or the
// resource's name when it did not come from a file.
func where(f lint.Finding) string {
	pos := f.Position()
	switch {
	case pos.File != "" && pos.Line > 0:
		return fmt.Sprintf("%s:%d:%d", pos.File, pos.Line, pos.Column)
	case pos.File != "":
		// The message names the resource.
		return pos.File
	}
	return resourceName(f.Resource)
}

// errorWhere is the start of an input error's line: its place, or
// "meshlint" for an error about no file.
func errorWhere(e load.InputError) string {
	if e.File == "" {
		return "meshlint"
	}
	return e.Where()
}

func (t *textWriter) Write(r *Report) error {
	bw := bufio.NewWriter(t.w)
	for _, f := range r.Findings {
		msg := f.Message
		if f.Position().File != "" {
			// Without a file, where already names the resource.
			msg = ResourceLabel(f.Resource) + ": " + msg
		}
		fmt.Fprintf(bw, "%s: %s: %s %s\n", t.style(ansiBold, where(f)), t.severity(f.Severity), msg,
			t.style(ansiDim, fmt.Sprintf("[%s %s]", f.Check.ID, f.Check.Name)))
		if note := r.Rendered[f.Resource]; note != "" {
			fmt.Fprintf(bw, "    %s %s\n", t.style(ansiDim, "from:"), note)
		}
		if rem := f.Remediation(); rem != "" {
			fmt.Fprintf(bw, "    %s %s\n", t.style(ansiGreen, "fix:"), rem)
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(bw, "%s: %s: %s\n", t.style(ansiBold, errorWhere(e)), t.severity(lint.SeverityError), e.Message)
	}
	fmt.Fprintln(bw, r.Summary())
	return bw.Flush()
}
