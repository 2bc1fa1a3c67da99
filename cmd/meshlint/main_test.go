package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files and the generated docs")

// result is what one in-process run of the command line produced.
type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// jsonOutput is the documented JSON schema, as a consumer reads it.
type jsonOutput struct {
	Findings []struct {
		Check, Name, Severity, Message, Remediation, Path, File string
		Line, Column                                            int
		Resource                                                struct{ APIVersion, Kind, Namespace, Name string }
	}
	Errors []struct {
		File    string
		Line    int
		Message string
	}
	Summary struct{ Files, Resources, Error, Warning, Info int }
}

// parseJSON parses -o json output strictly: findings and errors must be
// arrays, never null.
func parseJSON(t *testing.T, out string) jsonOutput {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("-o json output does not parse: %v\n%s", err, out)
	}
	for _, key := range []string{"findings", "errors", "summary"} {
		v, ok := raw[key]
		if !ok {
			t.Fatalf("-o json output has no %q key:\n%s", key, out)
		}
		if key != "summary" && !bytes.HasPrefix(v, []byte("[")) {
			t.Fatalf("-o json %q is %s, want an array", key, v)
		}
	}
	var o jsonOutput
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatalf("-o json output does not match the schema: %v", err)
	}
	return o
}

// findingIDs lists "ID resource-name" of each finding of a JSON report.
func findingIDs(o jsonOutput) []string {
	var ids []string
	for _, f := range o.Findings {
		ids = append(ids, f.Check+" "+f.Resource.Name)
	}
	return ids
}

func hasCheck(o jsonOutput, id string) bool {
	for _, f := range o.Findings {
		if f.Check == id {
			return true
		}
	}
	return false
}

// golden compares got with a file under testdata/golden, or rewrites it
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file: %v (run: go test ./cmd/meshlint -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); if intended, run: go test ./cmd/meshlint -update\n%s", path, diff)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
	}{
		{name: "findings.txt", args: []string{"testdata/lint"}, wantCode: 1},
		{name: "findings.json", args: []string{"-o", "json", "testdata/lint"}, wantCode: 1},
		{name: "findings.sarif", args: []string{"-o", "sarif", "testdata/lint"}, wantCode: 1},
		{name: "findings.github", args: []string{"-o", "github", "testdata/lint"}, wantCode: 1},
		{name: "broken.txt", args: []string{"testdata/broken", "testdata/missing.yaml"}, wantCode: 2},
		{name: "broken.json", args: []string{"-o", "json", "testdata/broken", "testdata/missing.yaml"}, wantCode: 2},
		{name: "broken.sarif", args: []string{"-o", "sarif", "testdata/broken", "testdata/missing.yaml"}, wantCode: 2},
		{name: "broken.github", args: []string{"-o", "github", "testdata/broken", "testdata/missing.yaml"}, wantCode: 2},
		{name: "clean.txt", args: []string{"testdata/clean.yaml"}, wantCode: 0},
		{name: "clean.json", args: []string{"-o", "json", "testdata/clean.yaml"}, wantCode: 0},
		{name: "clean.sarif", args: []string{"-o", "sarif", "testdata/clean.yaml"}, wantCode: 0},
		{name: "clean.github", args: []string{"-o", "github", "testdata/clean.yaml"}, wantCode: 0},
		{name: "stdin.txt", args: []string{"-"}, stdin: readFile(t, "testdata/broken/good.yaml"), wantCode: 1},
		{name: "config-error.txt", args: []string{"-c", "testdata/config/unknown-key.yaml", "testdata/lint"}, wantCode: 2},
		{name: "config-error.json", args: []string{"-o", "json", "-c", "testdata/config/unknown-key.yaml", "testdata/lint"}, wantCode: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.stdin, tc.args...)
			if r.code != tc.wantCode {
				t.Errorf("exit status %d, want %d; stderr:\n%s", r.code, tc.wantCode, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("stderr is not empty:\n%s", r.stderr)
			}
			got := r.stdout
			if strings.HasSuffix(tc.name, ".sarif") {
				got = compactSARIFRules(t, got)
			}
			golden(t, tc.name, got)
		})
	}
}

