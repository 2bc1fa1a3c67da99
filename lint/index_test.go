package lint_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshlint/meshlint/lint"
)

// drByHost and vsByHost are synthetic host tables, so that the engine's
// tests do not depend on the catalog: a short host expands to
// <host>.<ns>.svc.<domainSuffix>, other hosts are filed as written.
var (
	drByHost = lint.HostTable("test-destinationrules-by-host", lint.KindDestinationRule, func(r *lint.Resource, m *lint.Mesh) []string {
		return []string{testExpand(r.DestinationRule().Spec.GetHost(), r.Namespace(), m)}
	})
	vsByHost = lint.HostTable("test-virtualservices-by-host", lint.KindVirtualService, func(r *lint.Resource, m *lint.Mesh) []string {
		var out []string
		for _, h := range r.VirtualService().Spec.GetHosts() {
			out = append(out, testExpand(h, r.Namespace(), m))
		}
		return out
	})
)

func testExpand(h, ns string, m *lint.Mesh) string {
	h = strings.ToLower(h)
	if h == "" || strings.Contains(h, ".") || strings.HasPrefix(h, "*") {
		return h
	}
	return h + "." + ns + ".svc." + m.DomainSuffix
}

func dr(ns, name, host string) *lint.Resource {
	o := &networkingv1.DestinationRule{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	o.Spec.Host = host
	return lint.NewResource(o, "")
}

func addAll(ix *lint.Index, rs []*lint.Resource) {
	for _, r := range rs {
		ix.Add(r)
	}
}

func names(rs []*lint.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Name())
	}
	return out
}

// TestLookupHost pins Istio's host matching in both directions through the
// index: concrete queries find wildcard records, wildcard queries find the
// records they cover, and "*" matches everything.
func TestLookupHost(t *testing.T) {
	ix := lint.NewIndex(lint.DefaultMesh(), false, []*lint.Table{drByHost})
	addAll(ix, []*lint.Resource{
		dr("a", "exact", "api.example.com"),
		dr("a", "wild", "*.example.com"),
		dr("a", "deep", "v1.api.example.com"),
		dr("a", "narrow-wild", "*.api.example.com"),
		dr("a", "other", "api.example.org"),
		dr("a", "short", "reviews"), // reviews.a.svc.cluster.local
		dr("a", "all", "*"),
	})
	for _, tc := range []struct {
		host string
		want []string
	}{
		{"api.example.com", []string{"all", "exact", "wild"}},
		{"v1.api.example.com", []string{"all", "deep", "narrow-wild", "wild"}},
		{"example.com", []string{"all"}},
		{"*.example.com", []string{"all", "deep", "exact", "narrow-wild", "wild"}},
		{"*.api.example.com", []string{"all", "deep", "narrow-wild", "wild"}},
		{"reviews.a.svc.cluster.local", []string{"all", "short"}},
		{"*.svc.cluster.local", []string{"all", "short"}},
		{"nothing.example.net", []string{"all"}},
		{"*", []string{"all", "deep", "exact", "narrow-wild", "other", "short", "wild"}},
	} {
		t.Run(tc.host, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, names(lint.LookupHost(ix, drByHost, tc.host))); diff != "" {
				t.Errorf("LookupHost(%q) (-want +got):\n%s", tc.host, diff)
			}
		})
	}

	// Removing and replacing keep every bucket current, the lazily built
	// wildcard-query buckets included.
	ix.Remove(lint.Key{Kind: lint.KindDestinationRule, Namespace: "a", Name: "deep"})
	ix.Add(dr("a", "wild", "*.example.org")) // replaces "wild"
	for _, tc := range []struct {
		host string
		want []string
	}{
		{"*.example.com", []string{"all", "exact", "narrow-wild"}},
		{"v1.api.example.com", []string{"all", "narrow-wild"}},
		{"api.example.org", []string{"all", "other", "wild"}},
	} {
		if diff := cmp.Diff(tc.want, names(lint.LookupHost(ix, drByHost, tc.host))); diff != "" {
			t.Errorf("after remove/replace, LookupHost(%q) (-want +got):\n%s", tc.host, diff)
		}
	}
}

