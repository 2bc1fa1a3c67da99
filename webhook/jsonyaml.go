package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
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
	kind   byte // 'o' object, 'a' array, 's' string, 'l' literal (number, bool, null)
	text   string
	keys   []string
	values []*jnode
}

var errNotObject = errors.New("not a JSON object")

// blockYAML converts a JSON object to block-style YAML.
func blockYAML(raw []byte) ([]byte, error) {
	if !json.Valid(raw) {
		return nil, errors.New("invalid JSON")
	}
	p := &jparser{s: raw}
	p.ws()
	root, err := p.value()
	if err != nil {
		return nil, err
	}
	if root.kind != 'o' {
		return nil, errNotObject
	}
	dropUnread(root)
	var b bytes.Buffer
	b.Grow(len(raw) + len(raw)/2)
	writeEntries(&b, root, 0)
	return b.Bytes(), nil
}

// jparser reads JSON that json.Valid accepted, keeping key order.
type jparser struct {
	s []byte
	i int
}

func (p *jparser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *jparser) value() (*jnode, error) {
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
