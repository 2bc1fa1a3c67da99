package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// The API server sends objects as JSON, which YAML parsers read as flow
// style, the slow path of the loader. blockYAML rewrites an object as the
// block-style YAML the loader parses fast, keeping key order and every
// value's type; what it cannot express simply (escapes, odd keys) it
// writes quoted or in flow style, which the loader still reads correctly,
// only slower. Fields no check reads and that only add parsing work are
// left out: metadata.managedFields and kubectl's last-applied annotation.

// lastApplied is kubectl's copy of the whole object, in an annotation.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

type jnode struct {
	id     int  // order in the document, 1-based: the line a treeLocator reports
	kind   byte // 'o' object, 'a' array, 's' string, 'l' literal (number, bool, null)
	text   string
	keys   []string
	values []*jnode
}

var errNotObject = errors.New("not a JSON object")

// blockYAML converts a JSON object to block-style YAML.
func blockYAML(raw []byte) ([]byte, error) {
	y, _, err := blockYAMLTree(raw)
	return y, err
}

// blockYAMLTree is blockYAML that also returns the parsed JSON tree.
func blockYAMLTree(raw []byte) ([]byte, *jnode, error) {
	if !json.Valid(raw) {
		return nil, nil, errors.New("invalid JSON")
	}
	p := &jparser{s: raw}
	p.ws()
	root, err := p.value()
	if err != nil {
		return nil, nil, err
	}
	if root.kind != 'o' {
		return nil, nil, errNotObject
	}
	dropUnread(root)
	var b bytes.Buffer
	b.Grow(len(raw) + len(raw)/2)
	writeEntries(&b, root, 0)
	return b.Bytes(), root, nil
}

// jparser reads JSON that json.Valid accepted, keeping key order.
type jparser struct {
	s     []byte
	i     int
	nodes int
}

func (p *jparser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *jparser) value() (*jnode, error) {
	n, err := p.value1()
	if n != nil {
		p.nodes++
		n.id = p.nodes
	}
	return n, err
}

func (p *jparser) value1() (*jnode, error) {
	if p.i >= len(p.s) {
		return nil, io.ErrUnexpectedEOF
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		n := &jnode{kind: 'o'}
		p.ws()
		if p.s[p.i] == '}' {
			p.i++
			return n, nil
		}
		for {
			p.ws()
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			p.i++ // :
			p.ws()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k)
			n.values = append(n.values, v)
			p.ws()
			if p.s[p.i] == '}' {
				p.i++
				return n, nil
			}
			p.i++ // ,
		}
	case c == '[':
		p.i++
		n := &jnode{kind: 'a'}
		p.ws()
		if p.s[p.i] == ']' {
			p.i++
			return n, nil
		}
		for {
			p.ws()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.values = append(n.values, v)
			p.ws()
			if p.s[p.i] == ']' {
				p.i++
				return n, nil
			}
			p.i++ // ,
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jnode{kind: 's', text: s}, nil
	default:
		start := p.i
		for p.i < len(p.s) && strings.IndexByte(",]} \t\r\n", p.s[p.i]) < 0 {
			p.i++
		}
		lit := string(p.s[start:p.i])
		if strings.ContainsAny(lit, "eE") {
			// Exponent forms resolve differently in the loader's fast YAML
			// path; let it read the JSON as it came.
			return nil, errors.New("number in exponent form")
		}
		return &jnode{kind: 'l', text: lit}, nil
	}
}

// str reads a string at p.i.
func (p *jparser) str() (string, error) {
	start := p.i
	p.i++
	escaped := false
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			escaped = true
			p.i += 2
			continue
		case '"':
			p.i++
			if !escaped {
				return string(p.s[start+1 : p.i-1]), nil
			}
			var s string
			err := json.Unmarshal(p.s[start:p.i], &s)
			return s, err
		}
		p.i++
	}
	return "", io.ErrUnexpectedEOF
}

func (n *jnode) get(key string) *jnode {
	for i, k := range n.keys {
		if k == key {
			return n.values[i]
		}
	}
	return nil
}

func (n *jnode) drop(key string) {
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			n.values = append(n.values[:i], n.values[i+1:]...)
			return
		}
	}
}

func dropUnread(root *jnode) {
	md := root.get("metadata")
	if md == nil || md.kind != 'o' {
		return
	}
	md.drop("managedFields")
	if ann := md.get("annotations"); ann != nil && ann.kind == 'o' {
		ann.drop(lastApplied)
	}
}

func indent(b *bytes.Buffer, n int) {
	for range n {
		b.WriteByte(' ')
	}
}

