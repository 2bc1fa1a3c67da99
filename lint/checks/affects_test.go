package checks_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
)

// readRecorder records every resource a check is handed through the view.
type readRecorder struct {
	lint.View
	read map[*lint.Resource]bool
}

func (v *readRecorder) note(rs ...*lint.Resource) {
	for _, r := range rs {
		if r != nil {
			v.read[r] = true
		}
	}
}

func (v *readRecorder) Get(k lint.Key) *lint.Resource {
	r := v.View.Get(k)
	v.note(r)
	return r
}

func (v *readRecorder) Variants(k lint.Key) []*lint.Resource {
	rs := v.View.Variants(k)
	v.note(rs...)
	return rs
}

func (v *readRecorder) List(kind lint.Kind) []*lint.Resource {
	rs := v.View.List(kind)
	v.note(rs...)
	return rs
}

func (v *readRecorder) Lookup(t *lint.Table, key string) []*lint.Resource {
	rs := v.View.Lookup(t, key)
	v.note(rs...)
	return rs
}

// TestAffectsCoversReads: for every firing fixture, every other resource a
// check read while reporting on a target T maps back to T through the
// check's Affects, so that the webhook, which re-checks Affects(changed) on
// admission, hears about every finding a change can cause elsewhere.
// Removing any mapping makes this fail.
func TestAffectsCoversReads(t *testing.T) {
	for _, c := range checks.Registry() {
		t.Run(c.Name, func(t *testing.T) {
			for _, f := range fixtures(t, c) {
				if !strings.HasPrefix(filepath.Base(f.path), "fire_") {
					continue
				}
				lf := loadFixture(t, c, f)
				for _, target := range lf.resources {
					if !slices.Contains(c.Kinds, target.Kind) {
						continue
					}
					rec := &readRecorder{View: lf.ix, read: map[*lint.Resource]bool{}}
					if len(lf.runner.Run(rec, []*lint.Resource{target})) == 0 {
						continue
					}
					for r := range rec.read {
						if r.Key() == target.Key() || !slices.Contains(c.Reads, r.Kind) && !slices.Contains(c.Kinds, r.Kind) {
							continue
						}
						if c.Affects == nil {
							t.Errorf("%s: %s read %s while reporting on %s but declares no Affects", f.path, c.ID, r, target)
							continue
						}
						if !slices.ContainsFunc(c.Affects(lf.ix, r), func(x *lint.Resource) bool { return x.Key() == target.Key() }) {
							t.Errorf("%s: %s read %s while reporting on %s, but Affects(%s) does not return %s: the webhook would miss what a change to it causes",
								f.path, c.ID, r, target, r, target)
						}
					}
				}
			}
		})
	}
}
