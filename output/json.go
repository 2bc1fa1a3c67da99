package output

import (
	"encoding/json"
	"io"
)

// jsonReport is the documented JSON schema (CONTRACT.md); fields are only
// ever added.
type jsonReport struct {
	Findings []jsonFinding `json:"findings"`
	Errors   []jsonError   `json:"errors"`
	Summary  jsonSummary   `json:"summary"`
}

type jsonFinding struct {
	Check       string       `json:"check"`
	Name        string       `json:"name"`
	Severity    string       `json:"severity"`
	Message     string       `json:"message"`
	Remediation string       `json:"remediation"`
	Resource    jsonResource `json:"resource"`
	Path        string       `json:"path"`
	File        string       `json:"file,omitempty"`
	Line        int          `json:"line,omitempty"`
	Column      int          `json:"column,omitempty"`
	// Rendered says how a resource rendered from a chart or built from a
	// kustomization was produced.
	Rendered string `json:"rendered,omitempty"`
}

type jsonResource struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

type jsonError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

type jsonSummary struct {
	Files     int `json:"files"`
	Resources int `json:"resources"`
	Error     int `json:"error"`
	Warning   int `json:"warning"`
	Info      int `json:"info"`
}

type jsonWriter struct {
	w io.Writer
}

func (j *jsonWriter) Write(r *Report) error {
	out := jsonReport{
		Findings: make([]jsonFinding, 0, len(r.Findings)),
		Errors:   make([]jsonError, 0, len(r.Errors)),
		Summary:  jsonSummary{Files: r.Files, Resources: r.Resources},
	}
	out.Summary.Error, out.Summary.Warning, out.Summary.Info = r.Counts()
	for _, f := range r.Findings {
		pos := f.Position()
		out.Findings = append(out.Findings, jsonFinding{
			Check:       f.Check.ID,
			Name:        f.Check.Name,
			Severity:    f.Severity.String(),
			Message:     f.Message,
			Remediation: f.Remediation(),
			Resource: jsonResource{
				APIVersion: f.Resource.APIVersion,
				Kind:       f.Resource.SourceKind(),
				Namespace:  f.Resource.Namespace(),
				Name:       f.Resource.Name(),
			},
			Path:     f.Path,
			File:     pos.File,
			Line:     pos.Line,
			Column:   pos.Column,
			Rendered: r.Rendered[f.Resource],
		})
	}
	for _, e := range r.Errors {
		out.Errors = append(out.Errors, jsonError{File: e.File, Line: e.Line, Column: e.Column, Message: e.Message})
	}
	enc := json.NewEncoder(j.w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
