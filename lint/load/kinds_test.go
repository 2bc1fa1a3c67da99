package load

import (
	"fmt"
	"testing"

	"github.com/meshlint/meshlint/lint"
)

// TestKindTableVersions: the loader reads a kind of lint.KindTable in each
// version the table says it is served in, and not in a version nobody
// serves; kinds read in any version are read in an unknown one too.
func TestKindTableVersions(t *testing.T) {
	load := func(k lint.KindInfo, version string) (*lint.Resource, []InputError) {
		name, ns := "a", "shop"
		if k.Name == "ConfigMap" {
			name, ns = "istio", "istio-system" // the mesh ConfigMap; others are skipped
		}
		doc := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata: {name: %s, namespace: %s}\n", k.GroupVersion(version), k.Name, name, ns)
		if k.Name == "IstioOperator" {
			doc += "spec: {meshConfig: {enableAutoMtls: true}}\n"
		}
		rs, errs := Bytes("k.yaml", []byte(doc), Options{})
		if len(rs) > 1 {
			t.Fatalf("%s: %d resources from one document", k.Name, len(rs))
		}
		if len(rs) == 0 {
			return nil, errs
		}
		return rs[0], errs
	}
	for _, k := range lint.KindTable() {
		t.Run(k.Group+"/"+k.Name, func(t *testing.T) {
			versions := k.Versions
			if versions == nil {
				versions = []string{"v1", "v1beta1"}
			}
			for _, v := range versions {
				r, errs := load(k, v)
				if r == nil || r.Kind != k.Kind || r.APIVersion != k.GroupVersion(v) || len(errs) != 0 {
					t.Errorf("%s: read as %+v, errors %v; want a %s", k.GroupVersion(v), r, errs, k.Kind)
					continue
				}
				for _, p := range r.Problems {
					t.Errorf("%s: problem %s: %s", k.GroupVersion(v), p.Path, p.Message)
				}
			}
			r, errs := load(k, "v9")
			switch {
			case k.Versions == nil && (r == nil || r.Kind != k.Kind):
				t.Errorf("v9: read as %+v, errors %v; want a %s (any version is read)", r, errs, k.Kind)
			case k.Versions != nil && (r != nil || len(errs) != 0):
				t.Errorf("v9: read as %+v, errors %v; want nothing", r, errs)
			}
		})
	}
}
