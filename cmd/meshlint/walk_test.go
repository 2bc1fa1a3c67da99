package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeTree writes files (path -> contents) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runCLITimeout is runCLI that fails the test instead of hanging.
func runCLITimeout(t *testing.T, d time.Duration, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runCLI(t, "", args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(d):
		t.Fatalf("meshlint %s did not finish in %s", strings.Join(args, " "), d)
	}
	return result{}
}

// TestWalkHardening: the file walk reads regular files only, with bounded
// reads; everything else is an error that names the path, and the walk goes
// on to the files after it.
func TestWalkHardening(t *testing.T) {
	vs := readFile(t, "testdata/broken/good.yaml") // fires ML004

	t.Run("symlinked directory given as a path", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"real/vs.yaml": vs})
		link := filepath.Join(dir, "link")
		if err := os.Symlink(filepath.Join(dir, "real"), link); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, "", "-o", "json", link)
		o := parseJSON(t, r.stdout)
		if r.code != 1 || o.Summary.Files != 1 || !hasCheck(o, "ML004") {
			t.Errorf("status %d, summary %+v, findings %v; want 1 with ML004 from link/vs.yaml", r.code, o.Summary, findingIDs(o))
		}
		if len(o.Findings) > 0 && o.Findings[0].File != filepath.Join(link, "vs.yaml") {
			t.Errorf("finding file %q, want %q", o.Findings[0].File, filepath.Join(link, "vs.yaml"))
		}
	})

	t.Run("FIFO named x.yaml", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"z/vs.yaml": vs})
		fifo := filepath.Join(dir, "x.yaml")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		r := runCLITimeout(t, 10*time.Second, "-o", "json", dir)
		o := parseJSON(t, r.stdout)
		if r.code != 2 || len(o.Errors) != 1 || o.Errors[0].File != fifo || !strings.Contains(o.Errors[0].Message, "not a regular file") {
			t.Errorf("status %d, errors %+v; want 2 and one 'not a regular file' error on %s", r.code, o.Errors, fifo)
		}
		if !hasCheck(o, "ML004") {
			t.Errorf("the walk stopped at the FIFO: findings %v", findingIDs(o))
		}
	})

	t.Run("yaml symlink to /dev/zero", func(t *testing.T) {
		if _, err := os.Stat("/dev/zero"); err != nil {
			t.Skip("no /dev/zero")
		}
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"z/vs.yaml": vs})
		zero := filepath.Join(dir, "zero.yaml")
		if err := os.Symlink("/dev/zero", zero); err != nil {
			t.Fatal(err)
		}
		r := runCLITimeout(t, 10*time.Second, "-o", "json", dir)
		o := parseJSON(t, r.stdout)
		if r.code != 2 || len(o.Errors) != 1 || o.Errors[0].File != zero {
			t.Errorf("status %d, errors %+v; want 2 and one error on %s", r.code, o.Errors, zero)
		}
		if !hasCheck(o, "ML004") {
			t.Errorf("the walk stopped at /dev/zero: findings %v", findingIDs(o))
		}
		// Named on the command line, a device is read with a bound too.
		r = runCLITimeout(t, 10*time.Second, "-o", "json", zero)
		if o := parseJSON(t, r.stdout); r.code != 2 || len(o.Errors) != 1 || o.Errors[0].File != zero {
			t.Errorf("named: status %d, errors %+v; want 2 and one error on %s", r.code, o.Errors, zero)
		}
	})

	t.Run("unreadable subdirectory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads any directory; covered by lint/load's TestWalkUnreadableDirectory")
		}
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"a/x.yaml": "", "z/vs.yaml": vs})
		locked := filepath.Join(dir, "a")
		if err := os.Chmod(locked, 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(locked, 0o755)
		r := runCLI(t, "", "-o", "json", dir)
		o := parseJSON(t, r.stdout)
		if r.code != 2 || len(o.Errors) != 1 || o.Errors[0].File != locked {
			t.Errorf("status %d, errors %+v; want 2 and one error on %s", r.code, o.Errors, locked)
		}
		if !hasCheck(o, "ML004") {
			t.Errorf("the walk stopped at the unreadable directory: findings %v", findingIDs(o))
		}
	})
}
