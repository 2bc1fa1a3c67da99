package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/load"
)

// summary is what the checks see of a decoded input.
func summary(t testing.TB, rs []*lint.Resource, errs []load.InputError) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rs {
		obj, err := json.Marshal(r.Object)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s %s\n", r.Kind, r.APIVersion, obj)
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  problem %s: %s\n", p.Path, p.Message)
		}
	}
	fmt.Fprintf(&b, "%d errors\n", len(errs))
	return b.String()
}

var jsonSeeds = []string{
	`{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"web","namespace":"shop","annotations":{"meshlint.io/ignore":"ML004","kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"x\"}\n"},"managedFields":[{"manager":"kubectl","fieldsV1":{"f:metadata":{"f:annotations":{".":{}}}}}]},"spec":{"hosts":["*","*.example.com","reviews","10.0.0.1"],"gateways":["mesh"],"http":[{"match":[{"uri":{"prefix":"/api: v1 #x"}}],"route":[{"destination":{"host":"reviews","port":{"number":9080}},"weight":100}],"timeout":"10s","retries":{"attempts":3,"perTryTimeout":"2s","retryOn":"connect-failure,refused-stream"}}],"tcp":[]}}`,
	`{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"reviews","namespace":"shop","labels":{"80":"yes","on":"true"}},"spec":{"host":"reviews","trafficPolicy":{"tls":{},"connectionPool":{"tcp":{"connectTimeout":"0.5s","maxConnections":100}},"outlierDetection":{"maxEjectionPercent":12.5,"minHealthPercent":-3}},"subsets":[{"name":"v1","labels":{"version":"v1"}},{"name":"true","labels":{}}]}}`,
	`{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"r"},"spec":{"host":"r","trafficPolicy":{"connectionPool":{"tcp":{"maxConnections":1e2}}}}}`,
	`{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"gw","namespace":"shop"},"spec":{"selector":{"istio":"ingressgateway"},"servers":[{"port":{"number":443,"name":"https","protocol":"HTTPS"},"hosts":["shop/*.example.com","./a.b"],"tls":{"mode":"PASSTHROUGH"}}]}}`,
	`{"apiVersion":"networking.istio.io/v1alpha3","kind":"EnvoyFilter","metadata":{"name":"f","namespace":"shop"},"spec":{"configPatches":[{"applyTo":"HTTP_FILTER","match":{"context":"SIDECAR_INBOUND","proxy":{"proxyVersion":"^1\\.2.*"}},"patch":{"operation":"INSERT_BEFORE","value":{"name":"lua","typed_config":{"@type":"type.googleapis.com/x","inlineCode":"function f()\n  return \"é\"\nend"}}}}]}}`,
	`{"apiVersion":"v1","kind":"Service","metadata":{"name":"db","namespace":"shop"},"spec":{"clusterIP":"None","ports":[{"name":"http","port":443,"targetPort":"8443","appProtocol":"http"}],"selector":null}}`,
	`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"istio-system"},"spec":{"mtls":{"mode":"STRICT"},"portLevelMtls":{"8080":{"mode":"DISABLE"}},"unknownField":[[1,2],[]]}}`,
	`{"apiVersion":"networking.istio.io/v1","kind":"ServiceEntry","metadata":{"name":"se","namespace":"shop"},"spec":{"hosts":["api.example.com"],"ports":[{"number":443,"name":"http","protocol":"HTTP"}],"location":"MESH_INTERNAL","resolution":"DNS","endpoints":[{"address":"1.2.3.4","ports":{"http":8443}}]}}`,
}

// TestJSONDecodesLikeYAML: an object decodes to the same resources from
// the JSON the API server sends as from the same object written as block
// YAML (another serializer, another parser), but for what the handler
// trims.
func TestJSONDecodesLikeYAML(t *testing.T) {
	docs := append([]string{}, jsonSeeds...)
	for _, r := range benchRequests {
		docs = append(docs, r.doc)
	}
	for _, d := range kindDocs {
		j, err := yaml.YAMLToJSON([]byte(d))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(j))
	}
	for i, doc := range docs {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkJSONDecode(t, []byte(doc)) })
	}
}

