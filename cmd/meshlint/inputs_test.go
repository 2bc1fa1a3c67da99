package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// at is a finding reduced to what these tests check: its check and where
// it points.
type at struct {
	Check, File string
	Line        int
}

func findingsAt(o jsonOutput) []at {
	var out []at
	for _, f := range o.Findings {
		out = append(out, at{f.Check, f.File, f.Line})
	}
	return out
}

// TestRepository lints a repository as users keep them: a Helm chart, a
// kustomization with a base, a patch list and a strategic patch, helm
// output saved with its # Source: comments, CI files (GitLab and GitHub
// workflows), a tsconfig.json with comments, a top-level list of strings
// and an IstioOperator overlay without a name. Its real findings come out
// at their source files, and nothing is an input error.
func TestRepository(t *testing.T) {
	t.Chdir("testdata/repo")
	r := runCLI(t, "", "-o", "json", ".")
	o := parseJSON(t, r.stdout)
	if r.code != 1 || len(o.Errors) != 0 {
		t.Fatalf("status %d, errors %+v; want 1 and no input error", r.code, o.Errors)
	}
	want := []at{
		{"ML004", "chart/templates/vs.yaml", 14},
		{"ML010", "istio-operator.yaml", 7},
		{"ML001", "kustomize/base/dr.yaml", 0},
		// Committed helm template output whose templates are not in the
		// repository: the finding points at the file that is.
		{"ML003", "web/rendered.yaml", 10},
	}
	if diff := cmp.Diff(want, findingsAt(o)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	text := runCLI(t, "", "--no-color", ".").stdout
	for _, line := range []string{
		"chart/templates/vs.yaml:14:7: warning: VirtualService default/cart: retries of route http[0] skip connection resets",
		"    from: helm chart chart/ with values chart/values.yaml\n",
		"kustomize/base/dr.yaml: error: DestinationRule pay/payments: tls mode DISABLE",
		"    from: kustomization kustomize/overlay\n",
		"istio-operator.yaml:7:5: warning: IstioOperator istio-system (no name): connectTimeout 500ms",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("text output lacks %q:\n%s", line, text)
		}
	}

	// -v lists what was skipped.
	stderr := runCLI(t, "", "-v", "-o", "json", ".").stderr
	for _, f := range []string{"tsconfig.json", "hosts.yaml", ".gitlab-ci.yml", "web/workflow.yml", "web/rendered.yaml"} {
		if !strings.Contains(stderr, "skipped") || !strings.Contains(stderr, `"file": "`+f+`"`) {
			t.Errorf("-v does not list %s as skipped:\n%s", f, stderr)
		}
	}
	// The chart's templates and the kustomization's patches are not read raw.
	for _, f := range []string{"vs.yaml\"", "tls-patch.yaml"} {
		if strings.Contains(stderr, f) {
			t.Errorf("-v names %s: it was read raw:\n%s", f, stderr)
		}
	}
}

// TestCommittedHelmOutput: in a file on disk, a `# Source:` comment names
// the documents' file only when that file exists (relative to the working
// directory or to a directory the input is in); otherwise the findings
// point at the committed file itself, which the user can open.
func TestCommittedHelmOutput(t *testing.T) {
	dir := t.TempDir()
	svc := "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: web}\nspec:\n  ports:\n  - {name: http, port: 443}\n"
	writeTree(t, dir, map[string]string{
		"deploy/rendered.yaml":              "---\n# Source: mychart/templates/svc.yaml\n" + svc + "---\n# Source: gone/templates/svc.yaml\n" + strings.ReplaceAll(svc, "name: web,", "name: other,"),
		"deploy/mychart/templates/svc.yaml": "# the template, not read raw here (excluded)\n",
	})
	r := runCLI(t, "", "-o", "json", "--exclude", "mychart", dir)
	var got []string
	for _, f := range parseJSON(t, r.stdout).Findings {
		rel, _ := filepath.Rel(dir, f.File)
		got = append(got, fmt.Sprintf("%s %s:%d", f.Resource.Name, filepath.ToSlash(rel), f.Line))
	}
	want := "web deploy/mychart/templates/svc.yaml:6 other deploy/rendered.yaml:16"
	if strings.Join(got, " ") != want {
		t.Errorf("findings at %q, want %q", got, want)
	}
}

