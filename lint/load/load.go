// Package load reads Kubernetes manifests (YAML or JSON files, directories,
// stdin) into typed lint.Resources that remember the file, line and column
// of every field.
package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"gopkg.in/yaml.v3"

	"github.com/meshlint/meshlint/lint"
)

// Options tune decoding.
type Options struct {
	// DefaultNamespace is the namespace of resources that have none
	// ("default" when empty).
	DefaultNamespace string
	// Mesh gives the root namespace and the name of the mesh ConfigMap
	// there (`istio` unless the config says otherwise).
	Mesh lint.Mesh
	// Exclude, when set, reports whether a path met while reading (a file
	// or a directory, walked or named) is left out.
	Exclude func(path string, dir bool) bool
	// Render, when set, renders the Helm charts and kustomizations met
	// while walking; without it their files are read one by one.
	Render RenderFunc
	// MaxNodes, when positive, bounds the values of a JSON input that JSON
	// decodes, and with them its memory: every value costs a node (about
	// 200 bytes with what decoding makes of it).
	MaxNodes int
}

func (o Options) namespace() string {
	if o.DefaultNamespace == "" {
		return "default"
	}
	return o.DefaultNamespace
}

func (o Options) rootNamespace() string {
	if o.Mesh.RootNamespace == "" {
		return "istio-system"
	}
	return o.Mesh.RootNamespace
}

// InputError is an input that could not be read or parsed: a file, the
// config file, a chart to render, the cluster to read. It is the one error
// type the loader, the config and the output formats share. File is ""
// when the error is about no file (the cluster), Line 0 when it is about
// the whole file, Column 0 when only the line is known.
type InputError struct {
	File    string
	Line    int
	Column  int
	Message string
}

// Where is the error's place as Error writes it: file:line:column,
// file:line, the file alone, or "" when there is no file.
func (e InputError) Where() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return e.File
}

// Error returns "file:line:column: message", leaving out what is not
// known.
func (e InputError) Error() string {
	if w := e.Where(); w != "" {
		return w + ": " + e.Message
	}
	return e.Message
}

// Result is what a load produced: the resources in input order, the input
// errors, and how many files were read.
type Result struct {
	Resources []*lint.Resource
	Errors    []InputError
	Files     int
	// Skipped are the documents that are not Kubernetes objects (a values
	// file, a CI workflow, a tsconfig.json), left out without an error.
	Skipped []Skipped
	// Rendered says, for resources rendered from a Helm chart or built
	// from a kustomization, how they were produced ("helm chart chart/
	// with values chart/values.yaml").
	Rendered map[*lint.Resource]string
	// Variants are units to lint on their own beside Resources: the
	// further renderings of a chart (one per ci/*-values.yaml file) and
	// each kustomization's build.
	Variants []Variant
}

// A Variant is a unit linted on its own: one more rendering of a chart,
// whose resources stand in for the chart's first rendering, or a
// kustomization's build (Replaces is empty).
type Variant struct {
	// Replaces are the resources of the chart's first rendering.
	Replaces  []*lint.Resource
	Resources []*lint.Resource
}

// Skipped is a document that was not linted: it is not a Kubernetes
// object, or it is a template that a tool renders before applying it.
type Skipped struct {
	File   string
	Line   int
	Reason string
}

// StdinName is how standard input is named in positions and errors.
const StdinName = "-"

// MaxInputBytes bounds the size of one input (a file or stdin): a symlink
// to /dev/zero or a runaway generator is an error, not an out-of-memory.
// The largest benchmark corpus (100k resources) is 43 MB in all.
var MaxInputBytes int64 = 128 << 20

// input is one file's text (or stdin's, or a rendered template's).
type input struct {
	name string
	data string
	// note, when set, is how the input's resources were rendered.
	note string
	// noLines: the text is not the file's own (kustomize re-serialises),
	// so positions name the file without a line.
	noLines bool
	// group numbers the renderings that are variants of one chart; 0 for
	// everything else.
	group, variant int
}

