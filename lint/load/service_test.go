package load

import (
	"strings"
	"testing"
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