// TestPipedHelmOutput: `helm template ./chart | meshlint -` points at the
// template files, in every format.
func TestPipedHelmOutput(t *testing.T) {
	in := readFile(t, "testdata/repo/web/rendered.yaml")
	o := parseJSON(t, runCLI(t, in, "-o", "json", "-").stdout)
	if diff := cmp.Diff([]at{{"ML003", "web/templates/service.yaml", 8}}, findingsAt(o)); diff != "" {
		t.Errorf("json findings (-want +got):\n%s", diff)
	}
	for _, tc := range []struct{ format, want string }{
		{"text", "web/templates/service.yaml:8:5: warning: Service web/web: "},
		{"github", "::warning file=web/templates/service.yaml,line=8,col=5,"},
		{"sarif", `"uri": "web/templates/service.yaml"`},
	} {
		if out := runCLI(t, in, "--no-color", "-o", tc.format, "-").stdout; !strings.Contains(out, tc.want) {
			t.Errorf("-o %s lacks %q:\n%s", tc.format, tc.want, out)
		}
	}
}

// TestChartValues: --values/-f and --set change what a chart renders, the
// chart's ci/*-values.yaml files each render it once when neither is
// given, and a template that fails to render is one error naming it.
func TestChartValues(t *testing.T) {
	dir := t.TempDir()
	chart := filepath.Join(dir, "chart")
	if err := os.CopyFS(chart, os.DirFS("testdata/repo/chart")); err != nil {
		t.Fatal(err)
	}
	fixed := filepath.Join(dir, "fixed.yaml")
	writeTree(t, dir, map[string]string{"fixed.yaml": "retryOn: reset,connect-failure\n"})

	checks := func(args ...string) ([]string, jsonOutput) {
		t.Helper()
		r := runCLI(t, "", append([]string{"-o", "json"}, args...)...)
		o := parseJSON(t, r.stdout)
		return findingIDs(o), o
	}
	if got, _ := checks(chart); !slices.Equal(got, []string{"ML004 cart"}) {
		t.Errorf("defaults: findings %v, want ML004", got)
	}
	if got, o := checks("-f", fixed, chart); len(got) != 0 || len(o.Errors) != 0 {
		t.Errorf("-f fixed.yaml: findings %v, errors %+v; want none", got, o.Errors)
	}
	if got, _ := checks("--set", "retryOn=reset", chart); len(got) != 0 {
		t.Errorf("--set retryOn=reset: findings %v, want none", got)
	}

	// ci/*-values.yaml: one rendering each, findings say which.
	writeTree(t, chart, map[string]string{
		"ci/a-values.yaml": "retryOn: reset\n",
		"ci/b-values.yaml": "retryOn: refused-stream\nhost: orders\n",
	})
	got, o := checks(chart)
	if !slices.Equal(got, []string{"ML004 orders"}) {
		t.Errorf("ci values: findings %+v, want one ML004 on orders (b-values)", o.Findings)
	}
	if text := runCLI(t, "", "--no-color", chart).stdout; !strings.Contains(text, "with values "+filepath.Join(chart, "values.yaml")+", "+filepath.Join(chart, "ci", "b-values.yaml")) {
		t.Errorf("the finding does not say its values:\n%s", text)
	}

	// A broken template: one error, naming it.
	writeTree(t, chart, map[string]string{"templates/broken.yaml": "kind: {{ .Values.x.y.z }}\n", "templates/other.yaml": "{{ fail \"never\" }}\n"})
	if err := os.RemoveAll(filepath.Join(chart, "ci")); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", "-o", "json", chart)
	o = parseJSON(t, r.stdout)
	if r.code != 2 || len(o.Errors) != 1 || !strings.HasPrefix(o.Errors[0].File, filepath.Join(chart, "templates")) {
		t.Errorf("status %d, errors %+v; want 2 and one error naming a template", r.code, o.Errors)
	}
}

