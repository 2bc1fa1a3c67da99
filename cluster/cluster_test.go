package cluster

import (
	"testing"

	"github.com/meshlint/meshlint/lint"
)

// TestTypesCoverEveryKind checks that the cluster reads every kind the
// checks read (the mesh config comes from its ConfigMap), that the scheme
// knows each type, and that each wraps into a Resource of its kind.
func TestTypesCoverEveryKind(t *testing.T) {
	s := Scheme()
	seen := map[lint.Kind]bool{}
	for _, typ := range Types {
		seen[typ.Kind] = true
		obj := typ.New()
		obj.SetNamespace("ns")
		obj.SetName("n")
		gvks, _, err := s.ObjectKinds(obj)
		if err != nil {
			t.Errorf("%s: the scheme does not know %T: %v", typ.Kind, obj, err)
		}
		for _, gvk := range gvks {
			if gvk.Group != typ.Group || gvk.Kind != typ.Name {
				t.Errorf("%s: %T is %s in the scheme, the table says %s/%s", typ.Kind, obj, gvk, typ.Group, typ.Name)
			}
		}
		if _, _, err := s.ObjectKinds(typ.NewList()); err != nil {
			t.Errorf("%s: the scheme does not know its list: %v", typ.Kind, err)
		}
		r := Resource(typ, obj)
		if r == nil || r.Kind != typ.Kind || r.APIVersion != typ.APIVersion {
			t.Errorf("%s: wrapped as %+v", typ.Kind, r)
		}
		if items := typ.Items(typ.NewList()); len(items) != 0 {
			t.Errorf("%s: an empty list has %d items", typ.Kind, len(items))
		}
	}
	// Read from files only: workloads and Namespaces (what the input says
	// about sidecars; in a cluster they are too many to watch for that) and
	// Gateway API objects (their CRDs are optional).
	filesOnly := map[lint.Kind]bool{
		lint.KindMeshConfig: true, lint.KindWorkload: true, lint.KindNamespace: true,
		lint.KindGatewayAPIGateway: true, lint.KindGatewayAPIRoute: true,
	}
	for _, k := range lint.Kinds {
		if !filesOnly[k] && !seen[k] {
			t.Errorf("kind %s is not read from the cluster", k)
		}
	}
}
