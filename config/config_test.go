package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshlint/meshlint/config"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// contractExample is the config file of CONTRACT.md, verbatim.
const contractExample = `mesh:                      # what the linter cannot see in files
  mtls: STRICT             # STRICT | PERMISSIVE | DISABLE; otherwise taken from PeerAuthentications
  enableAutoMtls: true
  rootNamespace: istio-system
  domainSuffix: cluster.local
  connectTimeout: 10s
tlsPorts: [443, 8443]
checks:
  ML004: {severity: info}
  retry-without-reset: {flagDefaultPolicy: true}
  connect-timeout-too-low: {min: 2s}
  ML011: off
ignore:
  - checks: [ML008]
    namespaces: ["legacy-*"]
    names: ["*"]
failOn: warning
`

func TestParseContractExample(t *testing.T) {
	c, err := config.Parse(".meshlint.yaml", []byte(contractExample), checks.Registry())
	if err != nil {
		t.Fatal(err)
	}
	on := true
	wantMesh := lint.Mesh{MTLS: "STRICT", EnableAutoMtls: &on, RootNamespace: "istio-system",
		DomainSuffix: "cluster.local", ConnectTimeout: 10 * time.Second, TLSPorts: []uint32{443, 8443}}
	if diff := cmp.Diff(wantMesh, c.Mesh); diff != "" {
		t.Errorf("mesh (-want +got):\n%s", diff)
	}
	if c.FailOn != lint.SeverityWarning {
		t.Errorf("failOn = %v", c.FailOn)
	}
	s := c.Settings()
	if s.Severity["ML004"] != lint.SeverityInfo {
		t.Errorf("ML004 severity = %v, want info", s.Severity["ML004"])
	}
	if s.Options["ML004"]["flagDefaultPolicy"] != "true" {
		t.Errorf("retry-without-reset options = %v (names must resolve to IDs)", s.Options["ML004"])
	}
	if s.Options["ML010"]["min"] != "2s" {
		t.Errorf("connect-timeout-too-low options = %v", s.Options["ML010"])
	}
	if !s.Disabled["ML011"] || len(s.Disabled) != 1 {
		t.Errorf("disabled = %v, want only ML011", s.Disabled)
	}
	wantIgnore := []lint.IgnoreRule{{Checks: []string{"ML008"}, Namespaces: []string{"legacy-*"}, Names: []string{"*"}}}
	if diff := cmp.Diff(wantIgnore, s.Ignore); diff != "" {
		t.Errorf("ignore (-want +got):\n%s", diff)
	}
}

// TestParseMeshConfigMap: mesh.configMap names the mesh ConfigMap of a
// revisioned install; unset, it is "istio".
func TestParseMeshConfigMap(t *testing.T) {
	c, err := config.Parse("x.yaml", []byte("mesh:\n  configMap: istio-1-24\n"), checks.Registry())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Mesh.MeshConfigMap(); got != "istio-1-24" {
		t.Errorf("MeshConfigMap() = %q, want istio-1-24", got)
	}
	if got := config.Default().Mesh.MeshConfigMap(); got != "istio" {
		t.Errorf("default MeshConfigMap() = %q, want istio", got)
	}
}

func TestParseDefaults(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "{}\n"} {
		c, err := config.Parse("c.yaml", []byte(in), checks.Registry())
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if diff := cmp.Diff(lint.DefaultMesh(), c.Mesh); diff != "" {
			t.Errorf("%q: mesh (-want +got):\n%s", in, diff)
		}
	}
}