// TestKustomizeRemoteBase: a remote base is an input error naming it;
// nothing is fetched.
func TestKustomizeRemoteBase(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"k/kustomization.yaml": "resources:\n- github.com/example/manifests//istio?ref=v1\n- https://example.com/vs.yaml\n- vs.yaml\n",
		"k/vs.yaml":            readFile(t, "testdata/broken/good.yaml"),
	})
	r := runCLI(t, "", "-o", "json", filepath.Join(dir, "k"))
	o := parseJSON(t, r.stdout)
	if r.code != 2 || len(o.Errors) != 2 {
		t.Fatalf("status %d, errors %+v; want 2 and two errors", r.code, o.Errors)
	}
	for i, ref := range []string{"github.com/example/manifests//istio?ref=v1", "https://example.com/vs.yaml"} {
		if !strings.Contains(o.Errors[i].Message, ref) {
			t.Errorf("error %d %q does not name %s", i, o.Errors[i].Message, ref)
		}
	}
}

// TestExclude: --exclude and the config's exclude key leave paths out;
// .meshlint.yml is found from a subdirectory of the repository.
func TestExclude(t *testing.T) {
	vs := readFile(t, "testdata/broken/good.yaml")
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"deploy/vs.yaml":        vs,
		"vendor/x/vs.yaml":      vs,
		"deploy/gen.skip.yaml":  vs,
		"deploy/legacy/vs.yaml": vs,
	})
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := func(args ...string) []string {
		t.Helper()
		o := parseJSON(t, runCLI(t, "", append([]string{"-o", "json"}, args...)...).stdout)
		var out []string
		for _, f := range o.Findings {
			out = append(out, f.File)
		}
		return out
	}
	t.Chdir(dir)
	if got, want := files(".", "--exclude", "vendor", "--exclude", "*.skip.yaml", "--exclude", "deploy/legacy/**"), []string{"deploy/vs.yaml"}; !slices.Equal(got, want) {
		t.Errorf("--exclude: linted %v, want %v", got, want)
	}
	writeTree(t, dir, map[string]string{".meshlint.yml": "exclude: [vendor, \"deploy/legacy\"]\n"})
	t.Chdir(filepath.Join(dir, "deploy"))
	if got, want := files("."), []string{"gen.skip.yaml", "vs.yaml"}; !slices.Equal(got, want) {
		t.Errorf("config exclude from deploy/: linted %v, want %v", got, want)
	}
	if r := runCLI(t, "", "--exclude", "a[b", "."); r.code != 2 || !strings.Contains(r.stderr, "unclosed [") {
		t.Errorf("bad glob: status %d, stderr %q", r.code, r.stderr)
	}
}

// TestKustomizeOverlaysAreUnits: overlays of one base are deployments of
// their own; the same Gateway built by two overlays with different
// settings is no conflict, and a Component directory is not built alone.
func TestKustomizeOverlaysAreUnits(t *testing.T) {
	dir := t.TempDir()
	gw := `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: edge}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, credentialName: shop}
`
	writeTree(t, dir, map[string]string{
		"base/kustomization.yaml":                   "resources: [gw.yaml]\n",
		"base/gw.yaml":                              gw,
		"overlays/dev/kustomization.yaml":           "namePrefix: dev-\nresources: [../../base]\ncomponents: [../../components/passthrough]\n",
		"overlays/prod/kustomization.yaml":          "namePrefix: prod-\nresources: [../../base]\n",
		"components/passthrough/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- patch: |-\n    - op: replace\n      path: /spec/servers/0/tls\n      value: {mode: PASSTHROUGH}\n    - op: replace\n      path: /spec/servers/0/port/protocol\n      value: TLS\n  target: {kind: Gateway}\n",
	})
	r := runCLI(t, "", "-o", "json", dir)
	o := parseJSON(t, r.stdout)
	if r.code != 0 || len(o.Errors) != 0 || len(o.Findings) != 0 {
		t.Errorf("status %d, errors %+v, findings %v; want 0 and nothing", r.code, o.Errors, findingIDs(o))
	}
	// The base is built through its overlays only: it is never applied on
	// its own.
	if o.Summary.Resources != 2 {
		t.Errorf("%d resources, want 2 (the dev and prod builds)", o.Summary.Resources)
	}
	// Named as a path, the base is built all the same.
	r = runCLI(t, "", "-o", "json", filepath.Join(dir, "base"))
	if o := parseJSON(t, r.stdout); r.code != 0 || o.Summary.Resources != 1 {
		t.Errorf("the base named as a path: status %d, %d resources; want 0 and 1", r.code, o.Summary.Resources)
	}
}

