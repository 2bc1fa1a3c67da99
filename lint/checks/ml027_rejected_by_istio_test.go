package checks

import (
	"testing"
)

// TestIstioHostRules pins the host name rules ML027 takes from Istio
// (agent.ValidateWildcardDomain, validateSidecarOrGatewayHostnamePart,
// host.Name.Matches and SubsetOf): a false finding here would tell users
// that istiod rejects valid config.
func TestIstioHostRules(t *testing.T) {
	domains := []struct {
		host    string
		invalid bool
	}{
		{host: "reviews"},
		{host: "reviews.prod.svc.cluster.local"},
		{host: "*"},
		{host: "*.example.com"},
		{host: "*foo.example.com"}, // a wildcard label Istio accepts in VirtualServices
		{host: "istio.io."},        // a trailing dot is allowed
		{host: "Shop.Example.com"}, // upper case: meshlint stays quiet when unsure
		{host: "", invalid: true},
		{host: "a..b", invalid: true},
		{host: "foo.*.com", invalid: true},
		{host: "foo_bar.com", invalid: true},
		{host: "foo.com:80", invalid: true},
		{host: "10.0.0.1", invalid: true}, // all-numeric top-level domain; callers accept IPs
		{host: "-foo.com", invalid: true},
	}
	for _, tc := range domains {
		if got := wildcardDomainProblem(tc.host) != ""; got != tc.invalid {
			t.Errorf("wildcardDomainProblem(%q) invalid = %v, want %v (%s)", tc.host, got, tc.invalid, wildcardDomainProblem(tc.host))
		}
	}
	gateway := []struct {
		host    string
		invalid bool
	}{
		{host: "*"},
		{host: "*.example.com"},
		{host: "shop.example.com"},
		{host: "prod/shop.example.com"},
		{host: "./shop.example.com"},
		{host: "*/*"},
		{host: "10.0.0.1"},
		{host: "shop", invalid: true},
		{host: "*shop.example.com", invalid: true},
		{host: "prod/", invalid: true},
		{host: "Prod_1/shop.example.com", invalid: true},
		{host: "prod/shop", invalid: true},
	}
	for _, tc := range gateway {
		if got := gatewayHostProblem(tc.host) != ""; got != tc.invalid {
			t.Errorf("gatewayHostProblem(%q) invalid = %v, want %v (%s)", tc.host, got, tc.invalid, gatewayHostProblem(tc.host))
		}
	}
	overlaps := []struct {
		a, b string
		want bool
	}{
		{"a.example.com", "a.example.com", true},
		{"*.example.com", "a.example.com", true},
		{"a.b.example.com", "*.example.com", true},
		{"*.example.com", "*.b.example.com", true},
		{"*", "anything", true},
		{"*.example.com", "example.com", false},
		{"reviews", "reviews.prod.svc.cluster.local", false},
	}
	for _, tc := range overlaps {
		if got := hostsOverlap(tc.a, tc.b); got != tc.want {
			t.Errorf("hostsOverlap(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	subsets := []struct {
		n, o string
		want bool
	}{
		{"a.example.com", "a.example.com", true},
		{"a.example.com", "*.example.com", true},
		{"*.b.example.com", "*.example.com", true},
		{"anything.org", "*", true},
		{"*.example.com", "a.example.com", false},
		{"*.example.com", "*.b.example.com", false},
		{"reviews.prod.svc.cluster.local", "reviews", false},
	}
	for _, tc := range subsets {
		if got := hostSubsetOf(tc.n, tc.o); got != tc.want {
			t.Errorf("hostSubsetOf(%q, %q) = %v, want %v", tc.n, tc.o, got, tc.want)
		}
	}
}
