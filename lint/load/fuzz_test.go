package load

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must never panic, every
// resource it returns must be identified, and every position it reports
// must lie inside the input.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../../examples/*.yaml")
	for _, s := range seeds {
		data, _ := os.ReadFile(s)
		f.Add(data)
	}
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(`{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"x"},"spec":{"hosts":["a"],"http":[{"retries":{"attempts":"x"}}]}}`))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.istio.io/v1\n  kind: Gateway\n  metadata: {name: g}\n  spec: {servers: [{port: {number: 443}}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := yamlLines(data)
		resources, errs := Bytes("fuzz.yaml", data, Options{})
		for _, r := range resources {
			if r.Name() == "" || r.Namespace() == "" {
				t.Fatalf("resource without identity: %v", r)
			}
			for _, path := range []string{"", "spec", "spec.http[0].retries", "metadata.name"} {
				pos := r.Locate(path)
				if pos.File != "fuzz.yaml" || pos.Line < 1 || pos.Line > lines || pos.Column < 1 {
					t.Fatalf("%v: position %+v of %q outside the %d-line input", r, pos, path, lines)
				}
			}
			for _, p := range r.Problems {
				if p.Message == "" {
					t.Fatalf("%v: empty schema problem %+v", r, p)
				}
			}
		}
		for _, e := range errs {
			if e.Line < 0 || e.Line > lines || e.Message == "" {
				t.Fatalf("input error %+v outside the %d-line input", e, lines)
			}
		}
	})
}

// yamlLines counts lines the way YAML does (yaml.v3 follows YAML 1.1
// there): "\r\n", a lone "\r", "\n", and the Unicode breaks NEL (U+0085),
// LS (U+2028) and PS (U+2029) each end a line. Input with a UTF-16 byte
// order mark (what Windows PowerShell's ">" writes) is decoded first, as
// the loader does.
func yamlLines(data []byte) int {
	if len(data) >= 2 && (data[0] == 0xfe && data[1] == 0xff || data[0] == 0xff && data[1] == 0xfe) {
		units := make([]uint16, 0, len(data)/2)
		for i := 2; i+1 < len(data); i += 2 {
			if data[0] == 0xfe {
				units = append(units, uint16(data[i])<<8|uint16(data[i+1]))
			} else {
				units = append(units, uint16(data[i+1])<<8|uint16(data[i]))
			}
		}
		data = []byte(string(utf16.Decode(units)))
	}
	n := 1 + bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n"))
	for _, r := range []string{"\u0085", "\u2028", "\u2029"} {
		n += bytes.Count(data, []byte(r))
	}
	return n
}

// TestAliasBomb: a document whose aliases expand exponentially is refused
// with an input error instead of hanging the loader (or the webhook).
func TestAliasBomb(t *testing.T) {
	doc := "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: x}\nspec:\n  configPatches:\n  - patch:\n      value:\n        a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, l := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		doc += "        " + l + ": &" + l + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = l
	}
	done := make(chan struct{})
	var errs []InputError
	go func() {
		_, errs = Bytes("bomb.yaml", []byte(doc), Options{})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("loader still decoding an alias bomb after 20s")
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "aliases") || errs[0].Line != 1 {
		t.Fatalf("want one input error about aliases at line 1, got %+v", errs)
	}
}

// TestLargeFlowDocumentIsNoAliasBomb: a 1.25 MB flow-style document without
// a single alias was refused as an alias bomb, because the bound counted
// the document's nodes rather than what its aliases add. Aliases that add
// a bounded amount are fine too.
func TestLargeFlowDocumentIsNoAliasBomb(t *testing.T) {
	values := strings.Repeat("x, ", 300_000) + "x"
	for _, tc := range []struct{ name, doc string }{
		{"flow YAML", "{apiVersion: networking.istio.io/v1alpha3, kind: EnvoyFilter, metadata: {name: big}, spec: {configPatches: [{patch: {value: {a: [" + values + "]}}}]}}\n"},
		{"JSON", `{"apiVersion":"networking.istio.io/v1alpha3","kind":"EnvoyFilter","metadata":{"name":"big"},"spec":{"configPatches":[{"patch":{"value":{"a":[` + strings.Repeat(`"x",`, 300_000) + `"x"]}}}]}}`},
		{"block YAML with aliases", "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: big}\nspec:\n  configPatches:\n  - patch:\n      value:\n        a: &a [" + strings.Repeat("x, ", 999) + "x]\n" +
			"        b: [" + strings.Repeat("*a, ", 99) + "*a]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name != "block YAML with aliases" && len(tc.doc) < 900_000 {
				t.Fatalf("document of %d bytes, want about 1 MB", len(tc.doc))
			}
			rs, errs := Bytes("big.yaml", []byte(tc.doc), Options{})
			if len(errs) > 0 || len(rs) != 1 {
				t.Fatalf("got %d resources, errors %+v; want the EnvoyFilter", len(rs), errs)
			}
		})
	}
}
