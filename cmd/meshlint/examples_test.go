package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshlint/meshlint/lint/checks"
)

// TestExamples keeps the promise of examples/README.md: linting examples/
// shows every check of the catalog, each file fires exactly its own check
// on the broken resource, and the fixed versions beside them stay quiet.
func TestExamples(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-o", "json", filepath.Join("..", "..", "examples")}, nil, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit status %d, want 1 (findings); stderr:\n%s", code, stderr.String())
	}
	var out struct {
		Findings []struct {
			Check    string `json:"check"`
			File     string `json:"file"`
			Resource struct {
				Name string `json:"name"`
			} `json:"resource"`
		} `json:"findings"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) != 0 {
		t.Errorf("input errors in examples: %v", out.Errors)
	}
	got := map[string][]string{}
	for _, f := range out.Findings {
		file := filepath.Base(f.File)
		got[file] = append(got[file], f.Check+" "+f.Resource.Name)
	}
	for _, v := range got {
		sort.Strings(v)
	}
	want := map[string][]string{
		"01-missing-istio-mutual.yaml":                {"ML001 reviews"},
		"02-http-routes-on-passthrough-gateway.yaml":  {"ML002 web"},
		"03-https-on-http-port.yaml":                  {"ML003 payments-api"},
		"04-retry-without-reset.yaml":                 {"ML004 cart"},
		"05-fragile-envoyfilter-insert.yaml":          {"ML005 lua-headers"},
		"06-tls-routes-on-terminating-gateway.yaml":   {"ML006 shop"},
		"07-double-tls.yaml":                          {"ML007 weather"},
		"08-shared-gateway-certificate.yaml":          {"ML008 docs", "ML008 store"},
		"09-ingress-bypasses-subset-routing.yaml":     {"ML009 reviews-ingress"},
		"10-connect-timeout-too-low.yaml":             {"ML010 inventory"},
		"11-headless-service-http-port.yaml":          {"ML011 cassandra"},
		"12-undefined-subset.yaml":                    {"ML012 catalog"},
		"13-gateway-not-found.yaml":                   {"ML013 docs"},
		"14-host-not-in-gateway.yaml":                 {"ML014 www"},
		"15-conflicting-gateway-servers.yaml":         {"ML015 billing-passthrough", "ML015 billing-terminate"},
		"16-invalid-spec.yaml":                        {"ML004 search", "ML016 search"},
		"17-destination-host-not-found.yaml":          {"ML017 ratings"},
		"18-destination-rule-host-not-found.yaml":     {"ML018 payments"},
		"19-conflicting-virtualservice-hosts.yaml":    {"ML019 reviews", "ML019 reviews-canary"},
		"20-unreachable-route.yaml":                   {"ML020 storefront"},
		"21-duplicate-route-match.yaml":               {"ML021 reviews"},
		"22-destination-port-required.yaml":           {"ML022 orders"},
		"23-serviceentry-addresses-required.yaml":     {"ML023 billing-db"},
		"24-conflicting-serviceentry-protocols.yaml":  {"ML024 payments-api", "ML024 payments-api-legacy"},
		"25-ineffective-envoyfilter-operation.yaml":   {"ML025 strip-debug"},
		"26-envoyfilter-pinned-to-proxy-version.yaml": {"ML026 lua-audit"},
		"27-rejected-by-istio.yaml":                   {"ML027 store"},
		"28-deprecated-field.yaml":                    {"ML028 payments"},
		"29-multiple-destination-rules-for-host.yaml": {"ML029 reviews", "ML029 reviews-canary"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings per example file differ (-want +got):\n%s", diff)
	}
	// Every check of the catalog is shown.
	seen := map[string]bool{}
	for _, f := range out.Findings {
		seen[f.Check] = true
	}
	for _, c := range checks.Registry() {
		if !seen[c.ID] {
			t.Errorf("no example fires %s %s", c.ID, c.Name)
		}
	}
	if strings.Contains(stderr.String(), "panic") {
		t.Errorf("stderr: %s", stderr.String())
	}
}
