package lint_test

import (
	"reflect"
	"testing"

	"github.com/meshlint/meshlint/lint"
)

// nonZero returns a value of type t other than its zero value.
func nonZero(t *testing.T, typ reflect.Type) reflect.Value {
	t.Helper()
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Pointer:
		v.Set(reflect.New(typ.Elem()))
	case reflect.Slice:
		v.Set(reflect.Append(v, nonZero(t, typ.Elem())))
	case reflect.Map:
		v.Set(reflect.MakeMap(typ))
		v.SetMapIndex(nonZero(t, typ.Key()), nonZero(t, typ.Elem()))
	default:
		t.Fatalf("nonZero: no value for %v; teach the test about it", typ)
	}
	return v
}

// TestMeshEqual: Mesh.Equal compares every field, so that a field added to
// Mesh without a comparison (the webhook would keep an index built with the
// old settings) fails here.
func TestMeshEqual(t *testing.T) {
	base := lint.DefaultMesh()
	same := lint.DefaultMesh()
	if !base.Equal(&same) {
		t.Fatalf("DefaultMesh() is not Equal to itself")
	}
	typ := reflect.TypeFor[lint.Mesh]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		t.Run(f.Name, func(t *testing.T) {
			var a, b lint.Mesh
			reflect.ValueOf(&b).Elem().Field(i).Set(nonZero(t, f.Type))
			if a.Equal(&b) || b.Equal(&a) {
				t.Errorf("meshes that differ in %s are Equal", f.Name)
			}
			if !b.Equal(&b) {
				t.Errorf("a mesh with %s set is not Equal to itself", f.Name)
			}
		})
	}
	t.Run("ConfigMap istio is the default", func(t *testing.T) {
		a, b := lint.DefaultMesh(), lint.DefaultMesh()
		b.ConfigMap = "istio"
		if !a.Equal(&b) {
			t.Errorf("ConfigMap \"\" and \"istio\" differ")
		}
	})
	t.Run("EnableAutoMtls false is not unknown", func(t *testing.T) {
		a, b := lint.DefaultMesh(), lint.DefaultMesh()
		off := false
		b.EnableAutoMtls = &off
		if a.Equal(&b) {
			t.Errorf("EnableAutoMtls false and nil are Equal")
		}
	})
}

// TestIndexNormalizesDomainSuffix: an index fills in the default domain
// suffix and drops a leading dot, for its View's Mesh and for its tables.
func TestIndexNormalizesDomainSuffix(t *testing.T) {
	for _, tc := range []struct{ suffix, want string }{
		{"", "cluster.local"},
		{".example.internal", "example.internal"},
		{"example.internal", "example.internal"},
	} {
		t.Run(tc.suffix, func(t *testing.T) {
			ix := lint.NewIndex(lint.Mesh{DomainSuffix: tc.suffix}, false, []*lint.Table{drByHost})
			ix.Add(dr("a", "short", "reviews"))
			if got := ix.Mesh().DomainSuffix; got != tc.want {
				t.Errorf("Mesh().DomainSuffix = %q, want %q", got, tc.want)
			}
			if got := names(lint.LookupHost(ix, drByHost, "reviews.a.svc."+tc.want)); len(got) != 1 {
				t.Errorf("the table did not file reviews under reviews.a.svc.%s: %v", tc.want, got)
			}
		})
	}
}
