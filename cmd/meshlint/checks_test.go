package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/output"
)

func TestChecksCommand(t *testing.T) {
	t.Run("text lists every check", func(t *testing.T) {
		r := runCLI(t, "", "checks")
		if r.code != 0 {
			t.Fatalf("status %d: %s", r.code, r.stderr)
		}
		for _, c := range checks.Registry() {
			if !strings.Contains(r.stdout, c.ID+"  "+c.Name) || !strings.Contains(r.stdout, c.Severity.String()) {
				t.Errorf("no line for %s %s", c.ID, c.Name)
			}
		}
	})
	t.Run("json", func(t *testing.T) {
		r := runCLI(t, "", "checks", "-o", "json")
		var got []struct{ ID, Name, Severity string }
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("checks -o json does not parse: %v", err)
		}
		if len(got) != len(checks.Registry()) {
			t.Errorf("%d checks, want %d", len(got), len(checks.Registry()))
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		if r := runCLI(t, "", "checks", "-o", "yaml"); r.code != 2 || r.stdout != "" {
			t.Errorf("status %d stdout %q, want 2 and nothing", r.code, r.stdout)
		}
	})
}

func TestExplain(t *testing.T) {
	c := checks.Registry()[3]
	for _, arg := range []string{c.ID, strings.ToLower(c.ID), c.Name} {
		t.Run(arg, func(t *testing.T) {
			r := runCLI(t, "", "explain", arg)
			if r.code != 0 {
				t.Fatalf("status %d: %s", r.code, r.stderr)
			}
			for _, want := range []string{c.ID + " " + c.Name, c.Summary, "Fix: " + c.Remediation, output.DocsURL(c.ID)} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("explain %s lacks %q:\n%s", arg, want, r.stdout)
				}
			}
			if c.Example != "" && !strings.Contains(r.stdout, "Example that fires") {
				t.Errorf("explain %s has no example", arg)
			}
		})
	}
	for _, args := range [][]string{{"explain"}, {"explain", "ML999"}, {"explain", "ML001", "ML002"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if r := runCLI(t, "", args...); r.code != 2 || r.stdout != "" || r.stderr == "" {
				t.Errorf("status %d stdout %q stderr %q, want 2, nothing, and why", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, "", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "meshlint dev\n") || !strings.Contains(r.stdout, "commit: ") {
		t.Errorf("version: status %d\n%s", r.code, r.stdout)
	}
}

// TestDocs fails when docs/checks.md or the README's catalog table drift
// from the registry. Regenerate both with:
//
//	go test ./cmd/meshlint -run TestDocs -update
func TestDocs(t *testing.T) {
	const regen = "go test ./cmd/meshlint -run TestDocs -update"
	t.Run("docs/checks.md", func(t *testing.T) {
		r := runCLI(t, "", "checks", "-o", "markdown")
		if r.code != 0 {
			t.Fatalf("checks -o markdown: status %d: %s", r.code, r.stderr)
		}
		path := filepath.Join("..", "..", "docs", "checks.md")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("reading docs/checks.md: %v; generate it with: %s", err, regen)
		}
		if diff := cmp.Diff(string(want), r.stdout); diff != "" {
			t.Errorf("docs/checks.md is out of date with the registry; regenerate it with: %s\n(-file +registry):\n%s", regen, diff)
		}
	})
	t.Run("README assumptions", func(t *testing.T) {
		syncBlock(t, filepath.Join("..", "..", "README.md"), "assumptions", lint.Assumptions+"\n", regen)
	})
	t.Run("README catalog", func(t *testing.T) {
		var table strings.Builder
		if err := output.CatalogTable(&table, checks.Registry(), "docs/checks.md"); err != nil {
			t.Fatal(err)
		}
		syncBlock(t, filepath.Join("..", "..", "README.md"), "catalog", table.String(), regen)
	})
	t.Run("README examples output", func(t *testing.T) {
		r := runCLI(t, "", "--no-color", filepath.Join("..", "..", "examples"))
		lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		if r.code != 1 || len(lines) < 3 {
			t.Fatalf("linting examples/: status %d, %d lines", r.code, len(lines))
		}
		// As the README's first command prints it, from the repository root.
		out := strings.ReplaceAll(strings.Join([]string{lines[0], lines[1], "...", lines[len(lines)-1]}, "\n"), filepath.Join("..", "..")+string(filepath.Separator), "")
		syncBlock(t, filepath.Join("..", "..", "README.md"), "examples-output", "```\n"+out+"\n```\n", regen)
	})
	t.Run("examples/README.md", func(t *testing.T) {
		syncBlock(t, filepath.Join("..", "..", "examples", "README.md"), "examples", examplesTable(t), regen)
	})
}

// examplesTable is the table of examples/README.md: each example file, in
// order, with the check its first line names ("# ML001 missing-istio-mutual")
// and that check's summary from the registry. It fails on a file whose
// first line names no check, or a check of another name than the file's,
// and on a check without an example.
func examplesTable(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("| file | check | what goes wrong |\n| --- | --- | --- |\n")
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(data), "\n")
		fields := strings.Fields(strings.TrimPrefix(first, "#"))
		if len(fields) != 2 {
			t.Fatalf("%s: the first line is %q, want \"# <ID> <name>\"", f, first)
		}
		c := checks.Lookup(checks.Registry(), fields[0])
		base := filepath.Base(f)
		if c == nil || c.Name != fields[1] || !strings.HasSuffix(strings.TrimSuffix(base, ".yaml"), "-"+c.Name) {
			t.Fatalf("%s: the first line names %q, which is not a check of the registry whose name the file carries", f, first)
		}
		seen[c.ID] = true
		fmt.Fprintf(&b, "| [%s](%s) | %s %s | %s |\n", base, base, c.ID, c.Name, c.Summary)
	}
	for _, c := range checks.Registry() {
		if !seen[c.ID] {
			t.Errorf("%s %s has no example in examples/", c.ID, c.Name)
		}
	}
	return b.String()
}