// writeEntries writes the entries of object n at the indentation.
func writeEntries(b *bytes.Buffer, n *jnode, ind int) {
	for i, k := range n.keys {
		indent(b, ind)
		writeEntry(b, k, n.values[i], ind)
	}
}

// writeEntry writes "key: value" (the indentation is written already).
func writeEntry(b *bytes.Buffer, k string, v *jnode, ind int) {
	writeKey(b, k)
	b.WriteByte(':')
	writeAfter(b, v, ind)
}

// writeAfter writes a value after "key:" or "-".
func writeAfter(b *bytes.Buffer, v *jnode, ind int) {
	switch {
	case v.kind == 'o' && len(v.keys) == 0:
		b.WriteString(" {}\n")
	case v.kind == 'a' && len(v.values) == 0:
		b.WriteString(" []\n")
	case v.kind == 'o':
		b.WriteByte('\n')
		writeEntries(b, v, ind+2)
	case v.kind == 'a':
		b.WriteByte('\n')
		writeItems(b, v, ind+2)
	default:
		b.WriteByte(' ')
		writeScalar(b, v)
		b.WriteByte('\n')
	}
}

func writeItems(b *bytes.Buffer, v *jnode, ind int) {
	for _, item := range v.values {
		indent(b, ind)
		b.WriteByte('-')
		if item.kind == 'o' && len(item.keys) > 0 {
			// The first entry on the dash line, the others under it.
			b.WriteByte(' ')
			writeEntry(b, item.keys[0], item.values[0], ind+2)
			for i := 1; i < len(item.keys); i++ {
				indent(b, ind+2)
				writeEntry(b, item.keys[i], item.values[i], ind+2)
			}
			continue
		}
		writeAfter(b, item, ind)
	}
}

func writeKey(b *bytes.Buffer, k string) {
	if plainSafe(k) {
		b.WriteString(k)
		return
	}
	writeQuoted(b, k)
}

func writeScalar(b *bytes.Buffer, v *jnode) {
	if v.kind == 'l' {
		b.WriteString(v.text)
		return
	}
	if plainSafe(v.text) {
		b.WriteString(v.text)
		return
	}
	writeQuoted(b, v.text)
}

// writeQuoted writes a double-quoted scalar; JSON's string escapes are
// valid in YAML double-quoted scalars.
func writeQuoted(b *bytes.Buffer, s string) {
	enc, err := json.Marshal(s)
	if err != nil {
		// A string that came out of the JSON decoder always encodes.
		enc = []byte(`""`)
	}
	b.Write(enc)
}

// plainSafe reports whether s can be written as a plain YAML scalar that
// reads back as the same string: letters, digits and _ . / - only, not
// starting with a digit, sign or dot-digit, and not a YAML keyword.
func plainSafe(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '/') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-') {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf":
		return false
	}
	return true
}

// treeLocator is the lint.Locator of an admitted object. Admission warnings
// carry no file positions, but checks compare positions to tell an absent
// field from a zero one (ML004's attempts); the JSON tree answers that
// without parsing the object a second time. Each node's position is its
// order in the document.
type treeLocator struct {
	file string
	root *jnode
}

// Locate implements lint.Locator: the position of the deepest node of path
// that the object has.
func (l *treeLocator) Locate(path string) lint.Position {
	n := l.root
	pos := lint.Position{File: l.file, Line: n.id, Column: 1}
	for _, seg := range splitFieldPath(path) {
		var next *jnode
		if idx, err := strconv.Atoi(seg.index); err == nil && seg.key == "" {
			if n.kind == 'a' && idx >= 0 && idx < len(n.values) {
				next = n.values[idx]
			}
		} else if n.kind == 'o' {
			next = n.get(seg.key)
		}
		if next == nil {
			break
		}
		n = next
		pos.Line = n.id
	}
	return pos
}

type pathSeg struct{ key, index string }

// splitFieldPath splits "spec.http[0].retries" into spec, http, [0],
// retries; a bracketed non-number ("labels[app]") is a key.
func splitFieldPath(path string) []pathSeg {
	var segs []pathSeg
	for path != "" {
		switch path[0] {
		case '.':
			path = path[1:]
		case '[':
			j := strings.IndexByte(path, ']')
			if j < 0 {
				return append(segs, pathSeg{key: path})
			}
			in := strings.Trim(path[1:j], `"'`)
			if _, err := strconv.Atoi(in); err == nil {
				segs = append(segs, pathSeg{index: in})
			} else {
				segs = append(segs, pathSeg{key: in})
			}
			path = path[j+1:]
		default:
			j := strings.IndexAny(path, ".[")
			if j < 0 {
				j = len(path)
			}
			segs = append(segs, pathSeg{key: path[:j]})
			path = path[j:]
		}
	}
	return segs
}
