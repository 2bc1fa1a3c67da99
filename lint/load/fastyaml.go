package load

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// fastParse parses the block-style subset of YAML that generated manifests
// (helm template, kustomize build, kubectl get -o yaml) are written in:
// block mappings and sequences, single-line plain and quoted scalars, and
// comments. It builds the same yaml.Node tree that yaml.v3 builds (kinds,
// tags, values, styles, lines and columns; comments are dropped), several
// times faster and with one allocation per document for the nodes.
//
// Anything outside the subset (flow collections, block scalars, anchors,
// tags, multi-line scalars, escapes, duplicate keys, odd indentation or a
// syntax error) makes it return ok=false, and the caller parses the
// document with yaml.v3, which stays the reference: a fuzz test checks that
// whenever fastParse accepts a document, yaml.v3 builds the same tree.
func fastParse(data string) (root *yaml.Node, ok bool) {
	return new(fastParser).parse(data)
}

var parsers = sync.Pool{New: func() any { return new(fastParser) }}

// withFastParse parses data with a pooled parser and calls f with the tree,
// which must not be kept once f returns: its nodes are reused for the next
// document. It reports whether the document was in the fast subset.
func withFastParse(data string, f func(root *yaml.Node)) bool {
	p := parsers.Get().(*fastParser)
	defer parsers.Put(p)
	root, ok := p.parse(data)
	if ok {
		f(root)
	}
	return ok
}

func (p *fastParser) parse(data string) (root *yaml.Node, ok bool) {
	p.lines, p.dashes, p.pos = p.lines[:0], 0, 0
	p.stack, p.arena = p.stack[:0], p.arena[:0]
	if !p.splitLines(data) || len(p.lines) == 0 {
		return nil, false
	}
	// Each line holds a key and its value (two nodes); a "- " line can
	// open a mapping too, and a block opens a container: this bound holds
	// for block-style documents, so the slab is allocated once (or reused).
	if need := 2*len(p.lines) + 2*p.dashes + 1; cap(p.slab) < need {
		p.slab = make([]yaml.Node, 0, need)
	} else {
		p.slab = p.slab[:0]
	}
	first := p.lines[0]
	if first.indent != 0 {
		return nil, false
	}
	n := p.block(0)
	if n == nil || p.pos != len(p.lines) {
		return nil, false
	}
	return n, true
}

type fline struct {
	num    int    // 1-based line number
	indent int    // leading spaces
	text   string // the line after the indentation, without a trailing \r
}

type fastParser struct {
	lines  []fline
	dashes int // lines that start a sequence item
	pos    int
	slab   []yaml.Node
	// stack holds the children of the collections being parsed; a finished
	// collection moves its children from the top of the stack into arena,
	// where its Content slice points.
	stack []*yaml.Node
	arena []*yaml.Node
}

// children moves the stack's entries above base into the arena and returns
// them as a Content slice.
func (p *fastParser) children(base int) []*yaml.Node {
	n := len(p.stack) - base
	if len(p.arena)+n > cap(p.arena) {
		// Earlier Content slices keep the old array alive; start a new one.
		p.arena = make([]*yaml.Node, 0, max(2*cap(p.arena), n, 64))
	}
	start := len(p.arena)
	p.arena = append(p.arena, p.stack[base:]...)
	return p.arena[start:len(p.arena):len(p.arena)]
}

func (p *fastParser) splitLines(data string) bool {
	// Non-ASCII text and control characters are rare in manifests and have
	// rules of their own in YAML: leave them to yaml.v3.
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c >= 0x7f || (c < 0x20 && c != '\n' && c != '\r') {
			return false
		}
		if c == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			return false // a lone CR is a line break in YAML
		}
	}
	s := data
	num := 0
	seenContent := false
	for len(s) > 0 {
		num++
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		line = strings.TrimSuffix(line, "\r")
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		text := line[indent:]
		if text == "" || text[0] == '#' {
			continue
		}
		if text[0] == '\t' || strings.ContainsRune(line, '\t') {
			return false
		}
		if indent == 0 && (strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...") || text[0] == '%') {
			// Only a bare document start before any content is in the subset.
			rest := strings.TrimLeft(strings.TrimPrefix(text, "---"), " ")
			if seenContent || !strings.HasPrefix(text, "---") || (rest != "" && rest[0] != '#') || (len(text) > 3 && text[3] != ' ') {
				return false
			}
			continue
		}
		seenContent = true
		if text[0] == '-' {
			p.dashes++
		}
		p.lines = append(p.lines, fline{num: num, indent: indent, text: text})
	}
	return true
}

