package meshgen

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestMatchesPython proves the Go generator writes what the shared Python
// tool writes, so the figures in docs/performance.md hold for either corpus.
func TestMatchesPython(t *testing.T) {
	script := filepath.Join("..", "..", "..", "shared", "tools", "gen_mesh.py")
	if _, err := os.Stat(script); err != nil {
		t.Skipf("shared tools not beside the repo: %v", err)
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	dir := t.TempDir()
	if out, err := exec.Command("python3", script, "120", dir, "4").CombinedOutput(); err != nil {
		t.Fatalf("gen_mesh.py: %v\n%s", err, out)
	}
	got := Files(120, 4)
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(got) {
		t.Fatalf("python wrote %d files, Go %d", len(entries), len(got))
	}
	for _, e := range entries {
		want, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if !bytes.Equal(want, got[e.Name()]) {
			t.Errorf("%s differs from gen_mesh.py output", e.Name())
		}
	}
}
