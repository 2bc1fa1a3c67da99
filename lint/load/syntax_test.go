package load

import (
	"strings"
	"testing"
)

// TestSyntaxErrorLines: a YAML or JSON syntax error is reported at the line
// of the mistake, not at the line where yaml.v3's parser began the
// construct around it, and a document after a broken one is still read.
func TestSyntaxErrorLines(t *testing.T) {
	const good = "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: web, namespace: shop}\nspec: {host: web}\n"
	for _, tc := range []struct {
		name, doc string
		line      int
		message   string
	}{
		{"unclosed flow sequence", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: vs\nspec:\n  hosts:\n  - a\n  gateways:\n  - [mesh, gw\n  http: []\n", 9, "did not find expected ',' or ']'"},
		{"sequence item after a mapping", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: vs\nspec:\n  hosts: [a]\n  exportTo: b\n  - c\n", 8, "did not find expected key"},
		{"unknown anchor", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: vs\nspec:\n  hosts: [a]\n  gateways: *gws\n", 7, "unknown anchor 'gws' referenced"},
		{"tab indentation (scanner error)", "apiVersion: v1\nkind: Service\nmetadata:\n\tname: x\n", 4, "found character that cannot start any token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resources, errs := Bytes("bad.yaml", []byte(tc.doc+good), Options{})
			if len(errs) != 1 {
				t.Fatalf("errors %+v, want one", errs)
			}
			if errs[0].Line != tc.line || !strings.Contains(errs[0].Message, tc.message) {
				t.Errorf("got line %d: %s\nwant line %d: ...%s", errs[0].Line, errs[0].Message, tc.line, tc.message)
			}
			if len(resources) != 1 {
				t.Errorf("resources %v, want the DestinationRule after the broken document", resources)
			}
		})
	}
	// JSON: a missing comma is reported where the member before it ends.
	js := "{\n  \"apiVersion\": \"networking.istio.io/v1\",\n  \"kind\": \"VirtualService\"\n  \"metadata\": {\"name\": \"vs\"}\n}\n"
	_, errs := Bytes("bad.json", []byte(js), Options{})
	if len(errs) != 1 || errs[0].Line != 3 {
		t.Errorf("JSON errors %+v, want one at line 3", errs)
	}
}