// Paths loads files, directories (recursively: *.yaml, *.yml, *.json) and
// "-" for stdin. Unreadable paths and unparseable documents become
// InputErrors; everything else is still loaded. With Options.Render set,
// a directory holding a Chart.yaml or a kustomization is rendered instead
// of being read file by file.
func Paths(paths []string, stdin io.Reader, opts Options) *Result {
	res := &Result{}
	w := &walker{opts: opts, res: res}
	for _, p := range paths {
		if p == StdinName {
			data, err := readBounded(stdin)
			if err != nil {
				res.Errors = append(res.Errors, InputError{File: StdinName, Message: fmt.Sprintf("reading stdin: %v", err)})
				continue
			}
			w.inputs = append(w.inputs, input{name: StdinName, data: ownedString(data)})
			continue
		}
		w.path(p)
	}
	w.buildKustomizations()
	inputs := w.inputs
	res.Files = len(inputs)

	// Split every input into documents, then decode the documents in
	// parallel: parsing dominates the cost of a run.
	var chunks []chunk
	ends := make([]int, len(inputs)) // the chunks of input i end at ends[i]
	for i, in := range inputs {
		cs := split(in.name, in.data)
		if in.note == "" {
			cs = sourced(cs, sourceResolver(in.name))
		}
		chunks = append(chunks, cs...)
		ends[i] = len(chunks)
	}
	out := make([]chunkResult, len(chunks))
	parallel(len(chunks), func(i int) {
		out[i] = decodeChunk(chunks[i], opts)
	})
	variants := map[[2]int]*Variant{}
	firsts := map[int][]*lint.Resource{}
	for i, owner := 0, 0; i < len(out); i++ {
		r := out[i]
		for ends[owner] <= i {
			owner++
		}
		in := inputs[owner]
		if len(r.resources) == 0 && len(r.errors) > 0 && !looksLikeObject(chunks[i].data) {
			// A document that does not parse and names no apiVersion or
			// kind (JSON with comments, a template of some other tool)
			// is not a Kubernetes object: skipped like one that parses.
			res.Skipped = append(res.Skipped, Skipped{File: chunks[i].file, Line: r.errors[0].Line,
				Reason: "does not parse and is not a Kubernetes object: " + r.errors[0].Message})
			continue
		}
		res.Errors = append(res.Errors, r.errors...)
		res.Skipped = append(res.Skipped, r.skipped...)
		for _, rs := range r.resources {
			if in.noLines {
				rs.Locator = fileOnly{rs.Locator}
			}
			if in.note != "" {
				if res.Rendered == nil {
					res.Rendered = map[*lint.Resource]string{}
				}
				res.Rendered[rs] = in.note
				rs.Unit = in.note
			}
		}
		if in.variant > 0 {
			k := [2]int{in.group, in.variant}
			if variants[k] == nil {
				variants[k] = &Variant{}
			}
			variants[k].Resources = append(variants[k].Resources, r.resources...)
			continue
		}
		if in.group > 0 {
			firsts[in.group] = append(firsts[in.group], r.resources...)
		}
		res.Resources = append(res.Resources, r.resources...)
	}
	// Variants in the order they were met.
	var keys [][2]int
	for k := range variants {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		v := variants[k]
		v.Replaces = firsts[k[0]]
		res.Variants = append(res.Variants, *v)
	}
	return res
}

// fileOnly is a locator that names the file but no line: the text it was
// decoded from is not the file's own.
type fileOnly struct{ l lint.Locator }

func (f fileOnly) Locate(path string) lint.Position {
	return lint.Position{File: f.l.Locate(path).File}
}

// objectKey matches a top-level apiVersion or kind key, in YAML or JSON.
var objectKey = regexp.MustCompile(`(?m)^(?:\s*\{)?\s*["']?(?:apiVersion|kind)["']?\s*:`)

// looksLikeObject reports whether a document that did not parse names an
// apiVersion or a kind, so that it was meant as a Kubernetes object.
func looksLikeObject(data string) bool {
	return objectKey.MatchString(data)
}

// sourceLine matches the comment `helm template` writes before each
// document: "# Source: chart/templates/vs.yaml".
var sourceLine = regexp.MustCompile(`^#\s*Source:\s*(\S.*?)\s*$`)