// TestParseErrors: every mistake names the key and its line, never passes
// silently.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     int
		want     string
	}{
		{"unknown top-level key", "mesh: {}\nfailon: error\n", 2, `unknown key "failon"`},
		{"unknown mesh key", "mesh:\n  mtls: STRICT\n  autoMtls: true\n", 3, `unknown key "autoMtls" in mesh`},
		{"bad mtls", "mesh:\n  mtls: STRICTEST\n", 2, `"STRICTEST" is not an mTLS mode`},
		{"bad bool", "mesh:\n  enableAutoMtls: maybe\n", 2, `not a boolean`},
		{"bad duration", "mesh:\n  connectTimeout: ten\n", 2, `not a duration`},
		{"bad configMap", "mesh:\n  configMap: Istio_1\n", 2, `mesh.configMap: "Istio_1" is not a ConfigMap name`},
		{"bad istioVersion", "mesh:\n  istioVersion: v1.24\n", 2, `mesh.istioVersion: "v1.24" is not an Istio version`},
		{"istioVersion not a string", "mesh:\n  istioVersion: [1.24]\n", 2, `mesh.istioVersion`},
		{"bad port", "tlsPorts: [443, 70000]\n", 1, `"70000" is not a port number`},
		{"unknown check", "checks:\n  ML999: off\n", 2, `unknown check "ML999"`},
		{"internal-error is not configurable", "checks:\n  ML000: off\n", 2, `unknown check "ML000"`},
		{"internal-error in an ignore rule", "ignore:\n  - checks: [internal-error]\n", 2, `unknown check "internal-error"`},
		{"unknown check option", "checks:\n  retry-without-reset: {flagDefault: true}\n", 2, `unknown key "flagDefault" in checks.retry-without-reset`},
		{"bad option type", "checks:\n  connect-timeout-too-low:\n    min: soon\n", 3, `not a duration`},
		{"bad severity", "checks:\n  ML004: {severity: loud}\n", 2, `"loud" is not a severity`},
		{"bad failOn", "failOn: sometimes\n", 1, `not a severity`},
		{"unknown ignore key", "ignore:\n  - checks: [ML008]\n    kinds: [Gateway]\n", 3, `unknown key "kinds" in ignore[0]`},
		{"bad glob", "ignore:\n  - names: [\"[\"]\n", 2, `not a valid glob`},
		{"ignore not a list", "ignore: {checks: [ML001]}\n", 1, `ignore must be a list`},
		{"invalid YAML", "mesh:\n  mtls: [\n", 2, `invalid YAML`},
		{"duplicate top-level key", "failOn: info\nmesh: {}\nfailOn: error\n", 3, `the config: "failOn" is given twice (first on line 1)`},
		{"duplicate check", "checks:\n  ML004: off\n  ML004: on\n", 3, `checks: "ML004" is given twice (first on line 2)`},
		{"duplicate mesh key", "mesh:\n  mtls: STRICT\n  mtls: DISABLE\n", 3, `"mtls" is given twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("x.yaml", []byte(tc.in), checks.Registry())
			if err == nil {
				t.Fatalf("no error for:\n%s", tc.in)
			}
			ce, ok := err.(load.InputError)
			if !ok {
				t.Fatalf("error %v is a %T, want load.InputError", err, err)
			}
			if ce.Line != tc.line || ce.File != "x.yaml" || !strings.Contains(ce.Message, tc.want) {
				t.Errorf("got %q (line %d), want line %d containing %q", err, ce.Line, tc.line, tc.want)
			}
		})
	}
}

// TestIstioVersion: mesh.istioVersion carries the mesh's Istio version to
// the checks that depend on it (ML023's auto-allocation default, ML026).
func TestIstioVersion(t *testing.T) {
	for _, v := range []string{"1.24", "1.24.2", "1.25.0-distroless", "1.26.1+build.3"} {
		c, err := config.Parse("x.yaml", []byte("mesh:\n  istioVersion: "+v+"\n"), checks.Registry())
		if err != nil {
			t.Fatalf("istioVersion %s: %v", v, err)
		}
		if c.Mesh.IstioVersion != v {
			t.Errorf("istioVersion %s: Mesh.IstioVersion = %q", v, c.Mesh.IstioVersion)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := config.Load("does-not-exist.yaml", checks.Registry())
	if err == nil || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Fatalf("got %v, want an error naming the file", err)
	}
}
