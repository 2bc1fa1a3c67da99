package load

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/meshlint/meshlint/internal/meshgen"
)

// sameTree reports the first difference between the tree yaml.v3 built
// and the fast parser's, ignoring comments.
func sameTree(want, got *yaml.Node, path string) error {
	if want.Kind != got.Kind || want.Tag != got.Tag || want.Value != got.Value || want.Style != got.Style ||
		want.Line != got.Line || want.Column != got.Column || len(want.Content) != len(got.Content) {
		return fmt.Errorf("%s: yaml.v3 has {kind %v tag %s value %q style %v at %d:%d, %d children}, fast parser {kind %v tag %s value %q style %v at %d:%d, %d children}",
			path, want.Kind, want.Tag, want.Value, want.Style, want.Line, want.Column, len(want.Content),
			got.Kind, got.Tag, got.Value, got.Style, got.Line, got.Column, len(got.Content))
	}
	for i := range want.Content {
		if err := sameTree(want.Content[i], got.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkAgainstYAMLv3 fails when the fast parser accepts a document that
// yaml.v3 rejects or reads differently.
func checkAgainstYAMLv3(t *testing.T, doc []byte) (accepted bool) {
	t.Helper()
	got, ok := fastParse(string(doc))
	if !ok {
		return false
	}
	var want yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(doc)).Decode(&want)
	if err != nil && err != io.EOF {
		t.Fatalf("fast parser accepted a document yaml.v3 rejects (%v):\n%s", err, doc)
	}
	if err == io.EOF || len(want.Content) == 0 {
		t.Fatalf("fast parser accepted a document yaml.v3 finds empty:\n%s", doc)
	}
	if err := sameTree(want.Content[0], got, ""); err != nil {
		t.Fatalf("%v\ndocument:\n%s", err, doc)
	}
	return true
}

var fastCases = []string{
	"a: 1\n",
	"apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  labels:\n    app: x\nspec:\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n",
	"a:\n- 1\n- two\n-   three: 3\n    four: 4\nb: ~\n",
	"a:\nb: null\nc: true\nd: False\ne: 1.5\nf: .5\ng: 0x1F\nh: 1_000\ni: -3\nj: 10s\nk: 1.2.3\nl: +1\n",
	"a: \"quoted: yes\" # comment\nb: 'it''s'\nc: plain # comment\nd: a#b\n",
	"---\na:\n  b:\n    c: d\n\n# comment\n  # indented comment\ne: f\r\n",
	"list:\n  - a\n  - b\nx: http://example.com:8080/path\n",
	"a:\n  - name: x\n    value:\n      - 1\n      - 2\n  - name: y\n",
	"k: v\n80: port\ntrue: yes\n",
	"k:   spaced   \n",
	"a:\n    b: deep\nc: d\n",
}

func TestFastParseMatchesYAMLv3(t *testing.T) {
	for i, c := range fastCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if !checkAgainstYAMLv3(t, []byte(c)) {
				t.Errorf("fast parser declined a document in its subset:\n%s", c)
			}
		})
	}
}

// Outside the subset the fast parser must decline, so that yaml.v3 parses
// (or reports) the document.
func TestFastParseDeclines(t *testing.T) {
	for _, c := range []string{
		"a: [1, 2]\n", "a: {b: c}\n", "a: |\n  text\n", "a: &x 1\nb: *x\n", "a: !!str 1\n",
		"a: b\n  c\n", "a: 1\na: 2\n", "a: b: c\n", "a:\n\t- b\n", "- a\n- b\n- - c\n",
		"a: \"esc\\n\"\n", "a: 2001-12-14\n", "a: \"unterminated\n", "plain scalar\n",
		"a: 1\n b: 2\n", "<<: {a: 1}\n", "\"quoted key\": 1\n", "--- a: 1\n",
	} {
		if _, ok := fastParse(c); ok {
			t.Errorf("fast parser accepted a document outside its subset:\n%s", c)
		}
	}
}

// TestFastParseCorpus runs the differential check over every document of
// the benchmark corpus and of the repository's fixtures and examples.
func TestFastParseCorpus(t *testing.T) {
	var docs [][]byte
	for _, data := range meshgen.Files(60, 3) {
		for _, c := range split("mesh", string(data)) {
			docs = append(docs, []byte(c.data))
		}
	}
	for _, glob := range []string{"../testdata/*/*.txtar", "../../examples/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			data, _ := os.ReadFile(f)
			for _, part := range strings.Split(string(data), "\n-- ") {
				for _, c := range split(f, part) {
					docs = append(docs, []byte(c.data))
				}
			}
		}
	}
	accepted := 0
	for _, d := range docs {
		if checkAgainstYAMLv3(t, d) {
			accepted++
		}
	}
	t.Logf("fast parser took %d of %d documents", accepted, len(docs))
	if accepted == 0 {
		t.Fatal("fast parser accepted no document of the corpus")
	}
}

func FuzzFastParse(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkAgainstYAMLv3(t, doc)
	})
}

// wideMapping is a document whose one mapping has n keys.
func wideMapping(n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: wide\nspec:\n  configPatches:\n  - patch:\n      value:\n")
	for i := range n {
		fmt.Fprintf(&b, "        k%07d: 1\n", i)
	}
	return b.String()
}

// minDuration is the fastest of runs calls of f: the least disturbed by
// other work on the machine.
func minDuration(runs int, f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range runs {
		start := time.Now()
		f()
		best = min(best, time.Since(start))
	}
	return best
}

// TestFastParseWideMappingIsLinear: the parser's duplicate-key check made
// a mapping of n keys cost n² (a 720 KB EnvoyFilter of single-key lines
// took 11 s in the webhook). Sixteen times the keys must cost about
// sixteen times as much, far from the 256 times of the square.
func TestFastParseWideMappingIsLinear(t *testing.T) {
	small, large := wideMapping(4_000), wideMapping(64_000)
	for _, doc := range []string{small, large} {
		if _, ok := fastParse(doc); !ok {
			t.Fatal("fast parser declined a wide block mapping")
		}
	}
	// Duplicates are still declined (yaml.v3 keeps both) in wide mappings.
	if _, ok := fastParse(large + "        k0000001: 2\n"); ok {
		t.Error("fast parser accepted a duplicate key in a wide mapping")
	}
	if _, ok := fastParse("a: 1\nb: 2\na: 3\n"); ok {
		t.Error("fast parser accepted a duplicate key in a narrow mapping")
	}
	ts := minDuration(5, func() { fastParse(small) })
	tl := minDuration(5, func() { fastParse(large) })
	if ratio := float64(tl) / float64(ts); ratio > 64 {
		t.Errorf("16x the keys took %.0fx the time (%v vs %v): the cost grows faster than the input", ratio, tl, ts)
	}
}