// sourceResolver returns how the `# Source:` comments of the input named
// name are followed. On stdin or a pipe (helm template | meshlint -), whose
// text is in no file, every one names the file of the documents after it.
// In a file on disk (helm template output committed to a repository) only
// one that names a file which exists does, relative to the working
// directory or to a directory the input is in, since a finding must point
// at something the user can open; the others leave the documents in the
// input itself.
func sourceResolver(name string) func(src string) (string, bool) {
	if name == StdinName {
		return func(src string) (string, bool) { return src, true }
	}
	if st, err := os.Stat(name); err == nil && !st.Mode().IsRegular() {
		return func(src string) (string, bool) { return src, true }
	}
	// Rendered output names the same template once per document: each is
	// looked for on disk once.
	found := map[string]string{}
	return func(src string) (string, bool) {
		p, ok := found[src]
		if !ok {
			p = findSource(name, src)
			found[src] = p
		}
		return p, p != ""
	}
}

// findSource returns src as a regular file from the working directory or
// from a directory the input name is in, or "".
func findSource(name, src string) string {
	if regularFile(src) {
		return src
	}
	for dir := filepath.Dir(name); ; dir = filepath.Dir(dir) {
		if p := filepath.Join(dir, src); regularFile(p) {
			return p
		}
		if parent := filepath.Dir(dir); parent == dir || dir == "." {
			return ""
		}
	}
}

func regularFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// sourced names the documents of an input after the `# Source: path`
// comment that heads them (helm template output), with lines counted from
// the line after the comment; documents after one so named, without their
// own comment, keep its name and go on counting. A comment that resolve
// refuses leaves the documents where they are, in the input itself.
func sourced(cs []chunk, resolve func(string) (string, bool)) []chunk {
	src, base := "", 0
	for i := range cs {
		c := &cs[i]
		if name, cut, ok := sourceComment(c.data); ok {
			if name, ok = resolve(name); !ok {
				src = ""
				continue
			}
			src, base = name, c.line+cut
			c.file, c.data, c.line = name, c.data[offsetOfLine(c.data, cut):], 0
			continue
		}
		if src != "" {
			c.file, c.line = src, c.line-base
		}
	}
	return cs
}

// sourceComment finds a `# Source:` comment among the leading comment
// lines of a document (after its "---"), and returns the path it names and
// how many lines, the comment included, precede the document's content.
func sourceComment(data string) (string, int, bool) {
	off := 0
	for line := 0; off < len(data) && line < 20; line++ {
		end := len(data)
		if j := strings.IndexByte(data[off:], '\n'); j >= 0 {
			end = off + j + 1
		}
		l := strings.TrimRight(data[off:end], "\r\n")
		switch t := strings.TrimSpace(l); {
		case line == 0 && isDocMarker(l+"\n"):
		case t == "":
		case strings.HasPrefix(t, "#"):
			if m := sourceLine.FindStringSubmatch(t); m != nil && isHelmSource(m[1]) {
				return m[1], line + 1, true
			}
		default:
			return "", 0, false
		}
		off = end
	}
	return "", 0, false
}

// isHelmSource reports whether a `# Source:` comment names a template the
// way helm does (chart/templates/x.yaml, chart/charts/sub/templates/x.yaml),
// not a URL or a note a person wrote ("# Source: copied from the Istio
// docs"), which would send findings to a file that is not there.
func isHelmSource(p string) bool {
	return !strings.Contains(p, "://") && !strings.ContainsAny(p, " \t") && !strings.HasPrefix(p, "/") &&
		strings.Contains(p, "/templates/")
}

// offsetOfLine is the byte offset of 0-based line n of data.
func offsetOfLine(data string, n int) int {
	off := 0
	for ; n > 0; n-- {
		j := strings.IndexByte(data[off:], '\n')
		if j < 0 {
			return len(data)
		}
		off += j + 1
	}
	return off
}

// ownedString views a buffer that nothing else holds as a string without
// copying it: the text of a large input then exists once in memory, shared
// by the decoded resources' strings and the locators that re-read it.
func ownedString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readBounded reads r to its end, or fails past MaxInputBytes.
func readBounded(r io.Reader) ([]byte, error) { return readSized(r, 0) }

