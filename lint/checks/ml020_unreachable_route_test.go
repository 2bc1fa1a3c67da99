package checks

import (
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshlint/meshlint/lint"
)

func exact(s string) *networkingapi.StringMatch {
	return &networkingapi.StringMatch{MatchType: &networkingapi.StringMatch_Exact{Exact: s}}
}

func prefix(s string) *networkingapi.StringMatch {
	return &networkingapi.StringMatch{MatchType: &networkingapi.StringMatch_Prefix{Prefix: s}}
}

func regex(s string) *networkingapi.StringMatch {
	return &networkingapi.StringMatch{MatchType: &networkingapi.StringMatch_Regex{Regex: s}}
}

// TestMatchCovers pins the coverage relation ML020 and ML021 rest on: a
// covers b only when every request b matches also matches a.
func TestMatchCovers(t *testing.T) {
	type m = networkingapi.HTTPMatchRequest
	sm := map[string]*networkingapi.StringMatch{}
	tests := []struct {
		name string
		a, b *m
		want bool
	}{
		{name: "nil covers anything", a: nil, b: &m{Uri: exact("/x")}, want: true},
		{name: "no conditions covers anything", a: &m{Name: "all"}, b: &m{Uri: exact("/x"), Port: 80}, want: true},
		{name: "prefix / covers a catch-all", a: &m{Uri: prefix("/")}, b: nil, want: true},
		{name: "regex .* covers a catch-all", a: &m{Uri: regex(".*")}, b: nil, want: true},
		{name: "prefix does not cover a catch-all", a: &m{Uri: prefix("/api")}, b: nil, want: false},
		{name: "prefix covers longer prefix", a: &m{Uri: prefix("/api")}, b: &m{Uri: prefix("/api/v1")}, want: true},
		{name: "prefix covers exact under it", a: &m{Uri: prefix("/api")}, b: &m{Uri: exact("/api/x")}, want: true},
		{name: "longer prefix does not cover shorter", a: &m{Uri: prefix("/api/v1")}, b: &m{Uri: prefix("/api")}, want: false},
		{name: "exact does not cover prefix", a: &m{Uri: exact("/api")}, b: &m{Uri: prefix("/api")}, want: false},
		{name: "same regex", a: &m{Uri: regex("/v[0-9]+")}, b: &m{Uri: regex("/v[0-9]+")}, want: true},
		{name: "different regexes are unsure", a: &m{Uri: regex("/v[0-9]+/.*")}, b: &m{Uri: regex("/v1/.*")}, want: false},
		{name: "regex does not cover an exact it matches", a: &m{Uri: regex("/v[0-9]+")}, b: &m{Uri: exact("/v1")}, want: false},
		{name: "case-insensitive a covers other case", a: &m{Uri: prefix("/Docs"), IgnoreUriCase: true}, b: &m{Uri: exact("/docs/x")}, want: true},
		{name: "case-sensitive a does not cover case-insensitive b", a: &m{Uri: prefix("/docs")}, b: &m{Uri: prefix("/docs"), IgnoreUriCase: true}, want: false},
		{name: "prefix / covers case-insensitive b", a: &m{Uri: prefix("/")}, b: &m{Uri: prefix("/docs"), IgnoreUriCase: true}, want: true},
		{name: "header missing in b", a: &m{Headers: map[string]*networkingapi.StringMatch{"x-user": exact("a")}}, b: &m{}, want: false},
		{name: "header keys fold case", a: &m{Headers: map[string]*networkingapi.StringMatch{"X-User": prefix("a")}}, b: &m{Headers: map[string]*networkingapi.StringMatch{"x-user": exact("ab")}}, want: true},
		{name: "present header covers any value", a: &m{Headers: map[string]*networkingapi.StringMatch{"x-debug": {}}}, b: &m{Headers: map[string]*networkingapi.StringMatch{"x-debug": regex(".+")}}, want: true},
		{name: "value does not cover present", a: &m{Headers: map[string]*networkingapi.StringMatch{"x-debug": exact("1")}}, b: &m{Headers: map[string]*networkingapi.StringMatch{"x-debug": {}}}, want: false},
		{name: "query params are case-sensitive", a: &m{QueryParams: map[string]*networkingapi.StringMatch{"Debug": exact("1")}}, b: &m{QueryParams: map[string]*networkingapi.StringMatch{"debug": exact("1")}}, want: false},
		{name: "empty header map is no condition", a: &m{Headers: sm}, b: &m{}, want: true},
		{name: "empty method is no condition", a: &m{Method: &networkingapi.StringMatch{}}, b: &m{}, want: true},
		{name: "method differs", a: &m{Method: exact("GET")}, b: &m{Method: exact("POST")}, want: false},
		{name: "port", a: &m{Port: 80}, b: &m{Port: 8080}, want: false},
		{name: "no port covers a port", a: &m{}, b: &m{Port: 8080}, want: true},
		{name: "sourceNamespace", a: &m{SourceNamespace: "front"}, b: &m{}, want: false},
		{name: "sourceLabels subset", a: &m{SourceLabels: map[string]string{"app": "a"}}, b: &m{SourceLabels: map[string]string{"app": "a", "v": "1"}}, want: true},
		{name: "sourceLabels not a subset", a: &m{SourceLabels: map[string]string{"app": "a", "v": "1"}}, b: &m{SourceLabels: map[string]string{"app": "a"}}, want: false},
		{name: "withoutHeaders on a only", a: &m{WithoutHeaders: map[string]*networkingapi.StringMatch{"x-internal": {}}}, b: &m{}, want: false},
		{name: "withoutHeaders implied by b", a: &m{WithoutHeaders: map[string]*networkingapi.StringMatch{"x-internal": exact("1")}}, b: &m{WithoutHeaders: map[string]*networkingapi.StringMatch{"X-Internal": {}}}, want: true},
		{name: "withoutHeaders on b only", a: &m{}, b: &m{WithoutHeaders: map[string]*networkingapi.StringMatch{"x-internal": {}}}, want: true},
		{name: "gateway-scoped a does not cover unscoped b", a: &m{Gateways: []string{"public"}}, b: &m{}, want: false},
		{name: "gateway names normalise", a: &m{Gateways: []string{"public", "mesh"}}, b: &m{Gateways: []string{"prod/public"}}, want: true},
		{name: "a scoped to every gateway of the VirtualService", a: &m{Gateways: []string{"mesh", "prod/public"}}, b: &m{}, want: true},
	}
	vs := &networkingv1.VirtualService{ObjectMeta: metav1.ObjectMeta{Name: "vs", Namespace: "prod"}}
	vs.Spec.Gateways = []string{"mesh", "public"}
	rt := routeTable{r: lint.NewResource(vs, "")}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rt.covers(tc.a, tc.b); got != tc.want {
				t.Errorf("covers(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestPathUndecoded(t *testing.T) {
	r := &lint.Resource{Problems: []lint.SchemaProblem{{Path: "spec.http[1].match[0].uri.prefx"}, {Path: "spec.priority"}}}
	tests := []struct {
		path string
		want bool
	}{
		{"spec.http[1]", true},
		{"spec.http[1].match", true},
		{"spec.http[1].match[0].uri.prefx", true},
		{"spec.http[10]", false},
		{"spec.http[0]", false},
		{"spec.priority", true},
		{"spec.priorityClass", false},
		{"spec.priority.value", true},
	}
	for _, tc := range tests {
		if got := pathUndecoded(r, tc.path); got != tc.want {
			t.Errorf("pathUndecoded(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	if pathUndecodedExactly(r, "spec.http") {
		t.Errorf("pathUndecodedExactly(spec.http) = true: a problem inside one route is not a problem of the list")
	}
}
