package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var updatePrecision = flag.Bool("update-precision", false, "add the real-world corpus's unjudged findings to testdata/precision.txt, marked UNJUDGED")

// realWorldCorpus is Istio configuration from public repositories, one
// folder per repository, in the team's shared folder beside the project.
const realWorldCorpus = "../../../shared/corpus/real-world"

// precisionFile holds the verdict on every finding meshlint makes on the
// real-world corpus: one line per finding,
//
//	REPO/FILE:LINE:COL SEVERITY CHECK | verdict: why an operator wants it
//
// A finding that is not listed fails the test (judge it: fix the check, or
// add it with its verdict); a listed finding that is gone fails it too
// (a true finding must not be lost). Lines starting with # are comments.
const precisionFile = "testdata/precision.txt"

// TestRealWorldPrecision lints each repository of the real-world corpus as a
// unit, as a user would lint their repository, and holds the findings to the
// recorded verdicts.
func TestRealWorldPrecision(t *testing.T) {
	dirs, err := os.ReadDir(realWorldCorpus)
	if err != nil {
		t.Skipf("the real-world corpus is not here (%v): run the suite with ../shared beside the project to check precision", err)
	}
	var got []string
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		got = append(got, corpusFindings(t, d.Name())...)
	}
	want, verdicts := readPrecision(t)
	var unjudged, lost []string
	for _, g := range got {
		if !slices.Contains(want, g) {
			unjudged = append(unjudged, g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			lost = append(lost, w)
		}
	}
	if *updatePrecision && len(unjudged) > 0 {
		f, err := os.OpenFile(precisionFile, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range unjudged {
			fmt.Fprintf(f, "%s | UNJUDGED\n", u)
		}
		f.Close()
		t.Logf("added %d unjudged findings to %s: read each one and write its verdict", len(unjudged), precisionFile)
	}
	for _, u := range unjudged {
		t.Errorf("new finding on the real-world corpus, not judged in %s: %s", precisionFile, u)
	}
	for _, l := range lost {
		t.Errorf("finding judged true is gone: %s (%s)", l, verdicts[l])
	}
	for l, v := range verdicts {
		if strings.HasPrefix(v, "UNJUDGED") {
			t.Errorf("%s: %s has no verdict yet", precisionFile, l)
		}
	}
}

// corpusFindings lints one repository of the corpus and returns its
// findings as precision lines without the verdict.
func corpusFindings(t *testing.T, repo string) []string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(realWorldCorpus, repo))
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if status := run([]string{"-o", "json", "--fail-on", "none", dir}, nil, &stdout, &stderr); status == 2 && stdout.Len() == 0 {
		t.Fatalf("%s: meshlint could not lint it: %s", repo, stderr.String())
	}
	var doc struct {
		Findings []struct {
			Check, Severity, File string
			Line, Column          int
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("%s: %v", repo, err)
	}
	var out []string
	for _, f := range doc.Findings {
		rel, err := filepath.Rel(dir, f.File)
		if err != nil {
			rel = f.File
		}
		out = append(out, fmt.Sprintf("%s/%s:%d:%d %s %s", repo, filepath.ToSlash(rel), f.Line, f.Column, f.Severity, f.Check))
	}
	return out
}

// readPrecision returns the judged findings and their verdicts.
func readPrecision(t *testing.T) ([]string, map[string]string) {
	t.Helper()
	data, err := os.ReadFile(precisionFile)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var want []string
	verdicts := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		finding, verdict, ok := strings.Cut(line, " | ")
		if !ok || strings.TrimSpace(verdict) == "" {
			t.Errorf("%s: %q has no verdict", precisionFile, line)
		}
		finding = strings.TrimSpace(finding)
		want = append(want, finding)
		verdicts[finding] = strings.TrimSpace(verdict)
	}
	return want, verdicts
}