// TestOverlay: the webhook's view, with the incoming object standing in for
// its stored version and a deleted one hidden, without touching the index.
func TestOverlay(t *testing.T) {
	ix := lint.NewIndex(lint.DefaultMesh(), true, []*lint.Table{drByHost})
	addAll(ix, []*lint.Resource{dr("a", "one", "x.example.com"), dr("a", "two", "y.example.com")})
	v := lint.Overlay(ix, []*lint.Resource{dr("a", "one", "y.example.com")},
		lint.Key{Kind: lint.KindDestinationRule, Namespace: "a", Name: "two"})
	if got := names(lint.LookupHost(v, drByHost, "x.example.com")); len(got) != 0 {
		t.Errorf("stored version still visible under its old host: %v", got)
	}
	if diff := cmp.Diff([]string{"one"}, names(lint.LookupHost(v, drByHost, "y.example.com"))); diff != "" {
		t.Errorf("overlay (-want +got):\n%s", diff)
	}
	if got := v.Get(lint.Key{Kind: lint.KindDestinationRule, Namespace: "a", Name: "two"}); got != nil {
		t.Errorf("hidden resource visible: %v", got)
	}
	if diff := cmp.Diff([]string{"one", "two"}, names(ix.List(lint.KindDestinationRule))); diff != "" {
		t.Errorf("the overlay changed the index (-want +got):\n%s", diff)
	}
	if !v.Full() {
		t.Error("overlay lost the index's visibility")
	}
	// The overlaid resource answers wildcard queries in both directions.
	if diff := cmp.Diff([]string{"one"}, names(lint.LookupHost(v, drByHost, "*.example.com"))); diff != "" {
		t.Errorf("wildcard query over the overlay (-want +got):\n%s", diff)
	}
	w := lint.Overlay(ix, []*lint.Resource{dr("b", "wild", "*.example.com")})
	if diff := cmp.Diff([]string{"one", "wild"}, names(lint.LookupHost(w, drByHost, "x.example.com"))); diff != "" {
		t.Errorf("overlaid wildcard record (-want +got):\n%s", diff)
	}
}

// TestCount: Count agrees with len(Lookup) on the index, on a frozen index
// and through an overlay that replaces, hides and adds resources.
func TestCount(t *testing.T) {
	rs := []*lint.Resource{dr("a", "one", "x.example.com"), dr("a", "two", "x.example.com"), dr("a", "three", "y.example.com")}
	ix := lint.NewIndex(lint.DefaultMesh(), true, []*lint.Table{drByHost})
	addAll(ix, rs)
	frozen := lint.BuildIndex(lint.DefaultMesh(), true, []*lint.Table{drByHost}, rs)
	views := map[string]lint.View{
		"index":  ix,
		"frozen": frozen,
		// one moves from x to y, two is deleted, four is new on x.
		"overlay": lint.Overlay(ix, []*lint.Resource{dr("a", "one", "y.example.com"), dr("b", "four", "x.example.com")},
			lint.Key{Kind: lint.KindDestinationRule, Namespace: "a", Name: "two"}),
	}
	want := map[string]map[string]int{
		"index":   {"x.example.com": 2, "y.example.com": 1, "z.example.com": 0},
		"frozen":  {"x.example.com": 2, "y.example.com": 1, "z.example.com": 0},
		"overlay": {"x.example.com": 1, "y.example.com": 2, "z.example.com": 0},
	}
	for name, v := range views {
		for host, n := range want[name] {
			if got := v.Count(drByHost, host); got != n {
				t.Errorf("%s: Count(%q) = %d, want %d", name, host, got, n)
			}
			if got := len(v.Lookup(drByHost, host)); got != n {
				t.Errorf("%s: len(Lookup(%q)) = %d, want %d", name, host, got, n)
			}
		}
	}
}

