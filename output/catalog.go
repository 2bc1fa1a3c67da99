package output

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/meshlint/meshlint/lint"
)

// CatalogFormats lists the formats of `meshlint checks`, default first.
var CatalogFormats = []string{"text", "json", "markdown"}

// WriteCatalog writes the check catalog in a format: text (one line per
// check), json (everything the registry declares) or markdown (the full
// reference, as checked in at docs/checks.md).
func WriteCatalog(w io.Writer, format string, checks []*lint.Check) error {
	switch format {
	case "text":
		return catalogText(w, checks)
	case "json":
		return catalogJSON(w, checks)
	case "markdown":
		return catalogMarkdown(w, checks)
	}
	return fmt.Errorf("unknown catalog format %q (want %s)", format, strings.Join(CatalogFormats, ", "))
}

func kindList(c *lint.Check) string {
	ks := make([]string, len(c.Kinds))
	for i, k := range c.Kinds {
		ks[i] = string(k)
	}
	return strings.Join(ks, ", ")
}

// shortKinds is the kinds column of the text catalog: a check that reads
// many kinds would push the summary off the screen, so past three the rest
// are counted (`meshlint explain` and -o json list them all).
func shortKinds(c *lint.Check) string {
	if len(c.Kinds) <= 3 {
		return kindList(c)
	}
	return fmt.Sprintf("%s, %s and %d more", c.Kinds[0], c.Kinds[1], len(c.Kinds)-2)
}

func optionType(t lint.OptionType) string {
	switch t {
	case lint.OptionBool:
		return "bool"
	case lint.OptionDuration:
		return "duration"
	}
	return "string"
}

func catalogText(w io.Writer, checks []*lint.Check) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSEVERITY\tKINDS\tSUMMARY")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.Severity, shortKinds(c), c.Summary)
	}
	return tw.Flush()
}

type jsonCheck struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Severity    string       `json:"severity"`
	Kinds       []string     `json:"kinds"`
	Summary     string       `json:"summary"`
	Doc         string       `json:"doc"`
	Example     string       `json:"example"`
	Remediation string       `json:"remediation"`
	Options     []jsonOption `json:"options"`
	HelpURI     string       `json:"helpUri"`
}

type jsonOption struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Default string `json:"default"`
	Doc     string `json:"doc"`
}

func catalogJSON(w io.Writer, checks []*lint.Check) error {
	out := make([]jsonCheck, 0, len(checks))
	for _, c := range checks {
		jc := jsonCheck{
			ID: c.ID, Name: c.Name, Severity: c.Severity.String(), Kinds: []string{},
			Summary: c.Summary, Doc: c.Doc, Example: c.Example, Remediation: c.Remediation,
			Options: []jsonOption{}, HelpURI: DocsURL(c.ID),
		}
		for _, k := range c.Kinds {
			jc.Kinds = append(jc.Kinds, string(k))
		}
		for _, o := range c.Options {
			jc.Options = append(jc.Options, jsonOption{o.Name, optionType(o.Type), o.Default, o.Doc})
		}
		out = append(out, jc)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// anchor is the GitHub heading anchor of a check's section in
// docs/checks.md.
func anchor(c *lint.Check) string {
	return strings.ToLower(c.ID + "-" + c.Name)
}

// cell escapes text for a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

// CatalogTable writes the one-row-per-check markdown table that the README
// carries between its catalog markers; links point into docsPath.
func CatalogTable(w io.Writer, checks []*lint.Check, docsPath string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "| ID | name | severity | kinds | what it catches |")
	fmt.Fprintln(bw, "| --- | --- | --- | --- | --- |")
	for _, c := range checks {
		fmt.Fprintf(bw, "| [%s](%s#%s) | `%s` | %s | %s | %s |\n",
			c.ID, docsPath, anchor(c), c.Name, c.Severity, cell(kindList(c)), cell(c.Summary))
	}
	return bw.Flush()
}

func catalogMarkdown(w io.Writer, checks []*lint.Check) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# meshlint checks")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "<!-- Generated from the registry (lint/checks/registry.go) by `meshlint checks -o markdown`;")
	fmt.Fprintln(bw, "     do not edit. Regenerate with: go test ./cmd/meshlint -run TestDocs -update -->")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "IDs and names are permanent: use either in `--enable`, `--disable`, the config file's")
	fmt.Fprintln(bw, "`checks` and `ignore` keys, and the `meshlint.io/ignore` annotation.")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "## What the checks assume about the input")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, lint.Assumptions)
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "## The catalog")
	fmt.Fprintln(bw)
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := CatalogTable(bw, checks, ""); err != nil {
		return err
	}
	for _, c := range checks {
		fmt.Fprintf(bw, "\n## %s %s\n\n", c.ID, c.Name)
		fmt.Fprintf(bw, "**Severity:** %s · **Kinds:** %s\n\n", c.Severity, kindList(c))
		fmt.Fprintln(bw, strings.TrimSpace(c.Summary))
		if doc := strings.TrimSpace(c.Doc); doc != "" {
			fmt.Fprintf(bw, "\n%s\n", doc)
		}
		if ex := strings.TrimRight(c.Example, "\n"); strings.TrimSpace(ex) != "" {
			fmt.Fprintf(bw, "\n### Example that fires\n\n```yaml\n%s\n```\n", ex)
		}
		fmt.Fprintf(bw, "\n### Fix\n\n%s\n", strings.TrimSpace(c.Remediation))
		if len(c.Options) > 0 {
			fmt.Fprintln(bw, "\n### Options\n\n| option | type | default | meaning |\n| --- | --- | --- | --- |")
			for _, o := range c.Options {
				fmt.Fprintf(bw, "| `%s` | %s | `%s` | %s |\n", o.Name, optionType(o.Type), o.Default, cell(o.Doc))
			}
		}
	}
	return bw.Flush()
}

// Explain writes everything about one check for `meshlint explain`: its
// identity, long doc, an example on which it fires, the fix and its options.
func Explain(w io.Writer, c *lint.Check) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s %s (%s; %s)\n\n", c.ID, c.Name, c.Severity, kindList(c))
	fmt.Fprintln(bw, strings.TrimSpace(c.Summary))
	if doc := strings.TrimSpace(c.Doc); doc != "" {
		fmt.Fprintf(bw, "\n%s\n", doc)
	}
	if ex := strings.TrimRight(c.Example, "\n"); strings.TrimSpace(ex) != "" {
		fmt.Fprintln(bw, "\nExample that fires:")
		fmt.Fprintln(bw)
		for _, line := range strings.Split(ex, "\n") {
			if line == "" {
				fmt.Fprintln(bw)
				continue
			}
			fmt.Fprintf(bw, "    %s\n", line)
		}
	}
	fmt.Fprintf(bw, "\nFix: %s\n", strings.TrimSpace(c.Remediation))
	if len(c.Options) > 0 {
		fmt.Fprintln(bw, "\nOptions (config file: checks: {"+c.Name+": {option: value}}):")
		for _, o := range c.Options {
			fmt.Fprintf(bw, "  %s (%s, default %s): %s\n", o.Name, optionType(o.Type), o.Default, o.Doc)
		}
	}
	fmt.Fprintf(bw, "\nSilence it on one resource with the annotation meshlint.io/ignore: %s\n", c.ID)
	fmt.Fprintf(bw, "More: %s\n", DocsURL(c.ID))
	return bw.Flush()
}
