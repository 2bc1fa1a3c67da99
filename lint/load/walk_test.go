package load

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const vsDoc = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: cart
  namespace: shop
spec:
  hosts: [cart]
`

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWalkUnreadableDirectory: a directory that cannot be listed is one
// error naming it, and the walk goes on to the directories after it.
func TestWalkUnreadableDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a/x.yaml": vsDoc, "z/vs.yaml": vsDoc})
	locked := filepath.Join(dir, "a")
	defer func(f func(string) ([]fs.DirEntry, error)) { readDir = f }(readDir)
	readDir = func(name string) ([]fs.DirEntry, error) {
		if name == locked {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
		}
		return os.ReadDir(name)
	}
	res := Paths([]string{dir}, nil, Options{})
	if len(res.Errors) != 1 || res.Errors[0].File != locked || !strings.Contains(res.Errors[0].Message, "permission denied") {
		t.Errorf("errors %+v, want one permission error on %s", res.Errors, locked)
	}
	if res.Files != 1 || len(res.Resources) != 1 {
		t.Errorf("read %d files, %d resources; want z/vs.yaml read after the unreadable directory", res.Files, len(res.Resources))
	}
}

// TestSkippedDocuments: documents that are not Kubernetes objects are
// skipped without an error; broken ones that are stay errors.
func TestSkippedDocuments(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		errors     int
		skipped    int
	}{
		{"list of strings", "- a\n- b\n", 0, 1},
		{"scalar", "just text\n", 0, 1},
		{"values file", "replicas: 2\nimage: {tag: v1}\n", 0, 1},
		{"json with comments", "{\n  // c\n  \"compilerOptions\": {\"strict\": true, /* x */},\n}\n", 0, 1},
		{"broken non-object", "a: [1,\n", 0, 1},
		{"broken object", "apiVersion: v1\nkind: Service\nmetadata: {name: x\n", 1, 0},
		{"json object with comments", "{\n  // c\n  \"apiVersion\": \"v1\", \"kind\": \"Service\"\n}\n", 1, 0},
		{"kind only, broken", "kind: Service\nspec: [\n", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "f.yaml"
			if strings.HasPrefix(tc.data, "{") {
				name = "f.json"
			}
			writeFiles(t, dir, map[string]string{name: tc.data})
			res := Paths([]string{dir}, nil, Options{})
			if len(res.Errors) != tc.errors || len(res.Skipped) != tc.skipped {
				t.Errorf("errors %+v, skipped %+v; want %d errors, %d skipped", res.Errors, res.Skipped, tc.errors, tc.skipped)
			}
		})
	}
}

// TestUnrenderedTemplate: a document that a tool renders before applying
// it ({{ .X }} where a value goes, which YAML reads as a flow mapping) is
// skipped, saying where; {{ }} inside a string is a string, and a real
// flow mapping in a string's place stays ML016's to report.
func TestUnrenderedTemplate(t *testing.T) {
	const dr = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: failover, namespace: ha}\nspec:\n  host: ratings\n" +
		"  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        failover:\n        - from: %s\n          to: west\n"
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"template.yaml": fmt.Sprintf(dr, "{{ .EastMeshRegion }}"),
		"string.yaml":   "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x, namespace: ha}\nspec:\n  hosts: [\"{{ .Host }}\"]\n",
		"mapping.yaml":  strings.ReplaceAll(fmt.Sprintf(dr, "{a: b}"), "failover, ", "real, "),
	})
	res := Paths([]string{dir}, nil, Options{})
	if len(res.Errors) != 0 {
		t.Fatalf("errors %+v", res.Errors)
	}
	if len(res.Skipped) != 1 || filepath.Base(res.Skipped[0].File) != "template.yaml" || res.Skipped[0].Line != 10 ||
		res.Skipped[0].Reason != "an unrendered template: {{ .EastMeshRegion }} is not a value" {
		t.Errorf("skipped %+v, want template.yaml:10 as an unrendered template", res.Skipped)
	}
	var names []string
	for _, r := range res.Resources {
		names = append(names, r.Name())
		if r.Name() == "real" && len(r.Problems) == 0 {
			t.Errorf("the flow mapping {a: b} where a string goes has no schema problem")
		}
	}
	if slices.Sort(names); strings.Join(names, ",") != "real,x" {
		t.Errorf("read %v, want the string's and the real mapping's resources", names)
	}
}

// TestIstioOperatorWithoutName: an `istioctl install -f` overlay has no
// name; its mesh config is read all the same.
func TestIstioOperatorWithoutName(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    accessLogFile: /dev/stdout\n",
		"apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  namespace: istio-system\nspec:\n  meshConfig:\n    accessLogFile: /dev/stdout\n",
	} {
		rs, errs := Bytes("iop.yaml", []byte(doc), Options{})
		if len(errs) != 0 || len(rs) != 1 || rs[0].MeshConfig() == nil || rs[0].MeshConfig().Spec.GetAccessLogFile() != "/dev/stdout" {
			t.Errorf("%q: resources %v, errors %v; want its mesh config", doc, rs, errs)
		}
	}
}

// TestSourceComments: `# Source:` comments of helm template output name
// the file of the documents that follow, lines counted from the comment.
func TestSourceComments(t *testing.T) {
	in := "---\n# Source: chart/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n" +
		"---\n# Source: chart/templates/vs.yaml\n" + vsDoc
	res := Paths([]string{StdinName}, strings.NewReader(in), Options{})
	if len(res.Errors) != 0 || len(res.Resources) != 2 {
		t.Fatalf("resources %v, errors %v", res.Resources, res.Errors)
	}
	for _, tc := range []struct {
		r    int
		path string
		file string
		line int
	}{
		{0, "metadata.name", "chart/templates/svc.yaml", 3},
		{1, "spec.hosts", "chart/templates/vs.yaml", 7},
	} {
		if got := res.Resources[tc.r].Locate(tc.path); got.File != tc.file || got.Line != tc.line {
			t.Errorf("resource %d %s at %s:%d, want %s:%d", tc.r, tc.path, got.File, got.Line, tc.file, tc.line)
		}
	}
}

// TestSourceCommentsByPeople: a `# Source:` comment that is not helm's (a
// URL, a note) leaves the document's file alone.
func TestSourceCommentsByPeople(t *testing.T) {
	for _, c := range []string{
		"# Source: https://raw.githubusercontent.com/istio/istio/master/samples/vs.yaml",
		"# Source: copied from the Istio docs",
		"# Source: vs.yaml",
	} {
		res := Paths([]string{StdinName}, strings.NewReader(c+"\n"+vsDoc), Options{})
		if len(res.Resources) != 1 {
			t.Fatalf("%q: resources %v, errors %v", c, res.Resources, res.Errors)
		}
		if got := res.Resources[0].Locate("spec.hosts"); got.File != StdinName || got.Line != 8 {
			t.Errorf("%q: spec.hosts at %s:%d, want -:8", c, got.File, got.Line)
		}
	}
}