func (p *fastParser) node(kind yaml.Kind, tag, value string, style yaml.Style, line, col int) *yaml.Node {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]yaml.Node, 0, 16)
	}
	p.slab = append(p.slab, yaml.Node{Kind: kind, Tag: tag, Value: value, Style: style, Line: line, Column: col})
	return &p.slab[len(p.slab)-1]
}

// block parses the mapping or sequence that starts at the current line.
func (p *fastParser) block(minIndent int) *yaml.Node {
	if p.pos >= len(p.lines) {
		return nil
	}
	l := p.lines[p.pos]
	if l.indent < minIndent {
		return nil
	}
	if isDash(l.text) {
		return p.sequence(l.indent)
	}
	if _, _, ok := splitKey(l.text); ok {
		return p.mapping(l.indent)
	}
	return nil
}

func isDash(text string) bool {
	return text[0] == '-' && (len(text) == 1 || text[1] == ' ')
}

// splitKey splits "key: value" into the key and the value text (with its
// offset in text); ok is false when the line is not a simple mapping entry.
func splitKey(text string) (key, value string, ok bool) {
	switch text[0] {
	case '"', '\'':
		return "", "", false // quoted keys: leave to yaml.v3
	case '[', '{', ']', '}', ',', '?', ':', '&', '*', '!', '|', '>', '%', '@', '`', '#', '-':
		return "", "", false
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == ':' && (i+1 == len(text) || text[i+1] == ' ') {
			key = strings.TrimRight(text[:i], " ")
			// YAML caps implicit keys at 1024 characters.
			if strings.Contains(key, " #") || key == "" || i > 1000 {
				return "", "", false
			}
			return key, text[i+1:], true
		}
	}
	return "", "", false
}

// dupScanKeys is how many keys a mapping may have before duplicates are
// looked up in a set rather than by scanning the keys so far.
const dupScanKeys = 16

func (p *fastParser) mapping(indent int) *yaml.Node {
	first := p.lines[p.pos]
	m := p.node(yaml.MappingNode, "!!map", "", 0, first.num, indent+1)
	base := len(p.stack)
	defer func() { p.stack = p.stack[:base] }()
	var seen map[string]struct{}
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		if l.indent < indent {
			break
		}
		if l.indent > indent || isDash(l.text) {
			return nil
		}
		key, rest, ok := splitKey(l.text)
		if !ok {
			return nil
		}
		if seen == nil && len(p.stack)-base >= 2*dupScanKeys {
			// A mapping this wide gets a set: scanning its keys for every
			// new one would cost the square of its size (a 700 KB object
			// of single-key lines took 11 s).
			seen = make(map[string]struct{}, 2*dupScanKeys)
			for i := base; i < len(p.stack); i += 2 {
				seen[p.stack[i].Value] = struct{}{}
			}
		}
		if seen != nil {
			if _, dup := seen[key]; dup {
				return nil // a duplicate key: leave the document to yaml.v3
			}
			seen[key] = struct{}{}
		} else {
			for i := base; i < len(p.stack); i += 2 {
				if p.stack[i].Value == key {
					return nil // a duplicate key: leave the document to yaml.v3
				}
			}
		}
		k := p.plainScalar(key, l.num, indent+1)
		if k == nil || k.Tag == "!!merge" {
			return nil
		}
		trimmed := strings.TrimLeft(rest, " ")
		valCol := indent + 1 + len(key) + (len(l.text) - len(key) - len(rest)) + (len(rest) - len(trimmed))
		p.pos++
		var v *yaml.Node
		if trimmed == "" || trimmed[0] == '#' {
			if trimmed != "" && rest[0] != ' ' {
				return nil
			}
			switch {
			case p.pos < len(p.lines) && p.lines[p.pos].indent > indent:
				v = p.block(indent + 1)
			case p.pos < len(p.lines) && p.lines[p.pos].indent == indent && isDash(p.lines[p.pos].text):
				v = p.sequence(indent)
			default:
				// yaml.v3 places the empty value one column after the colon.
				colon := len(l.text) - len(rest) - 1
				v = p.node(yaml.ScalarNode, "!!null", "", 0, l.num, indent+colon+2)
			}
		} else {
			v = p.inlineScalar(trimmed, l.num, valCol)
			if v != nil && p.pos < len(p.lines) && p.lines[p.pos].indent > indent {
				return nil // a multi-line scalar, or an error
			}
		}
		if v == nil {
			return nil
		}
		p.stack = append(p.stack, k, v)
	}
	m.Content = p.children(base)
	return m
}

