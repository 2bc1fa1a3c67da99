package load

import (
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/meshlint/meshlint/lint"
)

// locator maps field paths of one resource to positions in its file. It
// keeps the document's text, not its node tree: positions are wanted only
// for the few resources with findings, and holding the trees of a large
// input would cost several times its size in memory. The document is parsed
// again the first time a position is asked for.
type locator struct {
	file   string
	offset int     // lines before the document in the file
	data   *source // the chunk of the file the document is in
	doc    int     // which document of the chunk
	item   int     // index in the items of a List, or -1
	isMesh bool    // a mesh ConfigMap: data.mesh paths point into its text

	once sync.Once
	root *yaml.Node
	// mesh is the parsed data.mesh text of a mesh ConfigMap, whose
	// positions are relative to meshValue.
	mesh      *yaml.Node
	meshValue *yaml.Node
}

// source is the text of a chunk, shared by the locators of every resource
// in it: the items of a List (kubectl get -o yaml) are all in one document,
// which is parsed again once for all of them, not once per item with a
// finding (800 findings in one List took 18 s).
type source struct {
	text string
	json bool // parse text as JSON (it is valid JSON)
	col  int  // columns cut from the left of text (the items of a List)

	once  sync.Once
	roots []*yaml.Node // the root node of each document of the chunk

	braces    sync.Once
	hasBraces bool // text holds "{{", as a template's actions do
}

func newSource(text string) *source { return &source{text: text} }

// mayHoldTemplate reports whether the chunk's text holds "{{", computed
// once per chunk.
func (s *source) mayHoldTemplate() bool {
	s.braces.Do(func() { s.hasBraces = strings.Contains(s.text, "{{") })
	return s.hasBraces
}

// root returns the root node of document i of the chunk, or nil.
func (s *source) root(i int) *yaml.Node {
	s.once.Do(s.parse)
	if i >= len(s.roots) {
		return nil
	}
	return s.roots[i]
}

func (s *source) parse() {
	if s.json {
		if n, err := parseJSON(s.text, 0); err == nil {
			s.roots = []*yaml.Node{n}
		}
		return
	}
	if n, ok := fastParse(s.text); ok {
		s.roots = []*yaml.Node{n}
		return
	}
	dec := yaml.NewDecoder(strings.NewReader(s.text))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return
		}
		root := deref(&doc)
		if root.Kind == yaml.DocumentNode {
			if len(root.Content) == 0 {
				root = nil
			} else {
				root = deref(root.Content[0])
			}
		}
		s.roots = append(s.roots, root)
	}
}

// resolve finds the resource's node in its document.
func (l *locator) resolve() {
	root := l.data.root(l.doc)
	if root == nil {
		return
	}
	if l.item >= 0 {
		items := field(root, "items")
		if items == nil || items.Kind != yaml.SequenceNode || l.item >= len(items.Content) {
			return
		}
		root = deref(items.Content[l.item])
	}
	l.root = root
	if l.isMesh {
		if v := field(field(root, "data"), "mesh"); v != nil && v.Kind == yaml.ScalarNode {
			var inner yaml.Node
			if yaml.Unmarshal([]byte(v.Value), &inner) == nil {
				l.mesh, l.meshValue = &inner, v
			}
		}
	}
}

// Locate implements lint.Locator: it walks the path
// ("spec.http[0].retries") as far as the document has it and returns the
// position of the deepest field found: its key for a mapping field, the
// element for a list index.
func (l *locator) Locate(path string) lint.Position {
	pos := lint.Position{File: l.file}
	l.once.Do(l.resolve)
	if l.root == nil {
		return pos
	}
	if l.mesh != nil && (path == "data.mesh" || strings.HasPrefix(path, "data.mesh.")) {
		return l.locateMesh(strings.TrimPrefix(strings.TrimPrefix(path, "data.mesh"), "."))
	}
	n := l.root
	pos.Line, pos.Column = n.Line+l.offset, n.Column+l.data.col
	for _, seg := range splitPath(path) {
		next, at := step(n, seg)
		if next == nil {
			break
		}
		n = next
		pos.Line, pos.Column = at.Line+l.offset, at.Column+l.data.col
	}
	return pos
}

func (l *locator) locateMesh(path string) lint.Position {
	// data.mesh is a block scalar: its content starts on the line after the
	// "mesh: |" key and is indented by two columns more than the key.
	v := l.meshValue
	keyLine, keyCol := v.Line, v.Column
	if k := meshKey(l.root); k != nil {
		keyLine, keyCol = k.Line, k.Column
	}
	keyCol += l.data.col
	pos := lint.Position{File: l.file, Line: keyLine + l.offset, Column: keyCol}
	if path == "" || len(l.mesh.Content) == 0 {
		return pos
	}
	n := l.mesh.Content[0]
	found := false
	var at *yaml.Node
	for _, seg := range splitPath(path) {
		next, a := step(n, seg)
		if next == nil {
			break
		}
		n, at, found = next, a, true
	}
	if !found {
		return pos
	}
	if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		pos.Line = v.Line + at.Line + l.offset
		pos.Column = keyCol + 2 + at.Column - 1
	}
	return pos
}

func meshKey(root *yaml.Node) *yaml.Node {
	data := field(root, "data")
	if data == nil {
		return nil
	}
	for i := 0; i+1 < len(data.Content); i += 2 {
		if data.Content[i].Value == "mesh" {
			return data.Content[i]
		}
	}
	return nil
}

type segment struct {
	key   string
	index int // -1 for a mapping key
}

// splitPath splits "spec.http[0].retries" into spec, http, [0], retries.
func splitPath(path string) []segment {
	var segs []segment
	for _, part := range splitDots(path) {
		if part == "" {
			continue
		}
		for {
			i := strings.IndexByte(part, '[')
			if i < 0 {
				segs = append(segs, segment{key: part, index: -1})
				break
			}
			if i > 0 {
				segs = append(segs, segment{key: part[:i], index: -1})
			}
			j := strings.IndexByte(part[i:], ']')
			if j < 0 {
				break
			}
			idx, err := strconv.Atoi(part[i+1 : i+j])
			if err != nil {
				// A bracketed map key, e.g. labels[app]: treat as a key.
				segs = append(segs, segment{key: part[i+1 : i+j], index: -1})
			} else {
				segs = append(segs, segment{index: idx})
			}
			part = part[i+j+1:]
			if part == "" {
				break
			}
		}
	}
	return segs
}

// splitDots splits a path at the dots outside brackets, so that a map key
// such as labels[app.kubernetes.io/name] stays whole.
func splitDots(path string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '[':
			depth++
		case ']':
			depth = max(depth-1, 0)
		case '.':
			if depth == 0 {
				parts = append(parts, path[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, path[start:])
}

// step descends one segment: it returns the child node and the node whose
// position stands for it (the key of a mapping entry, the list element).
func step(n *yaml.Node, s segment) (child, at *yaml.Node) {
	n = deref(n)
	if n == nil {
		return nil, nil
	}
	if s.index >= 0 {
		if n.Kind != yaml.SequenceNode || s.index >= len(n.Content) {
			return nil, nil
		}
		e := n.Content[s.index]
		return e, e
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == s.key {
			return n.Content[i+1], n.Content[i]
		}
	}
	return nil, nil
}