// TestFrozenIndexConcurrentWildcards: a frozen index is read without locks
// and builds its wildcard buckets on first use; concurrent first uses of
// several tables must agree (run with -race to check the memory model).
func TestFrozenIndexConcurrentWildcards(t *testing.T) {
	var rs []*lint.Resource
	for i := 0; i < 50; i++ {
		rs = append(rs, dr("a", fmt.Sprintf("dr-%d", i), fmt.Sprintf("s%d.example.com", i)))
	}
	ix := lint.BuildIndex(lint.DefaultMesh(), false, []*lint.Table{drByHost, vsByHost}, rs)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n := len(lint.LookupHost(ix, drByHost, "*.example.com")); n != 50 {
				errs <- fmt.Sprintf("got %d destination rules, want 50", n)
			}
			if n := len(lint.LookupHost(ix, vsByHost, "*.example.com")); n != 0 {
				errs <- fmt.Sprintf("got %d virtual services, want 0", n)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestBuildIndexMatchesAdd: the parallel static build files everything the
// incremental one does when every key is given once.
func TestBuildIndexMatchesAdd(t *testing.T) {
	rs := []*lint.Resource{
		dr("a", "one", "x.example.com"),
		dr("a", "two", "*.example.com"),
		dr("b", "one", "y.example.com"),
	}
	tables := []*lint.Table{drByHost}
	built := lint.BuildIndex(lint.DefaultMesh(), false, tables, rs)
	added := lint.NewIndex(lint.DefaultMesh(), false, tables)
	addAll(added, rs)
	for _, host := range []string{"x.example.com", "y.example.com", "*.example.com", "z.example.com"} {
		b, a := names(lint.LookupHost(built, drByHost, host)), names(lint.LookupHost(added, drByHost, host))
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s: BuildIndex differs from Add (-add +build):\n%s", host, diff)
		}
	}
	if n, m := len(built.List(lint.KindDestinationRule)), len(added.List(lint.KindDestinationRule)); n != 3 || m != 3 {
		t.Errorf("List has %d (build) and %d (add) destination rules, want 3", n, m)
	}
}

// TestVariants: files may define one key several times (tutorial steps,
// overlays). BuildIndex keeps every variant, in every table, ordered by
// source position whatever the input order; Add (the webhook's index)
// replaces.
func TestVariants(t *testing.T) {
	at := func(r *lint.Resource, file string, line int) *lint.Resource {
		r.Source = lint.Position{File: file, Line: line}
		return r
	}
	mk := func() []*lint.Resource {
		return []*lint.Resource{
			at(dr("a", "one", "x.example.com"), "b-step2.yaml", 1),
			at(dr("a", "two", "*.example.com"), "a-step1.yaml", 20),
			at(dr("a", "one", "y.example.com"), "a-step1.yaml", 1),
		}
	}
	tables := []*lint.Table{drByHost}
	key := lint.Key{Kind: lint.KindDestinationRule, Namespace: "a", Name: "one"}
	files := func(rs []*lint.Resource) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, r.Source.File)
		}
		return out
	}
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		all := mk()
		rs := []*lint.Resource{all[order[0]], all[order[1]], all[order[2]]}
		ix := lint.BuildIndex(lint.DefaultMesh(), false, tables, rs)
		if diff := cmp.Diff([]string{"a-step1.yaml", "b-step2.yaml"}, files(ix.Variants(key))); diff != "" {
			t.Errorf("order %v: variants (-want +got):\n%s", order, diff)
		}
		if got := ix.Get(key).Source.File; got != "a-step1.yaml" {
			t.Errorf("order %v: Get returns the variant in %s, want the first by position, a-step1.yaml", order, got)
		}
		for host, want := range map[string][]string{
			"x.example.com": {"one", "two"},
			"y.example.com": {"one", "two"},
			"*.example.com": {"one", "one", "two"},
		} {
			if diff := cmp.Diff(want, names(lint.LookupHost(ix, drByHost, host))); diff != "" {
				t.Errorf("order %v: %s (-want +got):\n%s", order, host, diff)
			}
		}
		if n := len(ix.List(lint.KindDestinationRule)); n != 3 || ix.Len() != 3 {
			t.Errorf("order %v: List has %d destination rules and Len is %d, want 3", order, n, ix.Len())
		}
	}
	added := lint.NewIndex(lint.DefaultMesh(), false, tables)
	addAll(added, mk())
	if diff := cmp.Diff([]string{"two"}, names(lint.LookupHost(added, drByHost, "x.example.com"))); diff != "" {
		t.Errorf("Add: replaced resource still filed under its old host (-want +got):\n%s", diff)
	}
	if n := len(added.Variants(key)); n != 1 {
		t.Errorf("Add: %d variants of %s, want 1", n, key)
	}
}
