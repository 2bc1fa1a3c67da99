package checks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/meshlint/meshlint/internal/meshgen"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// corpus writes the gen_mesh corpus of n services once per process.
var corpora = map[int]string{}

func corpus(b *testing.B, services int) string {
	b.Helper()
	if dir, ok := corpora[services]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", fmt.Sprintf("meshlint-bench-%d-", services))
	if err != nil {
		b.Fatal(err)
	}
	if err := meshgen.Write(dir, services, 20); err != nil {
		b.Fatal(err)
	}
	corpora[services] = dir
	return dir
}

func corpusBytes(b *testing.B, dir string) int64 {
	var n int64
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		st, _ := os.Stat(f)
		n += st.Size()
	}
	return n
}

// benchLint measures the whole offline pipeline the CLI runs: read and
// decode the files, index, run every check.
func benchLint(b *testing.B, services int) {
	dir := corpus(b, services)
	b.SetBytes(corpusBytes(b, dir))
	rn, err := lint.NewRunner(checks.Registry(), lint.Settings{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var resources, findings int
	for i := 0; i < b.N; i++ {
		res := load.Paths([]string{dir}, nil, load.Options{})
		if len(res.Errors) > 0 {
			b.Fatal(res.Errors[0])
		}
		fs := rn.Lint(lint.DefaultMesh(), false, res.Resources)
		resources, findings = len(res.Resources), len(fs)
	}
	b.ReportMetric(float64(resources), "resources")
	b.ReportMetric(float64(findings), "findings")
}

func BenchmarkLint1k(b *testing.B)   { benchLint(b, 300) }
func BenchmarkLint10k(b *testing.B)  { benchLint(b, 3000) }
func BenchmarkLint100k(b *testing.B) { benchLint(b, 30000) }

// BenchmarkLoad10k isolates reading and decoding.
func BenchmarkLoad10k(b *testing.B) {
	dir := corpus(b, 3000)
	b.SetBytes(corpusBytes(b, dir))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		load.Paths([]string{dir}, nil, load.Options{})
	}
}
