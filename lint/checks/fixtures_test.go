package checks_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/meshlint/meshlint/config"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

var update = flag.Bool("update", false, "rewrite the want sections of lint/checks/testdata fixtures")

// A fixture is a txtar archive under testdata/<check-name>/:
//
//	comment: what the case covers (which CHECKS.md line)
//	-- options --        optional: full=true (whole-cluster visibility), namespace=NS
//	-- .meshlint.yaml -- optional: the config file
//	-- NAME.yaml --      one or more manifests (.yaml, .yml, .json)
//	-- want --           expected findings of that check, one per line:
//	                     FILE:LINE:COL: SEVERITY: MESSAGE
//
// Files named fire_*.txtar must produce findings, quiet_*.txtar none.
type fixture struct {
	path    string
	archive *txtar.Archive
}

func fixtures(t *testing.T, c *lint.Check) []fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", c.Name, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fixture{p, a})
	}
	return out
}

// recordingView records the kinds a check touches.
type recordingView struct {
	lint.View
	kinds map[lint.Kind]bool
}

func (v *recordingView) Get(k lint.Key) *lint.Resource {
	v.kinds[k.Kind] = true
	return v.View.Get(k)
}

func (v *recordingView) Variants(k lint.Key) []*lint.Resource {
	v.kinds[k.Kind] = true
	return v.View.Variants(k)
}

func (v *recordingView) List(kind lint.Kind) []*lint.Resource {
	v.kinds[kind] = true
	return v.View.List(kind)
}

func (v *recordingView) Lookup(t *lint.Table, key string) []*lint.Resource {
	v.kinds[t.Kind] = true
	return v.View.Lookup(t, key)
}

// loadedFixture is a fixture's input as the front ends index it, with a
// runner for its check alone.
type loadedFixture struct {
	ix        *lint.Index
	resources []*lint.Resource
	runner    *lint.Runner
	errors    []string // input errors, as want lines
}

// loadFixture reads a fixture's options, config and manifests.
func loadFixture(t *testing.T, c *lint.Check, f fixture) loadedFixture {
	t.Helper()
	cfg := config.Default()
	full, ns := false, ""
	var inputs []txtar.File
	for _, file := range f.archive.Files {
		switch {
		case file.Name == "want":
		case file.Name == "options":
			for _, line := range strings.Split(strings.TrimSpace(string(file.Data)), "\n") {
				k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
				switch k {
				case "full":
					full = v == "true"
				case "namespace":
					ns = v
				case "":
				default:
					t.Fatalf("%s: unknown option %q", f.path, k)
				}
			}
		case file.Name == config.DefaultFile:
			var err error
			cfg, err = config.Parse(file.Name, file.Data, checks.Registry())
			if err != nil {
				t.Fatalf("%s: %v", f.path, err)
			}
		default:
			inputs = append(inputs, file)
		}
	}
	settings := cfg.Settings()
	for _, other := range checks.Registry() {
		if other != c {
			settings.Disabled[other.ID] = true
		}
	}
	rn, err := lint.NewRunner(checks.Registry(), settings)
	if err != nil {
		t.Fatal(err)
	}
	var lf loadedFixture
	lf.runner = rn
	opts := load.Options{DefaultNamespace: ns, Mesh: cfg.Mesh}
	for _, in := range inputs {
		rs, errs := load.Bytes(in.Name, in.Data, opts)
		lf.resources = append(lf.resources, rs...)
		for _, e := range errs {
			lf.errors = append(lf.errors, fmt.Sprintf("%s:%d: input error: %s", e.File, e.Line, e.Message))
		}
	}
	if mr := cfg.MeshResource(); mr != nil {
		lf.resources = append(lf.resources, mr) // as the CLI lints the config's mesh block
	}
	// Files are indexed as the CLI indexes them (every variant of a key
	// kept); whole-cluster fixtures as the webhook and --cluster do, one
	// object per key.
	if full {
		lf.ix = lint.NewIndex(cfg.Mesh, full, rn.Tables())
		for _, r := range lf.resources {
			lf.ix.Add(r)
		}
	} else {
		lf.ix = lint.BuildIndex(cfg.Mesh, full, rn.Tables(), lf.resources)
	}
	return lf
}

