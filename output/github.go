package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// githubWriter writes GitHub Actions workflow commands, which the runner
// turns into annotations on the pull request:
// ::error file=gw.yaml,line=14,col=7,title=ML002 http-routes-on-passthrough-gateway::message
type githubWriter struct {
	w io.Writer
}

// githubCommand maps a severity to its workflow command.
func githubCommand(s lint.Severity) string {
	switch s {
	case lint.SeverityError:
		return "error"
	case lint.SeverityWarning:
		return "warning"
	}
	return "notice"
}

// escapeData escapes a workflow command's message, as the runner's
// toolkit does: %, CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: the data
// escapes plus the separators ':' and ','.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

func (g *githubWriter) Write(r *Report) error {
	bw := bufio.NewWriter(g.w)
	for _, f := range r.Findings {
		pos := f.Position()
		var props []string
		msg := f.Message
		if pos.File != "" {
			props = append(props, "file="+escapeProperty(pos.File))
			if pos.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", pos.Line), fmt.Sprintf("col=%d", pos.Column))
			}
		} else {
			msg = resourceName(f.Resource) + ": " + msg
		}
		props = append(props, "title="+escapeProperty(f.Check.ID+" "+f.Check.Name))
		if rem := f.Remediation(); rem != "" {
			msg += "\nfix: " + rem
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", githubCommand(f.Severity), strings.Join(props, ","), escapeData(msg))
	}
	for _, e := range r.Errors {
		var props []string
		if e.File != "" {
			props = append(props, "file="+escapeProperty(e.File))
			if e.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", e.Line))
				if e.Column > 0 {
					props = append(props, fmt.Sprintf("col=%d", e.Column))
				}
			}
		}
		props = append(props, "title=meshlint")
		fmt.Fprintf(bw, "::error %s::%s\n", strings.Join(props, ","), escapeData(e.Message))
	}
	// A plain line shows in the job log without becoming an annotation.
	fmt.Fprintln(bw, r.Summary())
	return bw.Flush()
}