// TestKustomizeBaseBuiltThroughOverlays: a base that an overlay in the input
// loads is not linted on its own, with the tokens its overlay's
// replacements fill in (precision hunt: 9 false findings on API_HOST and
// IDENTITY_HOST, and a finding of the base once more per build).
func TestKustomizeBaseBuiltThroughOverlays(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"base/kustomization.yaml": "resources: [dr.yaml]\n",
		"base/dr.yaml": `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  trafficPolicy:
    outlierDetection: {consecutiveErrors: 5}
`,
		"overlays/prod/kustomization.yaml": "namePrefix: prod-\nresources: [../../base]\n",
	})
	r := runCLI(t, "", "-o", "json", dir)
	o := parseJSON(t, r.stdout)
	var names []string
	for _, f := range o.Findings {
		names = append(names, f.Check+" "+f.Resource.Name)
	}
	if strings.Join(names, ",") != "ML028 prod-web" {
		t.Errorf("findings %v, want ML028 once, on the prod build", names)
	}
}

// TestRenderingAppliedTogether: the templates of one chart rendering are
// applied at once, like one file, so two of them declaring the same mesh
// host conflict (ML019); the same two files side by side in a directory
// are alternatives (tutorial steps) and stay quiet.
func TestRenderingAppliedTogether(t *testing.T) {
	vs := func(name string) string {
		return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name + ", namespace: shop}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n"
	}
	svc := "apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: shop}\nspec:\n  selector: {app: reviews}\n  ports: [{name: http, port: 80}]\n"
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"chart/Chart.yaml":             "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
		"chart/templates/reviews.yaml": vs("reviews"),
		"chart/templates/canary.yaml":  vs("reviews-canary"),
		"chart/templates/svc.yaml":     svc,
		"steps/reviews.yaml":           vs("reviews"),
		"steps/canary.yaml":            vs("reviews-canary"),
		"steps/svc.yaml":               svc,
	})
	count := func(path string) int {
		r := runCLI(t, "", "-o", "json", "--enable", "ML019", path)
		return len(parseJSON(t, r.stdout).Findings)
	}
	if n := count(filepath.Join(dir, "chart")); n != 2 {
		t.Errorf("chart: %d ML019 findings, want 2 (one on each VirtualService)", n)
	}
	if n := count(filepath.Join(dir, "steps")); n != 0 {
		t.Errorf("plain files: %d ML019 findings, want none (separate files may be alternatives)", n)
	}
}

// TestOverlaysReportABaseLineOnce: two overlays of one base build each of
// its resources once; a mistake on a line of the base is reported once per
// resource of the base, not once per overlay. A patched copy is another
// resource and keeps its finding.
func TestOverlaysReportABaseLineOnce(t *testing.T) {
	dr := func(name string) string {
		return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: " + name + ", namespace: shop}\nspec:\n  host: " + name + "\n  trafficPolicy:\n    outlierDetection: {consecutiveErrors: 5}\n"
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"base/kustomization.yaml":            "resources: [dr.yaml]\n",
		"base/dr.yaml":                       dr("web") + "---\n" + dr("api"),
		"overlays/dev/kustomization.yaml":    "namePrefix: dev-\nresources: [../../base]\n",
		"overlays/prod/kustomization.yaml":   "namePrefix: prod-\nnamespace: shop-prod\nresources: [../../base]\n",
		"overlays/canary/kustomization.yaml": "namePrefix: canary-\nresources: [../../base]\npatches:\n- target: {kind: DestinationRule, name: web}\n  patch: |-\n    - op: replace\n      path: /spec/host\n      value: web-canary\n",
	})
	r := runCLI(t, "", "-o", "json", "--enable", "ML028", dir)
	var got []string
	for _, f := range parseJSON(t, r.stdout).Findings {
		got = append(got, f.Resource.Name)
	}
	// The three builds of api are alike, one is kept; canary-web's host is
	// patched, so it is its own; dev-web and prod-web are alike.
	api, web := 0, 0
	for _, n := range got {
		switch {
		case strings.HasSuffix(n, "-api"):
			api++
		case strings.HasSuffix(n, "-web") && n != "canary-web":
			web++
		}
	}
	if len(got) != 3 || api != 1 || web != 1 || !slices.Contains(got, "canary-web") {
		t.Errorf("ML028 on %v, want one api, one of dev-web/prod-web and canary-web", got)
	}
}
