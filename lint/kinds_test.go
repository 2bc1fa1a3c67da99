package lint_test

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/version"

	"github.com/meshlint/meshlint/lint"
)

// crd is what the test reads of a CustomResourceDefinition.
type crd struct {
	Spec struct {
		Group string `yaml:"group"`
		Names struct {
			Kind   string `yaml:"kind"`
			Plural string `yaml:"plural"`
		} `yaml:"names"`
		Scope    string `yaml:"scope"`
		Versions []struct {
			Name    string `yaml:"name"`
			Served  bool   `yaml:"served"`
			Storage bool   `yaml:"storage"`
		} `yaml:"versions"`
	} `yaml:"spec"`
}

// istioCRDs reads the CRDs shipped in the istio.io/api module this
// repository builds against, by group and kind.
func istioCRDs(t *testing.T) map[[2]string]crd {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/api").Output()
	if err != nil {
		t.Fatalf("go list -m istio.io/api: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		t.Fatal("istio.io/api is not in the module cache; run go mod download istio.io/api")
	}
	f, err := os.Open(filepath.Join(dir, "kubernetes", "customresourcedefinitions.gen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	crds := map[[2]string]crd{}
	dec := yaml.NewDecoder(f)
	for {
		var c crd
		if err := dec.Decode(&c); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("decoding Istio's CRDs: %v", err)
		}
		if c.Spec.Group != "" {
			crds[[2]string{c.Spec.Group, c.Spec.Names.Kind}] = c
		}
	}
	if len(crds) < 10 {
		t.Fatalf("read %d CRDs from istio.io/api, want Istio's dozen or more", len(crds))
	}
	return crds
}

// TestKindTableMatchesIstioCRDs: every Istio kind of the table is served in
// exactly the versions Istio's CRDs serve it in (preferred first, the order
// API discovery uses), under their plural, namespaced, and read as its
// storage version. A kind Istio starts serving in a new version (or stops
// serving) fails here; the loader, the webhook's rules and the chart's
// tests follow the table.
func TestKindTableMatchesIstioCRDs(t *testing.T) {
	crds := istioCRDs(t)
	n := 0
	for _, k := range lint.KindTable() {
		if !strings.HasSuffix(k.Group, "istio.io") || k.Versions == nil {
			continue
		}
		n++
		c, ok := crds[[2]string{k.Group, k.Name}]
		if !ok {
			t.Errorf("%s/%s: no such CRD in istio.io/api", k.Group, k.Name)
			continue
		}
		var served []string
		storage := ""
		for _, v := range c.Spec.Versions {
			if v.Served {
				served = append(served, v.Name)
			}
			if v.Storage {
				storage = v.Name
			}
		}
		slices.SortFunc(served, func(a, b string) int { return version.CompareKubeAwareVersionStrings(b, a) })
		if diff := cmp.Diff(served, k.Versions); diff != "" {
			t.Errorf("%s: served versions (-CRD +table):\n%s", k.Name, diff)
		}
		if want := k.Group + "/" + storage; k.APIVersion != want {
			t.Errorf("%s: read as %s, want the storage version %s", k.Name, k.APIVersion, want)
		}
		if k.Resource != c.Spec.Names.Plural {
			t.Errorf("%s: resource %q, want the CRD's plural %q", k.Name, k.Resource, c.Spec.Names.Plural)
		}
		if c.Spec.Scope != "Namespaced" {
			t.Errorf("%s: the CRD is %s; meshlint reads namespaced kinds only", k.Name, c.Spec.Scope)
		}
	}
	if n < 6 {
		t.Errorf("compared %d Istio kinds, want the six meshlint reads", n)
	}
}

// TestKindTable: one row per Kubernetes group and kind, every lint kind
// has a row, and the kinds read from a cluster have their types, a served
// version to be read as, and wrap into a Resource of their kind.
func TestKindTable(t *testing.T) {
	seen := map[[2]string]bool{}
	rows := map[lint.Kind]int{}
	for _, k := range lint.KindTable() {
		gk := [2]string{k.Group, k.Name}
		if seen[gk] {
			t.Errorf("%s/%s has two rows", k.Group, k.Name)
		}
		seen[gk] = true
		rows[k.Kind]++
		if got, ok := lint.LookupKind(k.Group, k.Name); !ok || got.Kind != k.Kind || got.APIVersion != k.APIVersion {
			t.Errorf("LookupKind(%q, %q) = %v, %v", k.Group, k.Name, got.Kind, ok)
		}
		if k.Resource == "" || k.Resource != strings.ToLower(k.Resource) {
			t.Errorf("%s: resource %q", k.Name, k.Resource)
		}
		if !k.Webhook && !k.Cluster {
			if k.New != nil || k.Spec != nil {
				t.Errorf("%s is read from files only but has cluster types", k.Name)
			}
			continue
		}
		if len(k.Versions) == 0 || k.APIVersion != k.GroupVersion(k.Versions[0]) {
			t.Errorf("%s: read as %s from a cluster, want its preferred version among %v", k.Name, k.APIVersion, k.Versions)
		}
		if k.New == nil || k.NewList == nil || k.Items == nil {
			t.Errorf("%s is read from a cluster without its types", k.Name)
			continue
		}
		obj := k.New()
		r := lint.NewResource(obj, "")
		if r == nil || r.Kind != k.Kind || r.APIVersion != k.APIVersion {
			t.Errorf("%s: %T wraps into %+v, want kind %s as %s", k.Name, obj, r, k.Kind, k.APIVersion)
		}
		if items := k.Items(k.NewList()); len(items) != 0 {
			t.Errorf("%s: an empty list has %d items", k.Name, len(items))
		}
		if k.Spec != nil && k.Spec(obj) == nil {
			t.Errorf("%s: no spec", k.Name)
		}
	}
	for _, k := range lint.Kinds {
		if rows[k] == 0 {
			t.Errorf("lint kind %s has no row", k)
		}
		delete(rows, k)
	}
	for k := range rows {
		t.Errorf("the table has rows of %s, which lint.Kinds does not list", k)
	}
	if _, ok := lint.LookupKind("networking.istio.io", "Sidecar"); ok {
		t.Error("LookupKind finds Sidecar, which meshlint does not read")
	}
}

// TestGroupServes: a version is served in a group when some kind of the
// table is served in it there.
func TestGroupServes(t *testing.T) {
	for _, tc := range []struct {
		group, version string
		want           bool
	}{
		{"networking.istio.io", "v1", true},
		{"networking.istio.io", "v1alpha3", true},
		{"networking.istio.io", "v2", false},
		{"security.istio.io", "v1beta1", true},
		{"security.istio.io", "v1alpha3", false},
		{"", "v1", true},
		{"", "v2", false},
		// Read in any version: nothing is known about what is served.
		{"apps", "v1", false},
	} {
		if got := lint.GroupServes(tc.group, tc.version); got != tc.want {
			t.Errorf("GroupServes(%q, %q) = %v, want %v", tc.group, tc.version, got, tc.want)
		}
	}
}
