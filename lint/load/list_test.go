package load

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/meshlint/meshlint/internal/meshgen"
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
