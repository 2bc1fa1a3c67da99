package load

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/meshlint/meshlint/internal/meshgen"
	"github.com/meshlint/meshlint/lint"
)

// meshList is the generated mesh of n services as one `kind: List`
// document, the form `kubectl get -o yaml` writes.
func meshList(n int) string {
	var docs string
	for _, d := range meshgen.Files(n, 1) {
		docs = string(d)
	}
	var b strings.Builder
	b.Grow(len(docs) * 11 / 10)
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for _, doc := range strings.Split(docs, "\n---\n") {
		for i, l := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
			if i == 0 {
				b.WriteString("- ")
			} else if l != "" {
				b.WriteString("  ")
			}
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// loadAndLocate loads data and asks every resource for a position, as a run
// with a finding on each does.
func loadAndLocate(tb testing.TB, data string) int {
	rs, errs := Bytes("list.yaml", []byte(data), Options{})
	if len(errs) > 0 {
		tb.Fatalf("errors: %v", errs[:min(len(errs), 3)])
	}
	for _, r := range rs {
		if pos := r.Locate("metadata.name"); pos.Line <= 1 {
			tb.Fatalf("%s %s at %+v", r.Kind, r.Name(), pos)
		}
	}
	return len(rs)
}

// allocated is how many bytes f allocates: unlike time, a measure of work
// that other load on the machine leaves alone.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestListLocatesLinearly: every item of a List asked for a position
// parsed the whole List again (800 findings: 18 s; a List of 2,637
// VirtualServices: 548 s). Eight times the items must cost about eight
// times as much, far from the 64 times of the square (measured in bytes
// allocated, which parsing is proportional to).
func TestListLocatesLinearly(t *testing.T) {
	small, large := meshList(100), meshList(800)
	if n := loadAndLocate(t, small); n != 327 {
		t.Fatalf("%d resources in the small List, want 327", n)
	}
	as := allocated(func() { loadAndLocate(t, small) })
	al := allocated(func() { loadAndLocate(t, large) })
	if ratio := float64(al) / float64(as); ratio > 16 {
		t.Errorf("8x the items allocated %.0fx as much (%d vs %d bytes): the cost grows faster than the input", ratio, al, as)
	}
}

// BenchmarkList loads a List and locates a field of every item in it.
func BenchmarkList(b *testing.B) {
	for _, n := range []int{800, 15_000} {
		data := meshList(n)
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var items int
			for range b.N {
				items = loadAndLocate(b, data)
			}
			b.ReportMetric(float64(items), "items")
		})
	}
}

// decodeWhole decodes data as split would without cutting Lists into their
// items: the reference for splitList.
func decodeWhole(name, data string) ([]*lint.Resource, []InputError) {
	var rs []*lint.Resource
	var errs []InputError
	for _, c := range splitDocuments(name, data) {
		r := decodeChunk(c, Options{})
		rs, errs = append(rs, r.resources...), append(errs, r.errors...)
	}
	return rs, errs
}

// TestSplitListDecodesLikeTheWholeList: a large List is cut into its items
// (a 58 MB List was one tree of several times its size: 70 s and 1.5 GB),
// and the items decode to the same resources, input errors and positions as
// the whole List does.
func TestSplitListDecodesLikeTheWholeList(t *testing.T) {
	list := meshList(700)
	head, body, _ := strings.Cut(list, "items:\n")
	indented := head + "items:\n  " + strings.TrimSuffix(strings.ReplaceAll(body, "\n", "\n  "), "  ")
	crlf := "# kubectl get -A -o yaml\r\n" + strings.ReplaceAll(list, "\n", "\r\n") + "kind: List\r\nmetadata:\r\n  resourceVersion: \"\"\r\n"
	all, _ := Bytes("list.yaml", []byte(list), Options{})
	bad := strings.Replace(list, "  kind: DestinationRule\n", "  kind: DestinationRule\n  spec: {host: [\n", 3)
	for _, tc := range []struct {
		name, doc string
		split     bool
	}{
		{"kubectl", list, true},
		{"items indented", indented, true},
		{"CRLF, comment, fields after items", crlf, true},
		{"syntax errors", bad, true},
		{"anchors", strings.Replace(list, "  kind: Service\n", "  kind: &k Service\n", 1), false},
		{"small", meshList(10), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(split("list.yaml", tc.doc)) > 1; got != tc.split {
				t.Fatalf("split into items: %v, want %v", got, tc.split)
			}
			wr, we := decodeWhole("list.yaml", tc.doc)
			gr, ge := Bytes("list.yaml", []byte(tc.doc), Options{})
			if tc.name != "syntax errors" && (len(wr) < 10 || len(gr) != len(wr)) {
				t.Fatalf("%d resources from the items, %d from the whole List", len(gr), len(wr))
			}
			if tc.name == "syntax errors" {
				// The whole List is lost to its first error; cut into items,
				// only the broken items are.
				if len(we) != 1 || len(ge) != 3 || ge[0] != we[0] || len(wr) != 0 || len(gr) != len(all)-3 {
					t.Fatalf("from the items %d resources, errors %v; from the whole List %d resources, errors %v", len(gr), ge, len(wr), we)
				}
				return
			}
			if fmt.Sprint(ge) != fmt.Sprint(we) {
				t.Errorf("input errors from the items:\n%v\nfrom the whole List:\n%v", ge, we)
			}
			for i := range wr {
				if w, g := summary(wr[i]), summary(gr[i]); w != g {
					t.Fatalf("resource %d from the items:\n%s\nfrom the whole List:\n%s", i, g, w)
				}
			}
		})
	}
}

// summary is a resource as the checks and the output see it: its object,
// problems and the positions of a few fields.
func summary(r *lint.Resource) string {
	obj, _ := json.Marshal(r.Object)
	s := fmt.Sprintf("%s %s %v", r.Kind, obj, r.Problems)
	for _, p := range []string{"", "metadata.name", "spec", "spec.http[0].retries", "spec.ports[0].name", "spec.trafficPolicy.tls.mode", "spec.nothere"} {
		s += fmt.Sprintf(" %s@%+v", p, r.Locate(p))
	}
	return s
}

func TestHasAnchorOrAlias(t *testing.T) {
	for s, want := range map[string]bool{
		"a: &x 1": true, "b: *x": true, "- *x": true, "[*x]": true, "&x": true, "{a: *x}": true,
		`hosts: ["*.example.com", "*"]`: false, "hosts: ['*']": false, "a: b&c": false, "a: x*y": false, "- * ": false, "a: *": false,
	} {
		if got := hasAnchorOrAlias(s); got != want {
			t.Errorf("hasAnchorOrAlias(%q) = %v, want %v", s, got, want)
		}
	}
}
