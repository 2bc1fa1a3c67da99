package render

import (
	"errors"
	"path/filepath"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
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
