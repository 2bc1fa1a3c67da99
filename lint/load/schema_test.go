package load

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshlint/meshlint/lint"
)

// problem is a SchemaProblem with the position its path locates to.
type problem struct {
	Path    string
	Line    int
	Column  int
	Message string
}

// loadOne decodes one manifest that must yield exactly one resource.
func loadOne(t *testing.T, name, text string) *lint.Resource {
	t.Helper()
	rs, errs := Bytes(name, []byte(text), Options{})
	if len(errs) > 0 {
		t.Fatalf("input errors: %v", errs)
	}
	if len(rs) != 1 {
		t.Fatalf("got %d resources, want 1", len(rs))
	}
	return rs[0]
}

func problems(r *lint.Resource) []problem {
	var out []problem
	for _, p := range r.Problems {
		pos := r.Locate(p.Path)
		out = append(out, problem{p.Path, pos.Line, pos.Column, p.Message})
	}
	return out
}

// TestSchemaProblems covers what the invalid-spec check relies on: every
// field that does not fit the Istio schema becomes one problem at its own
// path, which locates to the field's key (or list element) in YAML and JSON.
func TestSchemaProblems(t *testing.T) {
	tests := []struct {
		name string
		file string
		text string
		want []problem
	}{
		{
			name: "unknown field with a case-insensitive suggestion",
			file: "vs.yaml",
			text: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - retries:
      attempts: 3
      retryon: reset
`,
			want: []problem{{"spec.http[0].retries.retryon", 10, 7, `unknown field "retryon" in spec.http[0].retries (did you mean "retryOn"?)`}},
		},
		{
			name: "unknown field with a typo suggestion and one without",
			file: "vs.yaml",
			text: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - timout: 5s
    frobnicate: true
`,
			want: []problem{
				{"spec.http[0].timout", 8, 5, `unknown field "timout" in spec.http[0] (did you mean "timeout"?)`},
				{"spec.http[0].frobnicate", 9, 5, `unknown field "frobnicate" in spec.http[0]`},
			},
		},
		{
			name: "misspelt top-level key",
			file: "se.yaml",
			text: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin
specs:
  hosts: [httpbin.org]
`,
			want: []problem{{"specs", 5, 1, `unknown field "specs" at the top level (did you mean "spec"?)`}},
		},
		{
			name: "string for a 32-bit integer, list for an object, scalar for a list",
			file: "gw.yaml",
			text: `apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata:
  name: public
spec:
  servers:
  - port:
      number: "443"
      protocol: HTTPS
    hosts: example.com
    tls:
    - mode: SIMPLE
`,
			want: []problem{
				{"spec.servers[0].port.number", 8, 7, `spec.servers[0].port.number must be a non-negative integer, got string "443"`},
				{"spec.servers[0].hosts", 10, 5, `spec.servers[0].hosts must be a list, got string "example.com"`},
				{"spec.servers[0].tls", 11, 5, `spec.servers[0].tls must be an object, got a list`},
			},
		},
		{
			name: "unknown enum values",
			file: "dr.yaml",
			text: `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: api
spec:
  host: api.example.com
  trafficPolicy:
    tls:
      mode: simple
    loadBalancer:
      simple: FASTEST
`,
			want: []problem{
				{"spec.trafficPolicy.tls.mode", 9, 7, `unknown value "simple" for spec.trafficPolicy.tls.mode (did you mean "SIMPLE"?)`},
				{"spec.trafficPolicy.loadBalancer.simple", 11, 7, `unknown value "FASTEST" for spec.trafficPolicy.loadBalancer.simple (want one of LEAST_CONN, LEAST_REQUEST, PASSTHROUGH, RANDOM, ROUND_ROBIN, UNSPECIFIED)`},
			},
		},
		{
			name: "durations and booleans of the wrong form (a quoted yes is a string)",
			file: "vs.yaml",
			text: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  http:
  - timeout: 10
    retries:
      perTryTimeout: 2 seconds
      retryRemoteLocalities: "yes"
`,
			want: []problem{
				{"spec.http[0].timeout", 7, 5, `spec.http[0].timeout must be a duration such as "10s", got number 10`},
				{"spec.http[0].retries.perTryTimeout", 9, 7, `invalid duration "2 seconds" for spec.http[0].retries.perTryTimeout: want a number with a unit, such as "10s" or "250ms"`},
				{"spec.http[0].retries.retryRemoteLocalities", 10, 7, `spec.http[0].retries.retryRemoteLocalities must be a boolean, got string "yes"`},
			},
		},
		{
			name: "JSON input locates keys by line and column",
			file: "se.json",
			text: `{
  "apiVersion": "networking.istio.io/v1",
  "kind": "ServiceEntry",
  "metadata": {"name": "httpbin"},
  "spec": {
    "hosts": ["httpbin.org"],
    "ports": [{"number": "443", "name": "https", "protocol": "HTTPS", "targetport": 8443}]
  }
}`,
			want: []problem{
				{"spec.ports[0].number", 7, 16, `spec.ports[0].number must be a non-negative integer, got string "443"`},
				{"spec.ports[0].targetport", 7, 71, `unknown field "targetport" in spec.ports[0] (did you mean "targetPort"?)`},
			},
		},
		{
			name: "map keys with dots are bracketed and located",
			file: "gw.yaml",
			text: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: public
spec:
  selector:
    app.kubernetes.io/name: 1
`,
			want: []problem{{"spec.selector[app.kubernetes.io/name]", 7, 5, `spec.selector[app.kubernetes.io/name] must be a string, got number 1`}},
		},
		{
			name: "EnvoyFilter under a version that does not serve it",
			file: "ef.yaml",
			text: `apiVersion: networking.istio.io/v1
kind: EnvoyFilter
metadata:
  name: lua
spec:
  priority: 10
`,
			want: []problem{{"apiVersion", 1, 1, "EnvoyFilter is served only as networking.istio.io/v1alpha3, not v1"}},
		},
		{
			name: "mesh ConfigMap positions inside the block scalar",
			file: "cm.yaml",
			text: `apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: |-
    enableAutoMtls: "true"
    connectTimout: 5s
`,
			want: []problem{
				{"data.mesh.enableAutoMtls", 8, 5, `data.mesh.enableAutoMtls must be a boolean, got string "true"`},
				{"data.mesh.connectTimout", 9, 5, `unknown field "connectTimout" in data.mesh (did you mean "connectTimeout"?)`},
			},
		},
		{
			name: "valid resource with Struct, 64-bit strings, integer map keys and durations",
			file: "ok.yaml",
			text: `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: lua
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    patch:
      operation: INSERT_FIRST
      value:
        name: envoy.filters.http.lua
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
          anything: [1, 2.5, true, null, {nested: {}}]
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := loadOne(t, tc.file, tc.text)
			if diff := cmp.Diff(tc.want, problems(r)); diff != "" {
				t.Errorf("problems differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSchemaValuesDecoded checks that values which fit the schema in one of
// their accepted forms are decoded, not just left without a problem.
func TestSchemaValuesDecoded(t *testing.T) {
	t.Run("durations, 64-bit strings and wrappers", func(t *testing.T) {
		r := loadOne(t, "dr.yaml", `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  trafficPolicy:
    connectionPool:
      tcp:
        connectTimeout: 1.5s
      http:
        idleTimeout: 1m30s
    loadBalancer:
      consistentHash:
        ringHash:
          minimumRingSize: "1024"
    outlierDetection:
      consecutive5xxErrors: 7
      splitExternalLocalOriginErrors: yes
`)
		if len(r.Problems) != 0 {
			t.Fatalf("unexpected problems: %v", r.Problems)
		}
		tp := r.DestinationRule().Spec.GetTrafficPolicy()
		if got := tp.GetConnectionPool().GetTcp().GetConnectTimeout().AsDuration(); got != 1500*time.Millisecond {
			t.Errorf("connectTimeout = %v, want 1.5s", got)
		}
		if got := tp.GetConnectionPool().GetHttp().GetIdleTimeout().AsDuration(); got != 90*time.Second {
			t.Errorf("idleTimeout = %v, want 1m30s", got)
		}
		if got := tp.GetLoadBalancer().GetConsistentHash().GetRingHash().GetMinimumRingSize(); got != 1024 {
			t.Errorf("minimumRingSize = %d, want 1024", got)
		}
		if got := tp.GetOutlierDetection().GetConsecutive_5XxErrors().GetValue(); got != 7 {
			t.Errorf("consecutive5xxErrors = %d, want 7", got)
		}
		if !tp.GetOutlierDetection().GetSplitExternalLocalOriginErrors() {
			t.Errorf("splitExternalLocalOriginErrors: plain yes is true in YAML 1.1, as kubectl reads it")
		}
	})
	t.Run("YAML merge keys", func(t *testing.T) {
		r := loadOne(t, "dr.yaml", `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  trafficPolicy:
    connectionPool:
      tcp: &tcp
        maxConnections: 100
        connectTimeout: 1s
  subsets:
  - name: v1
    trafficPolicy:
      connectionPool:
        tcp:
          <<: *tcp
          connectTimeout: 3s
`)
		if len(r.Problems) != 0 {
			t.Fatalf("unexpected problems: %v", r.Problems)
		}
		tcp := r.DestinationRule().Spec.GetSubsets()[0].GetTrafficPolicy().GetConnectionPool().GetTcp()
		if tcp.GetMaxConnections() != 100 || tcp.GetConnectTimeout().AsDuration() != 3*time.Second {
			t.Errorf("merged tcp settings = %v, want maxConnections 100 from the anchor and connectTimeout 3s of its own", tcp)
		}
	})
	t.Run("strings that YAML tags otherwise", func(t *testing.T) {
		r := loadOne(t, "vs.yaml", `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - match:
    - headers:
        x-release:
          exact: 2024-01-01
        x-count:
          exact: 3
`)
		want := []lint.SchemaProblem{{Path: "spec.http[0].match[0].headers.x-count.exact", Message: "spec.http[0].match[0].headers.x-count.exact must be a string, got number 3"}}
		if diff := cmp.Diff(want, r.Problems); diff != "" {
			t.Errorf("problems differ (-want +got):\n%s", diff)
		}
	})
	t.Run("integer map keys", func(t *testing.T) {
		r := loadOne(t, "pa.yaml", `apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: default
spec:
  portLevelMtls:
    "9080":
      mode: PERMISSIVE
    9090:
      mode: DISABLE
`)
		if len(r.Problems) != 0 {
			t.Fatalf("unexpected problems: %v", r.Problems)
		}
		pl := r.PeerAuthentication().Spec.GetPortLevelMtls()
		if pl[9080].GetMode().String() != "PERMISSIVE" || pl[9090].GetMode().String() != "DISABLE" {
			t.Errorf("portLevelMtls = %v", pl)
		}
	})
	t.Run("Struct content kept", func(t *testing.T) {
		r := loadOne(t, "ef.yaml", `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: lua
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    patch:
      operation: INSERT_FIRST
      value:
        name: envoy.filters.http.lua
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
`)
		v := r.EnvoyFilter().Spec.GetConfigPatches()[0].GetPatch().GetValue().AsMap()
		tc, _ := v["typed_config"].(map[string]any)
		if v["name"] != "envoy.filters.http.lua" || !strings.HasSuffix(tc["@type"].(string), ".Lua") {
			t.Errorf("patch value = %v", v)
		}
	})
}

func TestClosest(t *testing.T) {
	fields := []string{"retryOn", "attempts", "perTryTimeout", "retryRemoteLocalities"}
	tests := []struct {
		name       string
		in         string
		candidates []string
		want       string
	}{
		{name: "case", in: "retryon", candidates: fields, want: "retryOn"},
		{name: "snake case", in: "retry_on", candidates: fields, want: "retryOn"},
		{name: "one edit", in: "atempts", candidates: fields, want: "attempts"},
		{name: "two edits", in: "perTryTimout_", candidates: fields, want: "perTryTimeout"},
		{name: "too far", in: "frobnicate", candidates: fields, want: ""},
		{name: "short names allow one edit", in: "spek", candidates: []string{"spec", "kind"}, want: "spec"},
		{name: "short names, two edits", in: "sx", candidates: []string{"spec"}, want: ""},
		{name: "ties give no suggestion", in: "ab", candidates: []string{"aa", "bb"}, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := closest(tc.in, tc.candidates); got != tc.want {
				t.Errorf("closest(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
