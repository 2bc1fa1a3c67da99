package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meshlint/meshlint/config"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

func TestParseExclude(t *testing.T) {
	c, err := config.Parse("c.yaml", []byte("exclude: [vendor, \"deploy/legacy/**\"]\n"), checks.Registry())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"vendor", "deploy/legacy/**"}; !slices.Equal(c.Exclude, want) {
		t.Errorf("Exclude = %q, want %q", c.Exclude, want)
	}
	for _, tc := range []struct{ data, want string }{
		{"exclude: {a: b}\n", "exclude must be a list of strings"},
		{"exclude: [\"a[b\"]\n", "unclosed ["},
	} {
		_, err := config.Parse("c.yaml", []byte(tc.data), checks.Registry())
		var ce load.InputError
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &ce) || ce.Line != 1 {
			t.Errorf("%q: error %v, want %q on line 1", tc.data, err, tc.want)
		}
	}
}

// TestFind: the config is looked up from the working directory upwards to
// the repository root, as .meshlint.yaml or .meshlint.yml.
func TestFind(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	for _, d := range []string{filepath.Join(root, ".git"), sub} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string) {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := config.Find(sub); got != "" {
		t.Errorf("Find with no config = %q", got)
	}
	write(filepath.Join(root, ".meshlint.yml"))
	if got, want := config.Find(sub), filepath.Join(root, ".meshlint.yml"); got != want {
		t.Errorf("Find = %q, want the repository root's %q", got, want)
	}
	write(filepath.Join(root, "a", ".meshlint.yaml"))
	if got, want := config.Find(sub), filepath.Join(root, "a", ".meshlint.yaml"); got != want {
		t.Errorf("Find = %q, want the nearest %q", got, want)
	}
	write(filepath.Join(sub, ".meshlint.yml"))
	if got, want := config.Find(sub), ".meshlint.yml"; got != want {
		t.Errorf("Find = %q, want %q in the working directory", got, want)
	}
	// Outside a repository, only the directory itself.
	out := t.TempDir()
	inner := filepath.Join(out, "x")
	if err := os.MkdirAll(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(out, ".meshlint.yaml"))
	if got := config.Find(inner); got != "" {
		t.Errorf("Find outside a repository = %q, want none (no repository root to stop at)", got)
	}
}
