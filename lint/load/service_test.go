package load

import (
	"strings"
	"testing"

	"github.com/meshlint/meshlint/lint"
)

// TestServiceDecodeErrors: a Service field of the wrong type is an input
// error at that field's line, naming the field with its index, the type
// wanted and the value found; the other documents are still loaded.
func TestServiceDecodeErrors(t *testing.T) {
	const head = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n"
	for _, tc := range []struct {
		name, spec string
		line       int
		message    string
	}{
		{"port as a string", "  ports:\n  - port: 80\n    name: http\n  - port: https\n    name: https\n", 10,
			`decoding Service shop/web: spec.ports[1].port: want int32, got string "https"`},
		{"type as a number", "  type: 5\n", 7,
			`decoding Service shop/web: spec.type: want v1.ServiceType, got number "5"`},
		{"ports as a mapping", "  ports:\n    http: 80\n", 8,
			`decoding Service shop/web: spec.ports: want []v1.ServicePort, got object`},
		{"selector value as a list", "  selector:\n    app: [web]\n", 8,
			`decoding Service shop/web: spec.selector.app: want string, got array`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := head + tc.spec + "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: web, namespace: shop}\nspec: {host: web}\n"
			resources, errs := Bytes("svc.yaml", []byte(doc), Options{})
			if len(errs) != 1 {
				t.Fatalf("errors %+v, want one", errs)
			}
			if errs[0].Line != tc.line || errs[0].Message != tc.message {
				t.Errorf("got %d: %s\nwant %d: %s", errs[0].Line, errs[0].Message, tc.line, tc.message)
			}
			if len(resources) != 1 || !strings.Contains(resources[0].String(), "DestinationRule") {
				t.Errorf("resources %v, want the DestinationRule after the broken Service", resources)
			}
		})
	}
}

// TestMalformedNamespace: a namespace that is not a name is an input error
// at its line, like a malformed name; it is not taken as "default".
func TestMalformedNamespace(t *testing.T) {
	doc := "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: web\n  namespace: [shop]\nspec: {host: web}\n"
	resources, errs := Bytes("ns.yaml", []byte(doc), Options{})
	if len(resources) != 0 || len(errs) != 1 || errs[0].Line != 5 || !strings.Contains(errs[0].Message, "metadata.namespace is a list") {
		t.Fatalf("resources %v, errors %+v; want one error at line 5 about the namespace", resources, errs)
	}
	for _, ns := range []string{`""`, "~", "null"} {
		doc := strings.Replace(doc, "[shop]", ns, 1)
		resources, errs := Bytes("ns.yaml", []byte(doc), Options{})
		if len(errs) != 0 || len(resources) != 1 || resources[0].Namespace() != "default" {
			t.Errorf("namespace: %s gave %v, %+v; want the resource in default", ns, resources, errs)
		}
	}
}

// TestMeshConfigMapName: the mesh ConfigMap is "istio" unless the config
// names another (istio-<revision>); other ConfigMaps are skipped.
func TestMeshConfigMapName(t *testing.T) {
	doc := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio-1-24\n  namespace: istio-system\ndata:\n  mesh: |\n    enableAutoMtls: false\n"
	meshes := func(opts Options) int {
		rs, errs := Bytes("cm.yaml", []byte(doc), opts)
		if len(errs) != 0 {
			t.Fatalf("errors %+v", errs)
		}
		n := 0
		for _, r := range rs {
			if r.Kind == lint.KindMeshConfig {
				n++
			}
		}
		return n
	}
	if n := meshes(Options{}); n != 0 {
		t.Errorf("istio-1-24 read as the mesh config by default (%d)", n)
	}
	m := lint.DefaultMesh()
	m.ConfigMap = "istio-1-24"
	if n := meshes(Options{Mesh: m}); n != 1 {
		t.Errorf("istio-1-24 not read as the mesh config with mesh.configMap: istio-1-24 (%d)", n)
	}
}

// TestMeshConfigMapErrorsNameTheConfigMap: an error in the data.mesh of a
// ConfigMap named by mesh.configMap names that ConfigMap, not "istio".
func TestMeshConfigMapErrorsNameTheConfigMap(t *testing.T) {
	const head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio-1-24\n  namespace: istio-system\ndata:\n  mesh: |\n"
	m := lint.DefaultMesh()
	m.ConfigMap = "istio-1-24"
	for _, tc := range []struct {
		name, mesh, want string
	}{
		{"invalid YAML", "    enableAutoMtls: [\n", "invalid YAML in data.mesh of ConfigMap istio-system/istio-1-24: "},
		{"alias bomb", "    a: &a [x, x, x, x, x, x, x, x, x, x]\n    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
			"    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n    f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
			"data.mesh of ConfigMap istio-system/istio-1-24 expands YAML aliases"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := Bytes("cm.yaml", []byte(head+tc.mesh), Options{Mesh: m})
			if len(errs) != 1 || !strings.HasPrefix(errs[0].Message, tc.want) {
				t.Errorf("errors %+v, want one starting %q", errs, tc.want)
			}
		})
	}
}

// TestInputErrorString: an input error reads file:line:column: message,
// leaving out the parts it does not know.
func TestInputErrorString(t *testing.T) {
	for _, tc := range []struct {
		err  InputError
		want string
	}{
		{InputError{File: "a.yaml", Line: 3, Column: 5, Message: "bad"}, "a.yaml:3:5: bad"},
		{InputError{File: "a.yaml", Line: 3, Message: "bad"}, "a.yaml:3: bad"},
		{InputError{File: "a.yaml", Message: "bad"}, "a.yaml: bad"},
		{InputError{Message: "reading the cluster: refused"}, "reading the cluster: refused"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.err, got, tc.want)
		}
	}
}