func checkJSONDecode(t *testing.T, raw []byte) {
	t.Helper()
	got, gotErrs, err := decodeJSON("object", raw, load.Options{DefaultNamespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	// The expectation: the YAML form without the annotation decodeJSON
	// leaves out.
	var obj any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		if len(gotErrs) == 0 {
			t.Fatalf("invalid JSON %q decoded without an error", raw)
		}
		return
	}
	if hasExponent(obj) {
		// 1e2 is a float to YAML (and to the checks' decoder, either way
		// it comes); the YAML serializer writes it as 100. Not comparable.
		return
	}
	if m, ok := obj.(map[string]any); ok {
		if md, ok := m["metadata"].(map[string]any); ok {
			if ann, ok := md["annotations"].(map[string]any); ok {
				delete(ann, lastApplied)
			}
		}
	}
	y, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	wr, we := load.Bytes("object", y, load.Options{DefaultNamespace: "shop"})
	want, have := summary(t, wr, we), summary(t, got, gotErrs)
	if want != have {
		t.Errorf("decoded differently\nJSON: %s\nYAML:\n%s\nfrom YAML: %s\nfrom JSON: %s", raw, y, want, have)
	}
}

// hasExponent reports whether a JSON value holds a number in exponent form.
func hasExponent(v any) bool {
	switch v := v.(type) {
	case json.Number:
		return strings.ContainsAny(string(v), "eE")
	case map[string]any:
		for _, e := range v {
			if hasExponent(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasExponent(e) {
				return true
			}
		}
	}
	return false
}

// FuzzJSONDecode checks that any JSON object decodes to the same resources
// from its JSON as from its YAML form.
func FuzzJSONDecode(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) || !utf8.Valid(raw) {
			return
		}
		checkJSONDecode(t, raw)
	})
}

func BenchmarkDecode(b *testing.B) {
	raw := []byte(benchRequests[0].doc)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		decodeJSON("object", raw, load.Options{})
	}
}

func TestJSONLocatorMatchesYAML(t *testing.T) {
	raw := []byte(`{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"v","labels":{"app":"x"}},"spec":{"hosts":["a"],"http":[{"retries":{"attempts":0,"retryOn":"5xx"}},{"retries":{"retryOn":"connect-failure"}}]}}`)
	y, err := yaml.JSONToYAML(raw)
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := load.Bytes("x", y, load.Options{})
	js, _, err := decodeJSON("x", raw, load.Options{})
	if err != nil || len(rs) != 1 || len(js) != 1 {
		t.Fatalf("decoded %d and %d resources (%v)", len(rs), len(js), err)
	}
	byYAML, byJSON := rs[0].Locator, js[0].Locator
	paths := []string{"", "spec", "spec.http[0].retries", "spec.http[0].retries.attempts", "spec.http[1].retries",
		"spec.http[1].retries.attempts", "spec.http[2]", "spec.hosts[0]", "metadata.labels[app]", "metadata.labels.app", "spec.nothere.deeper"}
	// Positions differ (lines of the YAML, columns of the one-line JSON),
	// but two paths land on the same node for one exactly when they do for
	// the other.
	for _, a := range paths {
		for _, b := range paths {
			yamlSame := byYAML.Locate(a) == byYAML.Locate(b)
			jsonSame := byJSON.Locate(a) == byJSON.Locate(b)
			if yamlSame != jsonSame {
				t.Errorf("%q vs %q: same node in the YAML %v, in the JSON %v", a, b, yamlSame, jsonSame)
			}
		}
	}
	if pos := byJSON.Locate("spec.http[1].retries"); pos.Line != 1 || pos.Column != strings.Index(string(raw), `"retries":{"retryOn"`)+1 {
		t.Errorf("spec.http[1].retries at %+v, want line 1, the column of its key", pos)
	}
}