// readSized is readBounded with the expected size (a regular file's), so
// that the buffer is allocated once, as os.ReadFile does, instead of
// doubling its way up: the inputs are most of a run's memory.
func readSized(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > MaxInputBytes {
		size = 512
	}
	data := make([]byte, 0, size+1) // +1: EOF is seen without growing
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if int64(len(data)) > MaxInputBytes {
			return nil, fmt.Errorf("larger than %d MiB; not read", MaxInputBytes>>20)
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, unwrapPathError(err)
		}
	}
}
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// chunk is one YAML document of a file (or a whole JSON file), with the
// line it starts on.
type chunk struct {
	file string
	data string
	line int // 0-based line offset of data in the file
	col  int // columns cut from the left of data (the items of a List)
}

const bom = "\xef\xbb\xbf"

// split cuts a file into its YAML documents at "---" lines, so that a
// syntax error in one document does not lose the others and documents can
// be parsed in parallel. A "---" at the start of a line is always a
// document marker in YAML, even inside block scalars.
func split(name string, data string) []chunk {
	var out []chunk
	for _, c := range splitDocuments(name, data) {
		out = append(out, splitList(c)...)
	}
	return out
}

// splitDocuments is split without cutting Lists into their items.
func splitDocuments(name string, data string) []chunk {
	data = strings.TrimPrefix(data, bom)
	if isJSON(data) {
		return []chunk{{file: name, data: data}}
	}
	var chunks []chunk
	start, startLine, line := 0, 0, 0
	for i := 0; i < len(data); {
		j := strings.IndexByte(data[i:], '\n')
		end := len(data)
		if j >= 0 {
			end = i + j + 1
		}
		l := data[i:end]
		if i > start && isDocMarker(l) {
			chunks = append(chunks, chunk{file: name, data: data[start:i], line: startLine})
			start, startLine = i, line
		}
		line++
		i = end
	}
	if start < len(data) {
		chunks = append(chunks, chunk{file: name, data: data[start:], line: startLine})
	}
	return chunks
}

// minListSplit is the size from which splitList cuts a List into its
// items: below it, one parse of the whole document is cheap.
const minListSplit = 1 << 20

// hasAnchorOrAlias reports whether s may hold a YAML anchor or alias: an
// & or * that starts a word, and is followed by more than punctuation
// (plain text that looks like one counts too).
func hasAnchorOrAlias(s string) bool {
	for i := 0; ; i++ {
		j := strings.IndexAny(s[i:], "&*")
		if j < 0 {
			return false
		}
		i += j
		before := i == 0 || strings.IndexByte(" \t\r\n[{,:-", s[i-1]) >= 0
		after := i+1 < len(s) && strings.IndexByte(" \t\r\n]},", s[i+1]) < 0
		if before && after {
			return true
		}
	}
}

