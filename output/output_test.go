package output

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/load"
)

// fixedLocator puts every field at one position.
type fixedLocator lint.Position

func (l fixedLocator) Locate(string) lint.Position { return lint.Position(l) }

var testCheck = &lint.Check{
	ID:          "ML002",
	Name:        "http-routes-on-passthrough-gateway",
	Severity:    lint.SeverityError,
	Kinds:       []lint.Kind{lint.KindVirtualService},
	Summary:     "Summary.",
	Doc:         "Doc.",
	Remediation: "Route with tls routes.",
}

func virtualService(ns, name string, loc lint.Locator) *lint.Resource {
	r := lint.NewResource(&networkingv1.VirtualService{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}, "")
	r.Locator = loc
	return r
}

func testReport(loc lint.Locator) *Report {
	return &Report{
		Findings: []lint.Finding{
			{Check: testCheck, Severity: lint.SeverityError, Resource: virtualService("shop", "web", loc), Path: "spec.http", Message: "http routes never apply"},
			{Check: testCheck, Severity: lint.SeverityInfo, Resource: virtualService("shop", "api", loc), Path: "spec.http", Message: "50% of\nrequests: a, b"},
		},
		Errors:    []load.InputError{{File: "bad,file:1.yaml", Line: 3, Message: "invalid YAML"}},
		Files:     2,
		Resources: 2,
	}
}