// runFixture lints a fixture with only check c enabled and returns the
// findings as want lines, and the kinds the check touched.
func runFixture(t *testing.T, c *lint.Check, f fixture) ([]string, map[lint.Kind]bool) {
	t.Helper()
	lf := loadFixture(t, c, f)
	lines := lf.errors
	rec := &recordingView{View: lf.ix, kinds: map[lint.Kind]bool{}}
	for _, fd := range lf.runner.Run(rec, lf.resources) {
		switch fd.Check {
		case c:
		case lint.InternalError:
			// Even with -update: a panic is never an expectation.
			t.Errorf("%s: %s internal error: %s", f.path, fd.Check.ID, fd.Message)
		default:
			t.Errorf("%s: finding of check %s while only %s runs", f.path, fd.Check.ID, c.ID)
		}
		pos := fd.Position()
		lines = append(lines, fmt.Sprintf("%s:%d:%d: %s: %s", pos.File, pos.Line, pos.Column, fd.Severity, fd.Message))
	}
	return lines, rec.kinds
}

func wantLines(a *txtar.Archive) []string {
	for _, f := range a.Files {
		if f.Name == "want" {
			var out []string
			for _, l := range strings.Split(string(f.Data), "\n") {
				if strings.TrimSpace(l) != "" {
					out = append(out, l)
				}
			}
			return out
		}
	}
	return nil
}

func TestFixtures(t *testing.T) {
	for _, c := range checks.Registry() {
		t.Run(c.Name, func(t *testing.T) {
			fs := fixtures(t, c)
			var fire, quiet int
			touched := map[lint.Kind]bool{}
			for _, f := range fs {
				base := filepath.Base(f.path)
				t.Run(strings.TrimSuffix(base, ".txtar"), func(t *testing.T) {
					got, kinds := runFixture(t, c, f)
					for k := range kinds {
						touched[k] = true
					}
					if *update {
						writeWant(t, f, got)
						return
					}
					if diff := cmp.Diff(wantLines(f.archive), got); diff != "" {
						t.Errorf("%s: findings differ (-want +got):\n%s", f.path, diff)
					}
				})
				switch {
				case strings.HasPrefix(base, "fire_"):
					fire++
					if len(wantLines(f.archive)) == 0 {
						t.Errorf("%s: a fire_ fixture must expect findings", f.path)
					}
				case strings.HasPrefix(base, "quiet_"):
					quiet++
					if len(wantLines(f.archive)) != 0 {
						t.Errorf("%s: a quiet_ fixture must expect no findings", f.path)
					}
				default:
					t.Errorf("%s: fixture names start with fire_ or quiet_", f.path)
				}
			}
			if fire == 0 || quiet == 0 {
				t.Errorf("%s needs firing and quiet fixtures in testdata/%s (has %d fire_, %d quiet_)", c.ID, c.Name, fire, quiet)
			}
			declared := append(slices.Clone(c.Kinds), c.Reads...)
			for k := range touched {
				if !slices.Contains(declared, k) {
					t.Errorf("%s reads %s but declares only Kinds %v, Reads %v", c.ID, k, c.Kinds, c.Reads)
				}
			}
			for _, k := range c.Reads {
				if !touched[k] {
					t.Errorf("%s declares Reads %s but no fixture made it read one", c.ID, k)
				}
			}
		})
	}
}

func writeWant(t *testing.T, f fixture, got []string) {
	t.Helper()
	data := []byte(strings.Join(got, "\n"))
	if len(got) > 0 {
		data = append(data, '\n')
	}
	found := false
	for i := range f.archive.Files {
		if f.archive.Files[i].Name == "want" {
			f.archive.Files[i].Data = data
			found = true
		}
	}
	if !found {
		f.archive.Files = append(f.archive.Files, txtar.File{Name: "want", Data: data})
	}
	out := txtar.Format(f.archive)
	if old, _ := os.ReadFile(f.path); !bytes.Equal(old, out) {
		if err := os.WriteFile(f.path, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (v *recordingView) Count(t *lint.Table, key string) int {
	v.kinds[t.Kind] = true
	return v.View.Count(t, key)
}