func (p *fastParser) sequence(indent int) *yaml.Node {
	first := p.lines[p.pos]
	s := p.node(yaml.SequenceNode, "!!seq", "", 0, first.num, indent+1)
	base := len(p.stack)
	defer func() { p.stack = p.stack[:base] }()
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		if l.indent < indent || (l.indent == indent && !isDash(l.text)) {
			break
		}
		if l.indent > indent {
			return nil
		}
		rest := l.text[1:]
		trimmed := strings.TrimLeft(rest, " ")
		col := indent + 1 + 1 + (len(rest) - len(trimmed)) // column of the item's first character
		var item *yaml.Node
		switch {
		case trimmed == "" || trimmed[0] == '#':
			p.pos++
			if p.pos < len(p.lines) && p.lines[p.pos].indent > indent {
				item = p.block(indent + 1)
			} else {
				return nil // an empty item: rare, leave to yaml.v3
			}
		case isDash(trimmed):
			return nil // "- - a": leave to yaml.v3
		default:
			if _, _, ok := splitKey(trimmed); ok {
				// "- key: value" opens a mapping at the key's column.
				p.lines[p.pos] = fline{num: l.num, indent: col - 1, text: trimmed}
				item = p.mapping(col - 1)
			} else {
				item = p.inlineScalar(trimmed, l.num, col)
				p.pos++
				if p.pos < len(p.lines) && p.lines[p.pos].indent > indent {
					return nil
				}
			}
		}
		if item == nil {
			return nil
		}
		p.stack = append(p.stack, item)
	}
	s.Content = p.children(base)
	return s
}

// inlineScalar parses a scalar that is the rest of a line.
func (p *fastParser) inlineScalar(text string, line, col int) *yaml.Node {
	switch text[0] {
	case '"':
		end := strings.IndexByte(text[1:], '"')
		if end < 0 || strings.IndexByte(text[1:end+1], '\\') >= 0 || !restIsComment(text[end+2:]) {
			return nil
		}
		return p.node(yaml.ScalarNode, "!!str", text[1:end+1], yaml.DoubleQuotedStyle, line, col)
	case '\'':
		var b strings.Builder
		i := 1
		for {
			j := strings.IndexByte(text[i:], '\'')
			if j < 0 {
				return nil
			}
			b.WriteString(text[i : i+j])
			i += j + 1
			if i < len(text) && text[i] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			break
		}
		if !restIsComment(text[i:]) {
			return nil
		}
		return p.node(yaml.ScalarNode, "!!str", b.String(), yaml.SingleQuotedStyle, line, col)
	case '[', '{', ']', '}', ',', '?', ':', '&', '*', '!', '|', '>', '%', '@', '`', '#':
		return nil
	case '-':
		if len(text) == 1 || text[1] == ' ' {
			return nil
		}
	}
	v := text
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimRight(v, " ")
	if strings.Contains(v, ": ") || strings.HasSuffix(v, ":") {
		return nil
	}
	return p.plainScalar(v, line, col)
}

func restIsComment(s string) bool {
	t := strings.TrimLeft(s, " ")
	return t == "" || (t[0] == '#' && len(t) < len(s))
}

// plainScalar resolves a plain scalar's tag as yaml.v3 does, or returns nil
// for the rare forms (timestamps, binary and octal literals) left to it.
func (p *fastParser) plainScalar(v string, line, col int) *yaml.Node {
	tag, ok := resolvePlain(v)
	if !ok {
		return nil
	}
	return p.node(yaml.ScalarNode, tag, v, 0, line, col)
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolvePlain mirrors yaml.v3's resolve for untagged plain scalars.
func resolvePlain(v string) (tag string, ok bool) {
	if v == "" {
		return "!!null", true
	}
	if v == "<<" {
		return "", false // a merge key
	}
	switch v[0] {
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~':
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool", true
		case "~", "null", "Null", "NULL":
			return "!!null", true
		}
		return "!!str", true
	case '.':
		switch v {
		case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF":
			return "!!float", true
		}
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return "!!float", true
		}
		return "!!str", true
	case '+', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		switch v {
		case "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
			return "!!float", true
		}
		digits := 0
		for digits < len(v) && v[digits] >= '0' && v[digits] <= '9' {
			digits++
		}
		if digits == 4 && len(v) > 4 && v[4] == '-' {
			return "", false // maybe a timestamp
		}
		plain := strings.ReplaceAll(v, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return "!!int", true
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return "!!int", true
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return "!!float", true
			}
		}
		if strings.HasPrefix(plain, "0b") || strings.HasPrefix(plain, "-0b") || strings.HasPrefix(plain, "0o") || strings.HasPrefix(plain, "-0o") {
			return "", false
		}
		return "!!str", true
	}
	return "!!str", true
}
