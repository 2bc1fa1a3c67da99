package webhook

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

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

var blockYAMLSeeds = []string{
	`{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"web","namespace":"shop","annotations":{"meshlint.io/ignore":"ML004","kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"x\"}\n"},"managedFields":[{"manager":"kubectl","fieldsV1":{"f:metadata":{"f:annotations":{".":{}}}}}]},"spec":{"hosts":["*","*.example.com","reviews","10.0.0.1"],"gateways":["mesh"],"http":[{"match":[{"uri":{"prefix":"/api: v1 #x"}}],"route":[{"destination":{"host":"reviews","port":{"number":9080}},"weight":100}],"timeout":"10s","retries":{"attempts":3,"perTryTimeout":"2s","retryOn":"connect-failure,refused-stream"}}],"tcp":[]}}`,
	`{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"reviews","namespace":"shop","labels":{"80":"yes","on":"true"}},"spec":{"host":"reviews","trafficPolicy":{"tls":{},"connectionPool":{"tcp":{"connectTimeout":"0.5s","maxConnections":100}},"outlierDetection":{"maxEjectionPercent":12.5,"minHealthPercent":-3}},"subsets":[{"name":"v1","labels":{"version":"v1"}},{"name":"true","labels":{}}]}}`,
	`{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"r"},"spec":{"host":"r","trafficPolicy":{"connectionPool":{"tcp":{"maxConnections":1e2}}}}}`,
	`{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"gw","namespace":"shop"},"spec":{"selector":{"istio":"ingressgateway"},"servers":[{"port":{"number":443,"name":"https","protocol":"HTTPS"},"hosts":["shop/*.example.com","./a.b"],"tls":{"mode":"PASSTHROUGH"}}]}}`,
	`{"apiVersion":"networking.istio.io/v1alpha3","kind":"EnvoyFilter","metadata":{"name":"f","namespace":"shop"},"spec":{"configPatches":[{"applyTo":"HTTP_FILTER","match":{"context":"SIDECAR_INBOUND","proxy":{"proxyVersion":"^1\\.2.*"}},"patch":{"operation":"INSERT_BEFORE","value":{"name":"lua","typed_config":{"@type":"type.googleapis.com/x","inlineCode":"function f()\n  return \"é\"\nend"}}}}]}}`,
	`{"apiVersion":"v1","kind":"Service","metadata":{"name":"db","namespace":"shop"},"spec":{"clusterIP":"None","ports":[{"name":"http","port":443,"targetPort":"8443","appProtocol":"http"}],"selector":null}}`,
	`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"istio-system"},"spec":{"mtls":{"mode":"STRICT"},"portLevelMtls":{"8080":{"mode":"DISABLE"}},"unknownField":[[1,2],[]]}}`,
	`{"apiVersion":"networking.istio.io/v1","kind":"ServiceEntry","metadata":{"name":"se","namespace":"shop"},"spec":{"hosts":["api.example.com"],"ports":[{"number":443,"name":"http","protocol":"HTTP"}],"location":"MESH_INTERNAL","resolution":"DNS","endpoints":[{"address":"1.2.3.4","ports":{"http":8443}}]}}`,
}

func TestBlockYAMLDecodesLikeJSON(t *testing.T) {
	docs := append([]string{}, blockYAMLSeeds...)
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
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkBlockYAML(t, []byte(doc)) })
	}
}

func checkBlockYAML(t *testing.T, raw []byte) {
	t.Helper()
	y, err := blockYAML(raw)
	if err != nil {
		return // the handler passes such input to the loader as it came
	}
	// The expectation: the JSON without the fields blockYAML leaves out.
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatalf("blockYAML accepted invalid JSON %q", raw)
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		delete(md, "managedFields")
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, lastApplied)
		}
	}
	trimmed, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	wr, we := load.Bytes("object", trimmed, load.Options{DefaultNamespace: "shop"})
	gr, ge := load.Bytes("object", y, load.Options{DefaultNamespace: "shop"})
	want, got := summary(t, wr, we), summary(t, gr, ge)
	if want != got {
		t.Errorf("decoded differently\nJSON: %s\nYAML:\n%s\nfrom JSON: %s\nfrom YAML: %s", raw, y, want, got)
	}
}

// FuzzBlockYAML checks that any JSON object decodes to the same resources
// through blockYAML as directly.
func FuzzBlockYAML(f *testing.F) {
	for _, s := range blockYAMLSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		checkBlockYAML(t, raw)
	})
}

func BenchmarkDecode(b *testing.B) {
	raw := []byte(benchRequests[0].doc)
	b.Run("json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			load.Bytes("object", raw, load.Options{})
		}
	})
	b.Run("blockYAML", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			y, _ := blockYAML(raw)
			load.Bytes("object", y, load.Options{})
		}
	})
}

func TestTreeLocatorMatchesLoader(t *testing.T) {
	raw := []byte(`{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"v","labels":{"app":"x"}},"spec":{"hosts":["a"],"http":[{"retries":{"attempts":0,"retryOn":"5xx"}},{"retries":{"retryOn":"connect-failure"}}]}}`)
	y, tree, err := blockYAMLTree(raw)
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := load.Bytes("x", y, load.Options{})
	byLoader := rs[0].Locator
	byTree := &treeLocator{root: tree}
	paths := []string{"", "spec", "spec.http[0].retries", "spec.http[0].retries.attempts", "spec.http[1].retries",
		"spec.http[1].retries.attempts", "spec.http[2]", "spec.hosts[0]", "metadata.labels[app]", "metadata.labels.app", "spec.nothere.deeper"}
	// Positions differ (lines of the YAML vs order of the nodes), but two
	// paths land on the same node for one exactly when they do for the other.
	for _, a := range paths {
		for _, b := range paths {
			loaderSame := byLoader.Locate(a) == byLoader.Locate(b)
			treeSame := byTree.Locate(a) == byTree.Locate(b)
			if loaderSame != treeSame {
				t.Errorf("%q vs %q: same node for the loader %v, for the tree %v", a, b, loaderSame, treeSame)
			}
		}
	}
}