func write(t *testing.T, format string, opts Options, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	w, err := New(&b, format, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name string
		loc  lint.Locator
		opts Options
		want string
	}{
		{
			name: "from a file",
			loc:  fixedLocator{File: "gw.yaml", Line: 14, Column: 7},
			want: `gw.yaml:14:7: error: VirtualService shop/web: http routes never apply [ML002 http-routes-on-passthrough-gateway]
    fix: Route with tls routes.
gw.yaml:14:7: info: VirtualService shop/api: 50% of
requests: a, b [ML002 http-routes-on-passthrough-gateway]
    fix: Route with tls routes.
bad,file:1.yaml:3: error: invalid YAML
1 error, 0 warnings, 1 info in 2 resources from 2 files; 1 input error
`,
		},
		{
			name: "from a cluster",
			want: `shop/web (VirtualService): error: http routes never apply [ML002 http-routes-on-passthrough-gateway]
    fix: Route with tls routes.
shop/api (VirtualService): info: 50% of
requests: a, b [ML002 http-routes-on-passthrough-gateway]
    fix: Route with tls routes.
bad,file:1.yaml:3: error: invalid YAML
1 error, 0 warnings, 1 info in 2 resources from 2 files; 1 input error
`,
		},
		{
			name: "colour",
			loc:  fixedLocator{File: "gw.yaml", Line: 14, Column: 7},
			opts: Options{Color: true},
			want: "\x1b[1mgw.yaml:14:7\x1b[0m: \x1b[1;31merror\x1b[0m: VirtualService shop/web: http routes never apply \x1b[2m[ML002 http-routes-on-passthrough-gateway]\x1b[0m\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := write(t, "text", tc.opts, testReport(tc.loc))
			if tc.opts.Color {
				got = strings.SplitAfter(got, "\n")[0]
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		r    Report
		want string
	}{
		{Report{}, "0 errors, 0 warnings, 0 infos in 0 resources from 0 files"},
		{Report{Resources: 1, Files: 1}, "0 errors, 0 warnings, 0 infos in 1 resource from 1 file"},
		{Report{Resources: 42, Cluster: true}, "0 errors, 0 warnings, 0 infos in 42 resources from the cluster"},
	} {
		if got := tc.r.Summary(); got != tc.want {
			t.Errorf("Summary() = %q, want %q", got, tc.want)
		}
	}
}

func TestGitHub(t *testing.T) {
	got := write(t, "github", Options{}, testReport(fixedLocator{File: "dir,x/gw:1.yaml", Line: 14, Column: 7}))
	want := `::error file=dir%2Cx/gw%3A1.yaml,line=14,col=7,title=ML002 http-routes-on-passthrough-gateway::http routes never apply%0Afix: Route with tls routes.
::notice file=dir%2Cx/gw%3A1.yaml,line=14,col=7,title=ML002 http-routes-on-passthrough-gateway::50%25 of%0Arequests: a, b%0Afix: Route with tls routes.
::error file=bad%2Cfile%3A1.yaml,line=3,title=meshlint::invalid YAML
1 error, 0 warnings, 1 info in 2 resources from 2 files; 1 input error
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	t.Run("without a file", func(t *testing.T) {
		got := write(t, "github", Options{}, testReport(nil))
		if line := strings.SplitAfter(got, "\n")[0]; line != "::error title=ML002 http-routes-on-passthrough-gateway::shop/web (VirtualService): http routes never apply%0Afix: Route with tls routes.\n" {
			t.Errorf("first line = %q", line)
		}
	})
}

func TestJSONWithoutFile(t *testing.T) {
	got := write(t, "json", Options{}, testReport(nil))
	var doc struct {
		Findings []map[string]any
	}
	if err := json.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.Findings {
		for _, key := range []string{"file", "line", "column"} {
			if _, ok := f[key]; ok {
				t.Errorf("finding without a file has %q: %v", key, f)
			}
		}
	}
	empty := write(t, "json", Options{}, &Report{})
	if !strings.Contains(empty, `"findings": []`) || !strings.Contains(empty, `"errors": []`) {
		t.Errorf("empty report must carry empty arrays:\n%s", empty)
	}
}

func TestSARIFWithoutFile(t *testing.T) {
	got := write(t, "sarif", Options{Checks: []*lint.Check{testCheck}}, testReport(nil))
	var doc struct {
		Runs []struct {
			Results []struct {
				Level     string
				Locations []struct {
					PhysicalLocation *struct{}
					LogicalLocations []struct{ FullyQualifiedName string }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatal(err)
	}
	res := doc.Runs[0].Results
	if len(res) != 2 || res[0].Level != "error" || res[1].Level != "note" {
		t.Fatalf("results = %+v", res)
	}
	loc := res[0].Locations[0]
	if loc.PhysicalLocation != nil || loc.LogicalLocations[0].FullyQualifiedName != "VirtualService/shop/web" {
		t.Errorf("location = %+v, want only the logical location", loc)
	}
}

func TestNewUnknownFormat(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, "xml", Options{}); err == nil {
		t.Error("New accepted format xml")
	}
}

func TestSARIFURI(t *testing.T) {
	for in, want := range map[string]string{
		"manifests/gw.yaml": "manifests/gw.yaml",
		"/abs/gw.yaml":      "file:///abs/gw.yaml",
		"-":                 "-",
		// URI references, not paths: what would end or bend the path is escaped.
		"my app/gw.yaml":     "my%20app/gw.yaml",
		"sp ace#1%.yaml":     "sp%20ace%231%25.yaml",
		"/abs/my app#1.yaml": "file:///abs/my%20app%231.yaml",
		"c:olon.yaml":        "./c:olon.yaml",
		"ünï/gw.yaml":        "%C3%BCn%C3%AF/gw.yaml",
	} {
		got := sarifURI(in)
		if got != want {
			t.Errorf("sarifURI(%q) = %q, want %q", in, got, want)
		}
		if u, err := url.Parse(got); in != "-" && (err != nil || strings.TrimPrefix(u.Path, "./") != strings.TrimPrefix(in, "./") && u.Path != in) {
			t.Errorf("sarifURI(%q) = %q does not parse back to the path: %v %v", in, got, u, err)
		}
	}
}

// TestMeshConfigFindingNamesTheConfigMap: a finding on the mesh config names
// the object the user wrote (the istio ConfigMap, an IstioOperator), not
// meshlint's internal MeshConfig kind.
func TestMeshConfigFindingNamesTheConfigMap(t *testing.T) {
	mc := &lint.MeshConfig{SourceKind: "ConfigMap"}
	mc.Namespace, mc.Name = "istio-system", "istio"
	r := lint.NewResource(mc, "")
	rep := &Report{Findings: []lint.Finding{{Check: testCheck, Severity: lint.SeverityWarning, Resource: r, Path: "data.mesh.connectTimeout", Message: "connect timeout 100ms"}}}
	var doc struct {
		Findings []struct {
			Resource struct{ APIVersion, Kind, Namespace, Name string }
		}
	}
	if err := json.Unmarshal([]byte(write(t, "json", Options{}, rep)), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Findings[0].Resource; got.Kind != "ConfigMap" || got.APIVersion != "v1" || got.Name != "istio" {
		t.Errorf("resource = %+v, want v1 ConfigMap istio-system/istio", got)
	}
	if text := write(t, "text", Options{}, rep); !strings.Contains(text, "(ConfigMap)") {
		t.Errorf("text output does not name the ConfigMap:\n%s", text)
	}
}

// TestInputErrorColumn: an input error that knows its column shows it in
// every format, where a finding would show its own.
func TestInputErrorColumn(t *testing.T) {
	r := &Report{Errors: []load.InputError{{File: "cm.yaml", Line: 3, Column: 5, Message: "invalid YAML"}}, Files: 1}
	for _, tc := range []struct {
		format, want string // want is a regular expression
	}{
		{"text", `(?m)^cm\.yaml:3:5: error: invalid YAML$`},
		{"json", `"line": 3,\s*"column": 5,`},
		{"github", `(?m)^::error file=cm\.yaml,line=3,col=5,title=meshlint::invalid YAML$`},
		{"sarif", `"startColumn": 5,\s*"startLine": 3`},
	} {
		t.Run(tc.format, func(t *testing.T) {
			if got := write(t, tc.format, Options{}, r); !regexp.MustCompile(tc.want).MatchString(got) {
				t.Errorf("output does not match %s:\n%.2000s", tc.want, got)
			}
		})
	}
}