// splitList cuts a large block-style `kind: List` document (kubectl get
// -o yaml) into one chunk per item, each dedented to stand alone. Read as
// one document, a 58 MB List was one node tree of several times its size,
// built on one core, and built again to locate findings (70 s and 1.5 GB
// where the same resources in many documents take 2 s). The items decode
// as the List would (object reads each item of a List as a top-level
// object), in parallel, with their lines and columns in the file. Anything
// unusual (anchors and aliases, which may cross items; flow style or tabs
// at the top level; a misaligned item) leaves the document whole.
func splitList(c chunk) []chunk {
	if len(c.data) < minListSplit || hasAnchorOrAlias(c.data) {
		return []chunk{c}
	}
	whole := []chunk{c}
	lines := strings.SplitAfter(c.data, "\n")
	type span struct{ start, end int }
	var items []span
	isList, inItems, sawItems := false, false, false
	itemIndent := -1
	for i, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		text := strings.TrimLeft(t, " ")
		if text == "" || text[0] == '#' {
			continue
		}
		if text[0] == '\t' || text[0] == '%' {
			return whole
		}
		indent := len(t) - len(text)
		if inItems {
			if itemIndent < 0 {
				itemIndent = indent
			}
			isDashLine := text == "-" || strings.HasPrefix(text, "- ")
			switch {
			case indent == itemIndent && isDashLine:
				if len(items) > 0 {
					items[len(items)-1].end = i
				}
				items = append(items, span{start: i})
				continue
			case indent > itemIndent && len(items) > 0:
				continue
			case indent != 0:
				return whole
			}
			inItems = false
			items[len(items)-1].end = i
		}
		if indent > 0 {
			continue // inside another top-level field (metadata)
		}
		key, value, ok := strings.Cut(text, ":")
		if !ok || strings.ContainsAny(key[:1], "{[&*!?|>'\"-") || value != "" && value[0] != ' ' {
			return whole
		}
		value = strings.TrimSpace(value)
		switch key {
		case "items":
			if sawItems || value != "" {
				return whole
			}
			sawItems, inItems = true, true
		case "kind":
			isList = value == "List" || strings.HasSuffix(value, "List")
		}
	}
	if inItems && len(items) > 0 {
		items[len(items)-1].end = len(lines)
	}
	if !isList || len(items) == 0 {
		return whole
	}
	out := make([]chunk, 0, len(items))
	for _, it := range items {
		first := strings.TrimRight(lines[it.start], "\r\n")[itemIndent+1:]
		rest := strings.TrimLeft(first, " ")
		if rest == "" || rest[0] == '#' || rest[0] == '-' {
			return whole // an empty item, or a list in a list
		}
		cut := itemIndent + 1 + len(first) - len(rest)
		var b strings.Builder
		b.WriteString(rest)
		b.WriteString(lines[it.start][len(strings.TrimRight(lines[it.start], "\r\n")):])
		for _, l := range lines[it.start+1 : it.end] {
			t := strings.TrimRight(l, "\r\n")
			text := strings.TrimLeft(t, " ")
			switch indent := len(t) - len(text); {
			case indent >= cut:
				b.WriteString(l[cut:])
			case text == "" || text[0] == '#':
				b.WriteString(l[len(t):]) // the line break alone
			default:
				return whole
			}
		}
		out = append(out, chunk{file: c.file, data: b.String(), line: c.line + it.start, col: c.col + cut})
	}
	return out
}

func isDocMarker(l string) bool {
	if !strings.HasPrefix(l, "---") {
		return false
	}
	return len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r'
}

func isJSON(data string) bool {
	t := strings.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

type chunkResult struct {
	resources []*lint.Resource
	errors    []InputError
	skipped   []Skipped
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// shiftLine rewrites "line N" in a yaml error message by off lines, and
// returns the line it names.
func shiftLine(msg string, off int) (string, int) {
	line := 0
	msg = yamlLine.ReplaceAllStringFunc(msg, func(s string) string {
		n, _ := strconv.Atoi(s[5:])
		line = n + off
		return "line " + strconv.Itoa(line)
	})
	return strings.TrimPrefix(msg, "yaml: "), line
}

func decodeChunk(c chunk, opts Options) chunkResult {
	var res chunkResult
	src := newSource(c.data)
	src.col = c.col
	if isJSON(c.data) {
		// JSON (kubectl get -o json) is YAML's flow style, which yaml.v3
		// reads slowly: the JSON parser builds the same tree. Input it
		// refuses (YAML flow style, a syntax error, too deep) is left to
		// yaml.v3, which says what is wrong with it.
		if root, err := parseJSON(c.data, 0); err == nil {
			src.json = true
			d := &docDecoder{loc: &locator{file: c.file, offset: c.line, data: src, item: -1}, opts: opts, res: &res}
			d.object(root, "")
			return res
		}
	}
	if withFastParse(c.data, func(root *yaml.Node) {
		d := &docDecoder{loc: &locator{file: c.file, offset: c.line, data: src, item: -1}, opts: opts, res: &res}
		d.object(root, "")
	}) {
		return res
	}
	dec := yaml.NewDecoder(strings.NewReader(c.data))
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			msg, line := shiftLine(err.Error(), c.line)
			if line == 0 {
				line = c.line + 1
			}
			msg = stripLinePrefix(msg)
			line = c.line + errorLine(c.data, msg, line-c.line)
			res.errors = append(res.errors, InputError{File: c.file, Line: line, Message: "invalid YAML: " + msg})
			break
		}
		root := deref(&doc)
		if root.Kind == yaml.DocumentNode {
			if len(root.Content) == 0 {
				continue
			}
			root = deref(root.Content[0])
		}
		if isNull(root) {
			continue
		}
		if aliasExpansion(root, maxExpandedNodes) > maxExpandedNodes {
			res.errors = append(res.errors, InputError{File: c.file, Line: root.Line + c.line,
				Message: fmt.Sprintf("document expands YAML aliases to more than %d nodes; not decoded", maxExpandedNodes)})
			continue
		}
		d := &docDecoder{loc: &locator{file: c.file, offset: c.line, data: src, doc: i, item: -1}, opts: opts, res: &res}
		d.object(root, "")
	}
	return res
}

