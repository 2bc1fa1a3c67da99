package render

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/meshlint/meshlint/lint/load"
)

func TestSourcePath(t *testing.T) {
	ch := &chart.Chart{Metadata: &chart.Metadata{Name: "shop"}}
	dir := filepath.Join("deploy", "shop-chart")
	for _, tc := range []struct{ name, want string }{
		{"shop/templates/vs.yaml", filepath.Join(dir, "templates", "vs.yaml")},
		{"shop/charts/db/templates/svc.yaml", filepath.Join(dir, "charts", "db", "templates", "svc.yaml")},
		{"other/templates/x.yaml", "other/templates/x.yaml"},
	} {
		if got := sourcePath(ch, dir, tc.name); got != tc.want {
			t.Errorf("sourcePath(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRenderError(t *testing.T) {
	ch := &chart.Chart{Metadata: &chart.Metadata{Name: "shop"}}
	for _, tc := range []struct {
		msg  string
		file string
		line int
	}{
		{`template: shop/templates/vs.yaml:7:20: executing "shop/templates/vs.yaml" at <.Values.x.y>: nil pointer`, filepath.Join("c", "templates", "vs.yaml"), 7},
		{`execution error at (shop/templates/other.yaml:1:3): never`, filepath.Join("c", "templates", "other.yaml"), 1},
		{`something else`, filepath.Join("c", "Chart.yaml"), 0},
	} {
		ie := renderError(ch, "c", "helm chart c/", errors.New(tc.msg))
		if ie.File != tc.file || ie.Line != tc.line {
			t.Errorf("%q: at %s:%d, want %s:%d", tc.msg, ie.File, ie.Line, tc.file, tc.line)
		}
	}
}

func TestIsRemote(t *testing.T) {
	for ref, want := range map[string]bool{
		"github.com/org/repo//istio?ref=v1": true,
		"https://example.com/vs.yaml":       true,
		"git@github.com:org/repo.git":       true,
		"../base":                           false,
		"vs.yaml":                           false,
	} {
		if got := isRemote(ref); got != want {
			t.Errorf("isRemote(%q) = %v, want %v", ref, got, want)
		}
	}
}

// TestChartNote: the note on a chart's rendering names only the values
// files that exist, and the dependencies Chart.yaml declares that charts/
// does not hold (helm template refuses those; meshlint renders the chart's
// own templates and says so).
func TestChartNote(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no values.yaml", map[string]string{
			"Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		}, "helm chart DIR/ without values"},
		{"values.yaml", map[string]string{
			"Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n", "values.yaml": "a: 1\n",
		}, "helm chart DIR/ with values DIR/values.yaml"},
		{"a dependency not vendored", map[string]string{
			"Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n- name: gateway\n  version: 1.0.0\n  repository: https://example.com/charts\n",
		}, "helm chart DIR/ without values; without its dependencies gateway, which charts/ does not hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.files["templates/svc.yaml"] = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n"
			for name, data := range tc.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := New(Options{}).Render(dir, load.HelmChart)
			if len(r.Errors) != 0 || len(r.Variants) != 1 || len(r.Variants[0]) != 1 {
				t.Fatalf("rendering: %+v", r)
			}
			if got, want := r.Variants[0][0].Note, strings.ReplaceAll(tc.want, "DIR", dir); got != want {
				t.Errorf("note %q, want %q", got, want)
			}
		})
	}
}
