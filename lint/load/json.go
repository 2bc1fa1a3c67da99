package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/meshlint/meshlint/lint"
)

// MaxDepth is how deeply objects and arrays may nest in a JSON input: the
// limit of the API server's JSON decoding, and of yaml.v3's. Anything the
// API server stores can be read.
const MaxDepth = 10_000

// LimitError is a JSON input past one of the bounds that keep its cost in
// proportion: nesting deeper than MaxDepth, or more values than
// Options.MaxNodes.
type LimitError struct{ msg string }

func (e LimitError) Error() string { return e.msg }

var errTooDeep = LimitError{fmt.Sprintf("objects and arrays nest more than %d levels deep; not decoded", MaxDepth)}

func tooManyNodes(max int) LimitError {
	return LimitError{fmt.Sprintf("more than %d values (objects, arrays, keys, strings, numbers); not decoded", max)}
}

// parseJSON builds the yaml.Node tree that yaml.v3 builds for a JSON
// document (kinds, tags, values, styles, lines and columns), straight from
// the JSON: one pass, no YAML text in between, with a cost proportional to
// the input. JSON is YAML's flow style, the slow path of yaml.v3 (and, in
// the webhook, the form of every object). It returns an error for input
// that is not valid UTF-8 JSON, and a LimitError for one that nests deeper
// than MaxDepth or holds more than maxNodes nodes (when maxNodes > 0);
// callers that want yaml.v3's message for a syntax error parse such input
// with it.
func parseJSON(data string, maxNodes int) (*yaml.Node, error) {
	if !utf8.ValidString(data) {
		return nil, errors.New("invalid UTF-8")
	}
	if !json.Valid([]byte(data)) {
		if tooDeep(data) {
			return nil, errTooDeep
		}
		return nil, fmt.Errorf("invalid JSON: %w", json.Unmarshal([]byte(data), new(json.RawMessage)))
	}
	p := &jsonParser{s: data, line: 1, col: 1, maxNodes: maxNodes}
	p.ws()
	root, err := p.value(0)
	if err != nil {
		return nil, err
	}
	return root, nil
}

// tooDeep reports whether JSON text nests deeper than MaxDepth, counting
// brackets outside strings.
func tooDeep(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			if depth++; depth > MaxDepth {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}

// jsonParser reads JSON that json.Valid accepted.
type jsonParser struct {
	s string
	i int
	// The position of byte at, kept up to date lazily: pos advances it to
	// i, so that columns (counted in characters, as yaml.v3 counts them)
	// cost one pass over the input in all, not one per node.
	at, line, col int
	slab          []yaml.Node
	// nodes counts the nodes made, up to maxNodes (no bound when 0).
	nodes, maxNodes int
}

// pos returns the line and column of byte p.i.
func (p *jsonParser) pos() (line, col int) {
	for ; p.at < p.i; p.at++ {
		switch c := p.s[p.at]; {
		case c == '\n':
			p.line, p.col = p.line+1, 1
		case c == '\r':
			// A lone CR ends a line in YAML; CRLF is one break.
			if p.at+1 == len(p.s) || p.s[p.at+1] != '\n' {
				p.line, p.col = p.line+1, 1
			}
		case c&0xc0 != 0x80: // not a UTF-8 continuation byte
			p.col++
		}
	}
	return p.line, p.col
}

func (p *jsonParser) node(kind yaml.Kind, tag, value string, style yaml.Style) *yaml.Node {
	if len(p.slab) == cap(p.slab) {
		// Nodes come from slabs sized to the input: a node per 8 bytes is
		// about what compact JSON holds.
		p.slab = make([]yaml.Node, 0, min(max(len(p.s)/8, 16), 4096))
	}
	p.nodes++
	line, col := p.pos()
	p.slab = append(p.slab, yaml.Node{Kind: kind, Tag: tag, Value: value, Style: style, Line: line, Column: col})
	return &p.slab[len(p.slab)-1]
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses the value at p.i, depth levels down.
func (p *jsonParser) value(depth int) (*yaml.Node, error) {
	if p.maxNodes > 0 && p.nodes >= p.maxNodes {
		return nil, tooManyNodes(p.maxNodes)
	}
	switch c := p.s[p.i]; c {
	case '{', '[':
		if depth >= MaxDepth {
			return nil, errTooDeep
		}

		close := byte('}')
		n := p.node(yaml.MappingNode, "!!map", "", yaml.FlowStyle)
		if c == '[' {
			close = ']'
			n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		}
		p.i++
		p.ws()
		if p.s[p.i] == close {
			p.i++
			return n, nil
		}
		for {
			p.ws()
			if c == '{' {
				k, err := p.str()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, k)
				p.ws()
				p.i++ // :
				p.ws()
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
			p.ws()
			if p.s[p.i] == close {
				p.i++
				return n, nil
			}
			p.i++ // ,
		}
	case '"':
		return p.str()
	case 't', 'f', 'n':
		n := p.node(yaml.ScalarNode, "!!bool", "", 0)
		n.Value = p.literal()
		if n.Value == "null" {
			n.Tag = "!!null"
		}
		return n, nil
	default:
		n := p.node(yaml.ScalarNode, "", "", 0)
		n.Value = p.literal()
		// A JSON number is a YAML plain scalar: resolved as yaml.v3 does,
		// 1e3 and 12345678901234567890 are floats, -0 an int.
		tag, ok := resolvePlain(n.Value)
		if !ok {
			return nil, fmt.Errorf("unexpected number %q", n.Value)
		}
		n.Tag = tag
		return n, nil
	}
}

func (p *jsonParser) literal() string {
	start := p.i
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ',', ']', '}', ' ', '\t', '\r', '\n':
			return p.s[start:p.i]
		}
		p.i++
	}
	return p.s[start:p.i]
}

// str parses the string at p.i. An unescaped string is a slice of the
// input, not a copy.
func (p *jsonParser) str() (*yaml.Node, error) {
	n := p.node(yaml.ScalarNode, "!!str", "", yaml.DoubleQuotedStyle)
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
				n.Value = p.s[start+1 : p.i-1]
				return n, nil
			}
			if err := json.Unmarshal([]byte(p.s[start:p.i]), &n.Value); err != nil {
				return nil, fmt.Errorf("decoding a string: %w", err)
			}
			return n, nil
		}
		p.i++
	}
	return nil, errors.New("unterminated string")
}

// JSON decodes one JSON object, such as an admission request's raw object,
// into resources and input errors, without going through YAML text. The
// resources' locators keep the parsed tree: positions cost no second parse.
// err is set when the input as a whole could not be decoded: it is not
// JSON, or it is past a bound (a LimitError).
func JSON(name string, data []byte, opts Options) (rs []*lint.Resource, errs []InputError, err error) {
	text := string(data)
	root, err := parseJSON(text, opts.MaxNodes)
	if err != nil {
		return nil, nil, err
	}
	var res chunkResult
	src := &source{text: text, json: true}
	src.once.Do(func() { src.roots = []*yaml.Node{root} })
	d := &docDecoder{loc: &locator{file: name, data: src, item: -1}, opts: opts, res: &res}
	d.object(root, "")
	return res.resources, res.errors, nil
}