// compactSARIFRules cuts each SARIF rule down to its id, name and helpUri,
// so that the goldens pin the results and the log's shape without copying
// every check's docs (TestSARIF checks the rules in full).
func compactSARIFRules(t *testing.T, out string) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("-o sarif output does not parse: %v", err)
	}
	for _, run := range doc["runs"].([]any) {
		driver := run.(map[string]any)["tool"].(map[string]any)["driver"].(map[string]any)
		for i, r := range driver["rules"].([]any) {
			rule := r.(map[string]any)
			driver["rules"].([]any)[i] = map[string]any{"id": rule["id"], "name": rule["name"], "helpUri": rule["helpUri"]}
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// TestExitStatus checks that every format gives the same exit status, and
// that machine formats still parse whatever happened.
func TestExitStatus(t *testing.T) {
	scenarios := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
	}{
		{name: "clean", args: []string{"testdata/clean.yaml"}, wantCode: 0},
		{name: "findings", args: []string{"testdata/lint"}, wantCode: 1},
		{name: "findings below fail-on", args: []string{"--fail-on", "error", "testdata/broken/good.yaml"}, wantCode: 0},
		{name: "fail-on none", args: []string{"--fail-on", "none", "testdata/lint"}, wantCode: 0},
		{name: "broken yaml among good files", args: []string{"testdata/broken"}, wantCode: 2},
		{name: "missing path", args: []string{"testdata/clean.yaml", "testdata/no-such-dir"}, wantCode: 2},
		{name: "config error", args: []string{"-c", "testdata/config/unknown-key.yaml", "testdata/clean.yaml"}, wantCode: 2},
		{name: "missing config", args: []string{"-c", "testdata/config/absent.yaml", "testdata/clean.yaml"}, wantCode: 2},
		{name: "stdin clean", args: []string{"-"}, stdin: readFile(t, "testdata/clean.yaml"), wantCode: 0},
		{name: "stdin broken", args: []string{"-"}, stdin: readFile(t, "testdata/broken/bad.yaml"), wantCode: 2},
	}
	for _, sc := range scenarios {
		for _, format := range []string{"text", "json", "sarif", "github"} {
			t.Run(sc.name+"/"+format, func(t *testing.T) {
				r := runCLI(t, sc.stdin, append([]string{"-o", format}, sc.args...)...)
				if r.code != sc.wantCode {
					t.Errorf("exit status %d, want %d; stdout:\n%s\nstderr:\n%s", r.code, sc.wantCode, r.stdout, r.stderr)
				}
				switch format {
				case "json":
					parseJSON(t, r.stdout)
				case "sarif":
					parseSARIF(t, r.stdout)
				}
			})
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{name: "unknown flag", args: []string{"--bogus", "testdata/clean.yaml"}, wantStderr: "unknown flag: --bogus"},
		{name: "unknown format", args: []string{"-o", "xml", "testdata/clean.yaml"}, wantStderr: `unknown output format "xml"`},
		{name: "bad fail-on", args: []string{"--fail-on", "fatal", "testdata/clean.yaml"}, wantStderr: `unknown severity "fatal"`},
		{name: "bad min-severity", args: []string{"--min-severity", "none", "testdata/clean.yaml"}, wantStderr: `--min-severity`},
		{name: "unknown check in enable", args: []string{"--enable", "ML999", "testdata/clean.yaml"}, wantStderr: `--enable: unknown check "ML999"`},
		{name: "unknown check in disable", args: []string{"--disable", "no-such-check", "testdata/clean.yaml"}, wantStderr: `--disable: unknown check "no-such-check"`},
		{name: "all without paths", args: []string{"--cluster", "--all"}, wantStderr: "--all needs PATHs"},
		{name: "cluster with -n and -A", args: []string{"--cluster", "-n", "shop", "-A"}, wantStderr: "mutually exclusive"},
		{name: "kubeconfig without cluster", args: []string{"--kubeconfig", "x", "testdata/clean.yaml"}, wantStderr: "--kubeconfig needs --cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.code != exitTrouble {
				t.Errorf("exit status %d, want 2", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", r.stdout)
			}
			if !strings.Contains(r.stderr, tc.wantStderr) {
				t.Errorf("stderr does not say %q:\n%s", tc.wantStderr, r.stderr)
			}
		})
	}
	t.Run("unknown flag prints usage", func(t *testing.T) {
		r := runCLI(t, "", "--bogus")
		if !strings.Contains(r.stderr, "Usage:") || !strings.Contains(r.stderr, "--fail-on") {
			t.Errorf("stderr has no usage:\n%s", r.stderr)
		}
	})
	t.Run("help goes to stdout", func(t *testing.T) {
		r := runCLI(t, "", "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") || r.stderr != "" {
			t.Errorf("--help: status %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})
}

// TestInputErrors checks that a broken input is reported with its file and
// line while every other input is still linted.
func TestInputErrors(t *testing.T) {
	t.Run("broken yaml among good files", func(t *testing.T) {
		r := runCLI(t, "", "-o", "json", "testdata/broken")
		o := parseJSON(t, r.stdout)
		if r.code != 2 {
			t.Errorf("exit status %d, want 2", r.code)
		}
		if len(o.Errors) != 1 || o.Errors[0].File != filepath.Join("testdata", "broken", "bad.yaml") || o.Errors[0].Line != 8 {
			t.Errorf("errors = %+v, want one at testdata/broken/bad.yaml:8 (the unclosed brace)", o.Errors)
		}
		if !hasCheck(o, "ML004") {
			t.Errorf("good.yaml was not linted: findings %v", findingIDs(o))
		}
		if o.Summary.Files != 2 {
			t.Errorf("summary.files = %d, want 2", o.Summary.Files)
		}
	})
	t.Run("missing path", func(t *testing.T) {
		r := runCLI(t, "", "-o", "json", "testdata/no-such-dir", "testdata/broken/good.yaml")
		o := parseJSON(t, r.stdout)
		if r.code != 2 || len(o.Errors) != 1 || o.Errors[0].File != "testdata/no-such-dir" {
			t.Errorf("status %d, errors %+v; want 2 and one error on testdata/no-such-dir", r.code, o.Errors)
		}
		if !hasCheck(o, "ML004") {
			t.Errorf("the readable file was not linted: findings %v", findingIDs(o))
		}
	})
	t.Run("stdin is named -", func(t *testing.T) {
		r := runCLI(t, readFile(t, "testdata/broken/good.yaml"), "-o", "json", "-")
		o := parseJSON(t, r.stdout)
		if len(o.Findings) == 0 || o.Findings[0].File != "-" || o.Findings[0].Line != 12 || o.Findings[0].Column != 5 {
			t.Errorf("findings = %+v, want one at -:12:5", o.Findings)
		}
	})
	t.Run("no path means the working directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "vs.yaml"), []byte(readFile(t, "testdata/broken/good.yaml")), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		r := runCLI(t, "", "-o", "json")
		o := parseJSON(t, r.stdout)
		if r.code != 1 || o.Summary.Files != 1 || !hasCheck(o, "ML004") {
			t.Errorf("status %d, summary %+v, findings %v", r.code, o.Summary, findingIDs(o))
		}
	})
}

func TestConfig(t *testing.T) {
	t.Run("unknown key names its line", func(t *testing.T) {
		r := runCLI(t, "", "-o", "json", "-c", "testdata/config/unknown-key.yaml", "testdata/lint")
		o := parseJSON(t, r.stdout)
		if r.code != 2 || len(o.Errors) != 1 {
			t.Fatalf("status %d, errors %+v; want 2 and one error", r.code, o.Errors)
		}
		e := o.Errors[0]
		if e.File != "testdata/config/unknown-key.yaml" || e.Line != 4 || !strings.Contains(e.Message, `"checkz"`) {
			t.Errorf("error = %+v, want the unknown key checkz at line 4", e)
		}
		if len(o.Findings) != 0 {
			t.Errorf("linted with a broken config: %v", findingIDs(o))
		}
	})
	t.Run("default file in the working directory", func(t *testing.T) {
		dir := t.TempDir()
		input, _ := filepath.Abs("testdata/broken/good.yaml")
		if err := os.WriteFile(filepath.Join(dir, ".meshlint.yaml"), []byte("failOn: error\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		if r := runCLI(t, "", input); r.code != 0 {
			t.Errorf("status %d with failOn: error in ./.meshlint.yaml, want 0\n%s", r.code, r.stdout)
		}
		if err := os.WriteFile(filepath.Join(dir, ".meshlint.yaml"), []byte("failOn: bogus\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := runCLI(t, "", input); r.code != 2 || !strings.Contains(r.stdout, ".meshlint.yaml:1:") {
			t.Errorf("status %d with a bad ./.meshlint.yaml, want 2 and the error with its line:\n%s", r.code, r.stdout)
		}
	})
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantML4  bool
		wantSev  string
	}{
		{name: "config failOn applies", args: []string{"-c", "testdata/config/fail-on-error.yaml"}, wantCode: 0, wantML4: true},
		{name: "--fail-on overrides config failOn", args: []string{"-c", "testdata/config/fail-on-error.yaml", "--fail-on", "warning"}, wantCode: 1, wantML4: true},
		{name: "check off in config", args: []string{"-c", "testdata/config/ml004-off.yaml"}, wantCode: 0},
		{name: "--enable turns on a check the config turns off", args: []string{"-c", "testdata/config/ml004-off.yaml", "--enable", "ML004"}, wantCode: 1, wantML4: true},
		{name: "severity from config", args: []string{"-c", "testdata/config/ml004-info.yaml"}, wantCode: 0, wantML4: true, wantSev: "info"},
		{name: "severity from config and --fail-on info", args: []string{"-c", "testdata/config/ml004-info.yaml", "--fail-on", "info"}, wantCode: 1, wantML4: true, wantSev: "info"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", append(append([]string{"-o", "json"}, tc.args...), "testdata/broken/good.yaml")...)
			o := parseJSON(t, r.stdout)
			if r.code != tc.wantCode {
				t.Errorf("exit status %d, want %d", r.code, tc.wantCode)
			}
			if got := hasCheck(o, "ML004"); got != tc.wantML4 {
				t.Errorf("ML004 reported: %v, want %v", got, tc.wantML4)
			}
			if tc.wantSev != "" && len(o.Findings) > 0 && o.Findings[0].Severity != tc.wantSev {
				t.Errorf("severity %q, want %q", o.Findings[0].Severity, tc.wantSev)
			}
		})
	}
}

func TestSelection(t *testing.T) {
	input := "testdata/lint"
	all := parseJSON(t, runCLI(t, "", "-o", "json", input).stdout)
	if !hasCheck(all, "ML004") || !hasCheck(all, "ML005") {
		t.Fatalf("the test input should fire ML004 and ML005; got %v", findingIDs(all))
	}
	for _, tc := range []struct {
		name       string
		args       []string
		wantChecks []string // exactly these checks report, when they fire on the input at all
		wantCode   int
	}{
		{name: "enable one by ID", args: []string{"--enable", "ML004"}, wantChecks: []string{"ML004"}, wantCode: 1},
		{name: "enable one by name", args: []string{"--enable", "retry-without-reset"}, wantChecks: []string{"ML004"}, wantCode: 1},
		{name: "enable a comma list", args: []string{"--enable", "ML004,fragile-envoyfilter-insert"}, wantChecks: []string{"ML004", "ML005"}, wantCode: 1},
		{name: "enable repeated", args: []string{"--enable", "ML004", "--enable", "ml005"}, wantChecks: []string{"ML004", "ML005"}, wantCode: 1},
		{name: "enable then disable", args: []string{"--enable", "ML004,ML005", "--disable", "ML004"}, wantChecks: []string{"ML005"}, wantCode: 1},
		{name: "min-severity error hides warnings", args: []string{"--enable", "ML004,ML005", "--min-severity", "error"}, wantChecks: nil, wantCode: 0},
		{name: "fail-on error with warnings", args: []string{"--enable", "ML004,ML005", "--fail-on", "error"}, wantChecks: []string{"ML004", "ML005"}, wantCode: 0},
		{name: "fail-on info", args: []string{"--enable", "ML004,ML005", "--fail-on", "info"}, wantChecks: []string{"ML004", "ML005"}, wantCode: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", append(append([]string{"-o", "json"}, tc.args...), input)...)
			o := parseJSON(t, r.stdout)
			if r.code != tc.wantCode {
				t.Errorf("exit status %d, want %d", r.code, tc.wantCode)
			}
			got := map[string]bool{}
			for _, f := range o.Findings {
				got[f.Check] = true
			}
			want := map[string]bool{}
			for _, id := range tc.wantChecks {
				want[id] = true
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("checks that reported (-want +got):\n%s", diff)
			}
			e, w, i := 0, 0, 0
			for _, f := range o.Findings {
				switch f.Severity {
				case "error":
					e++
				case "warning":
					w++
				case "info":
					i++
				}
			}
			if o.Summary.Error != e || o.Summary.Warning != w || o.Summary.Info != i {
				t.Errorf("summary %+v counts other findings than those shown", o.Summary)
			}
		})
	}
	t.Run("disable removes from all", func(t *testing.T) {
		o := parseJSON(t, runCLI(t, "", "-o", "json", "--disable", "ML004", input).stdout)
		if hasCheck(o, "ML004") || !hasCheck(o, "ML005") {
			t.Errorf("findings %v, want ML005 and no ML004", findingIDs(o))
		}
	})
}

func TestIgnoreAnnotation(t *testing.T) {
	const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: api
  namespace: shop
%s
spec:
  hosts: [api]
  http:
  - route:
    - destination:
        host: api
    retries:
      attempts: 3
`
	for _, tc := range []struct {
		name       string
		annotation string
		wantML4    bool
	}{
		{name: "no annotation", wantML4: true},
		{name: "by ID", annotation: "ML004", wantML4: false},
		{name: "by name in a list", annotation: "ML001, retry-without-reset", wantML4: false},
		{name: "all checks", annotation: "*", wantML4: false},
		{name: "another check", annotation: "ML005", wantML4: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			meta := ""
			if tc.annotation != "" {
				meta = "  annotations:\n    meshlint.io/ignore: \"" + tc.annotation + "\""
			}
			r := runCLI(t, strings.Replace(vs, "%s\n", meta+"\n", 1), "-o", "json", "-")
			o := parseJSON(t, r.stdout)
			if got := hasCheck(o, "ML004"); got != tc.wantML4 {
				t.Errorf("ML004 reported: %v, want %v (stderr %s)", got, tc.wantML4, r.stderr)
			}
		})
	}
}

func TestNamespaceFlag(t *testing.T) {
	o := parseJSON(t, runCLI(t, "", "-o", "json", "-n", "payments", "testdata/lint/filters.yaml").stdout)
	if len(o.Findings) == 0 {
		t.Fatal("no findings on testdata/lint/filters.yaml")
	}
	for _, f := range o.Findings {
		if f.Resource.Namespace != "payments" {
			t.Errorf("finding on %s/%s: namespace without metadata.namespace should be -n payments", f.Resource.Namespace, f.Resource.Name)
		}
	}
}

// TestTextPositions checks the compiler form and that JSON and text agree
// on where each finding is.
func TestTextPositions(t *testing.T) {
	o := parseJSON(t, runCLI(t, "", "-o", "json", "testdata/lint").stdout)
	text := runCLI(t, "", "--no-color", "testdata/lint").stdout
	for _, f := range o.Findings {
		want := f.File + ":" + strconv.Itoa(f.Line) + ":" + strconv.Itoa(f.Column) + ": " + f.Severity + ": " + f.Resource.Kind + " " + f.Resource.Namespace + "/" + f.Resource.Name + ": " + f.Message + " [" + f.Check + " " + f.Name + "]\n    fix: " + f.Remediation + "\n"
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks\n%s\ngot:\n%s", want, text)
		}
		if f.Line <= 1 || f.Column < 1 {
			t.Errorf("%s on %s at %d:%d: want the offending field's position, not the top of the file", f.Check, f.Resource.Name, f.Line, f.Column)
		}
	}
	if strings.Contains(text, "\x1b[") {
		t.Error("colour in output to a buffer")
	}
}

// TestClusterUnreachable checks the --cluster wiring without a cluster: an
// API server that cannot be reached is an input error, reported in the
// chosen format with exit status 2.
func TestClusterUnreachable(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	const cfg = `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1"}
contexts:
- name: nowhere
  context: {cluster: nowhere, user: nobody}
current-context: nowhere
users:
- name: nobody
  user: {token: x}
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", "--cluster", "--kubeconfig", kubeconfig, "-o", "json")
	o := parseJSON(t, r.stdout)
	if r.code != 2 || len(o.Errors) != 1 || !strings.Contains(o.Errors[0].Message, "127.0.0.1:1") {
		t.Errorf("status %d, errors %+v; want 2 and the unreachable server", r.code, o.Errors)
	}
	r = runCLI(t, "", "--cluster", "--kubeconfig", filepath.Join(t.TempDir(), "absent"), "-o", "json")
	if o := parseJSON(t, r.stdout); r.code != 2 || len(o.Errors) != 1 {
		t.Errorf("missing kubeconfig: status %d, errors %+v; want 2 and one error", r.code, o.Errors)
	}
}

// TestEncodings lints one manifest saved the ways editors and shells save
// files (a UTF-8 byte order mark, CRLF line ends, UTF-16 with a byte order
// mark as Windows PowerShell's ">" writes it) and expects the same
// findings at the same lines and columns every time.
func TestEncodings(t *testing.T) {
	src, err := os.ReadFile("../../examples/04-retry-without-reset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	toUTF16 := func(bigEndian bool, s string) []byte {
		out := []byte{0xff, 0xfe}
		if bigEndian {
			out = []byte{0xfe, 0xff}
		}
		for _, u := range utf16.Encode([]rune(s)) {
			if bigEndian {
				out = append(out, byte(u>>8), byte(u))
			} else {
				out = append(out, byte(u), byte(u>>8))
			}
		}
		return out
	}
	crlf := strings.ReplaceAll(string(src), "\n", "\r\n")
	dir := t.TempDir()
	type pos struct {
		Check        string
		Line, Column int
	}
	var want []pos
	for _, enc := range []struct {
		name string
		data []byte
	}{
		{"utf8.yaml", src},
		{"utf8-bom.yaml", append([]byte("\xef\xbb\xbf"), src...)},
		{"crlf.yaml", []byte(crlf)},
		{"utf16le.yaml", toUTF16(false, string(src))},
		{"utf16be-crlf.yaml", toUTF16(true, crlf)},
	} {
		path := filepath.Join(dir, enc.name)
		if err := os.WriteFile(path, enc.data, 0o600); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, "", "-o", "json", path)
		if r.code != 1 {
			t.Errorf("%s: exit status %d, want 1 (findings); stderr:\n%s\n%s", enc.name, r.code, r.stderr, r.stdout)
			continue
		}
		var got []pos
		for _, f := range parseJSON(t, r.stdout).Findings {
			got = append(got, pos{f.Check, f.Line, f.Column})
		}
		if want == nil {
			want = got
			if len(want) == 0 {
				t.Fatalf("%s: no findings", enc.name)
			}
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: findings differ from the UTF-8 file's (-utf8 +%s):\n%s", enc.name, enc.name, diff)
		}
	}
}

// TestIstioVersionFlag: --istio-version tells ML026 which proxies the mesh
// runs, over the config's mesh.istioVersion; a malformed one is a usage
// error.
func TestIstioVersionFlag(t *testing.T) {
	const example = "../../examples/26-envoyfilter-pinned-to-proxy-version.yaml"
	dir := t.TempDir()
	cfg := filepath.Join(dir, "meshlint.yaml")
	if err := os.WriteFile(cfg, []byte("mesh:\n  istioVersion: 1.22.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout, or "" for no ML026
	}{
		{"unknown version", nil, 1, "after the next upgrade it matches no proxy"},
		{"pinned to the running version", []string{"--istio-version", "1.22.4"}, 0, ""},
		{"pinned to another version", []string{"--istio-version", "1.23.1"}, 1, "which the mesh's Istio 1.23.1 does not"},
		{"the config's version", []string{"-c", cfg}, 0, ""},
		{"the flag over the config", []string{"-c", cfg, "--istio-version", "1.24"}, 1, "which the mesh's Istio 1.24 does not"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", append(append([]string{"--enable", "ML026"}, tc.args...), example)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if got := strings.Contains(r.stdout, "ML026"); got != (tc.want != "") || !strings.Contains(r.stdout, tc.want) {
				t.Errorf("stdout does not match %q:\n%s", tc.want, r.stdout)
			}
		})
	}
	r := runCLI(t, "", "--istio-version", "v1.24", example)
	if r.code != 2 || !strings.Contains(r.stderr, `--istio-version: "v1.24" is not an Istio version`) {
		t.Errorf("--istio-version v1.24: exit %d, stderr %q; want 2 and the reason", r.code, r.stderr)
	}
}