// syncBlock holds the text between the markers <!-- name:start --> and
// <!-- name:end --> of the file at path to want, or with -update writes it
// there.
func syncBlock(t *testing.T, path, name, want, regen string) {
	t.Helper()
	start, end := "<!-- "+name+":start -->\n", "<!-- "+name+":end -->"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, start), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q markers", path, strings.TrimSpace(start), end)
	}
	got := doc[i+len(start) : j]
	if *update {
		if got != want {
			if err := os.WriteFile(path, []byte(doc[:i+len(start)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s is out of date (the %s block); regenerate it with: %s\n(-want +file):\n%s", path, name, regen, diff)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"lint", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runCLI(t, "", args...)
			for _, want := range []string{"meshlint checks", "--fail-on", "--enable limits the run", "--min-severity hides findings", "Exit status"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("help lacks %q", want)
				}
			}
			if r.code != 0 || r.stderr != "" {
				t.Errorf("status %d, stderr %q", r.code, r.stderr)
			}
		})
	}
}

// TestSubcommandHelp: every command answers -h and --help with its usage on
// stdout and status 0.
func TestSubcommandHelp(t *testing.T) {
	for _, cmd := range []string{"checks", "explain", "version", "webhook"} {
		for _, flag := range []string{"-h", "--help"} {
			r := runCLI(t, "", cmd, flag)
			if r.code != 0 || !strings.Contains(r.stdout, "Usage: meshlint "+cmd) {
				t.Errorf("meshlint %s %s: status %d, stdout %q, stderr %q", cmd, flag, r.code, r.stdout, r.stderr)
			}
		}
	}
}

// TestPathNamedLikeACommand: "lint" and "help" are commands only when no
// file or directory has that name; the contract's commands (checks,
// explain, version, webhook) are always commands.
func TestPathNamedLikeACommand(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"lint", "help"} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		src, err := os.ReadFile("../../examples/04-retry-without-reset.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "vs.yaml"), src, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, name := range []string{"lint", "help"} {
		r := runCLI(t, "", name, "-o", "json")
		if r.code != 1 {
			t.Fatalf("meshlint %s -o json with ./%s present: status %d, want 1 (findings); stderr %q", name, name, r.code, r.stderr)
		}
		o := parseJSON(t, r.stdout)
		if len(o.Findings) == 0 || o.Findings[0].File != filepath.Join(name, "vs.yaml") {
			t.Errorf("meshlint %s: findings %+v, want those of %s/vs.yaml", name, o.Findings, name)
		}
	}
}

// TestHiddenDirectories: a directory walk skips hidden directories (.git,
// .github), as the usage says, and a hidden directory named on the command
// line is linted.
func TestHiddenDirectories(t *testing.T) {
	src, err := os.ReadFile("../../examples/04-retry-without-reset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"visible/vs.yaml", ".hidden/vs.yaml"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), src, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files := func(args ...string) []string {
		o := parseJSON(t, runCLI(t, "", append([]string{"-o", "json"}, args...)...).stdout)
		var out []string
		for _, f := range o.Findings {
			if !slices.Contains(out, f.File) {
				out = append(out, f.File)
			}
		}
		return out
	}
	if got, want := files(dir), []string{filepath.Join(dir, "visible", "vs.yaml")}; !slices.Equal(got, want) {
		t.Errorf("walking %s linted %v, want %v", dir, got, want)
	}
	if got, want := files(filepath.Join(dir, ".hidden")), []string{filepath.Join(dir, ".hidden", "vs.yaml")}; !slices.Equal(got, want) {
		t.Errorf("naming .hidden linted %v, want %v", got, want)
	}
}