// maxErrorLineProbes and maxErrorLineBytes bound how many prefixes, and
// how many bytes in all, errorLine parses: well under a second, and only
// for a broken document.
const (
	maxErrorLineProbes = 200
	maxErrorLineBytes  = 8 << 20
)

// errorLine finds the line of a YAML syntax error. yaml.v3 reports a
// parser error at the line where the construct it was parsing began (a
// flow sequence, the block mapping above), and an unknown alias at no line
// at all, so the line it gives can be well above the mistake. The mistake
// is on the first line whose end, as the end of the input, already gives
// the same error: prefixes are parsed from the reported line on, a bounded
// number of times and bytes. It returns the reported line when no prefix
// agrees.
func errorLine(data, msg string, reported int) int {
	start := max(reported, 1)
	// The offset just past line start-1.
	off := 0
	for l := 1; l < start; l++ {
		i := strings.IndexByte(data[off:], '\n')
		if i < 0 {
			return reported
		}
		off += i + 1
	}
	parsed := 0
	for l, probes := start, 0; off < len(data) && probes < maxErrorLineProbes; l, probes = l+1, probes+1 {
		end := len(data)
		if i := strings.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i + 1
		}
		if parsed += end; parsed > maxErrorLineBytes {
			break
		}
		if prefixError(data[:end]) == msg {
			return l
		}
		off = end
	}
	return reported
}

// prefixError is the message (without "yaml: line N:") of the first error
// yaml.v3 finds in data, or "".
func prefixError(data string) string {
	dec := yaml.NewDecoder(strings.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			return ""
		}
		if err != nil {
			msg, _ := shiftLine(err.Error(), 0)
			return stripLinePrefix(msg)
		}
	}
}

// maxExpandedNodes bounds the nodes that following a document's YAML
// aliases adds to it, so that a "billion laughs" document (aliases of
// aliases) cannot make the decoder, which follows aliases, run for ever.
// The document's own nodes do not count: their cost is paid by parsing,
// and a large document without aliases is no bomb. Real manifests are far
// below it.
const maxExpandedNodes = 200_000

// aliasExpansion counts the nodes that following the aliases of n adds to
// the nodes n holds, stopping once the count passes limit. The expanded
// size of each node inside an alias target is computed once, so the count
// costs the size of the tree, however much its aliases would expand.
func aliasExpansion(n *yaml.Node, limit int) int {
	sat := func(x int) int { return min(x, limit+1) }
	memo := map[*yaml.Node]int{}
	// size is the node count of n with aliases followed, saturated past
	// limit.
	var size func(n *yaml.Node) int
	size = func(n *yaml.Node) int {
		if n == nil {
			return 0
		}
		if n.Kind == yaml.AliasNode {
			return size(n.Alias)
		}
		if len(n.Content) == 0 {
			return 1
		}
		if s, ok := memo[n]; ok {
			return s
		}
		s := 1
		for _, c := range n.Content {
			s = sat(s + size(c))
		}
		memo[n] = s
		return s
	}
	extra := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || extra > limit {
			return
		}
		if n.Kind == yaml.AliasNode {
			extra = sat(extra + size(n.Alias))
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return extra
}

// stripLinePrefix turns "line 7: mapping values are not allowed in this
// context" into the message alone; the line is carried separately.
func stripLinePrefix(msg string) string {
	if strings.HasPrefix(msg, "line ") {
		if i := strings.Index(msg, ": "); i > 0 {
			return msg[i+2:]
		}
	}
	return msg
}
