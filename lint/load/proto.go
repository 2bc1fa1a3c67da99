package load

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"gopkg.in/yaml.v3"

	"github.com/meshlint/meshlint/lint"
)

// protoDecoder fills a protobuf message from a YAML node tree the way the
// API server's JSON would (field JSON names or proto names, enums by name,
// well-known types in their JSON form), recording every field that does not
// fit the schema as a SchemaProblem at its path instead of failing, so that
// the rest of the resource is still linted.
type protoDecoder struct {
	// paths is the current chunk of path nodes, chunks every chunk in use
	// (see path).
	paths    []fieldPath
	chunks   []*[]fieldPath
	problems []lint.SchemaProblem
}

func (d *protoDecoder) problem(path, format string, args ...any) {
	d.problems = append(d.problems, lint.SchemaProblem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// reserved reports whether the message reserves the field name, as written
// in YAML (camelCase) or in the proto (snake_case): a field an older Istio
// release had.
func reserved(md protoreflect.MessageDescriptor, name string) bool {
	rn := md.ReservedNames()
	if rn.Len() == 0 {
		return false
	}
	var snake strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				snake.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		snake.WriteRune(r)
	}
	return rn.Has(protoreflect.Name(name)) || rn.Has(protoreflect.Name(snake.String()))
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func nodeType(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return "number " + n.Value
		case "!!bool":
			return "boolean " + n.Value
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("string %q", n.Value)
	}
	return "unknown"
}

// fieldPath is the path of the field being decoded, built as a chain on
// the stack: decoding visits every field, but a path string is wanted only
// for the few fields that have a problem.
type fieldPath struct {
	parent *fieldPath
	name   string // a field or map key; for the root, the whole root path
	index  int
	kind   pathKind
}

type pathKind uint8

const (
	pathField      pathKind = iota // .name
	pathIndex                      // [index]
	pathBracketKey                 // [name], for map keys with dots
)

// path returns a pointer to a copy of p, taken from chunks of path nodes
// that decoders share through a pool: path nodes live only while a spec is
// decoded (problems keep strings), so decoding allocates none per field.
func (d *protoDecoder) path(p fieldPath) *fieldPath {
	if len(d.paths) == cap(d.paths) {
		c := pathChunks.Get().(*[]fieldPath)
		d.chunks = append(d.chunks, c)
		d.paths = (*c)[:0]
	}
	d.paths = append(d.paths, p)
	return &d.paths[len(d.paths)-1]
}

var pathChunks = sync.Pool{New: func() any {
	c := make([]fieldPath, 0, 512)
	return &c
}}

// release returns the decoder's path chunks to the pool; the decoder's
// path nodes must not be used after it.
func (d *protoDecoder) release() {
	for _, c := range d.chunks {
		pathChunks.Put(c)
	}
	d.chunks, d.paths = nil, nil
}

// rootPath starts a path at root ("spec", "data.mesh").
func rootPath(root string) *fieldPath { return &fieldPath{name: root} }

func (p *fieldPath) String() string {
	if p == nil {
		return ""
	}
	if p.parent == nil {
		return p.name
	}
	parent := p.parent.String()
	switch p.kind {
	case pathIndex:
		return parent + "[" + strconv.Itoa(p.index) + "]"
	case pathBracketKey:
		return parent + "[" + p.name + "]"
	}
	if parent == "" {
		return p.name
	}
	return parent + "." + p.name
}

type entry struct{ key, value *yaml.Node }

// entries returns the key/value pairs of a mapping node with YAML merge keys
// (<<: *defaults) expanded as YAML defines them: keys of the mapping itself
// win over merged ones, and earlier merged mappings over later ones.
func entries(n *yaml.Node) []entry {
	merges := false
	for i := 0; i < len(n.Content); i += 2 {
		merges = merges || n.Content[i].Tag == "!!merge"
	}
	if !merges {
		// The common case: the pairs as they are, in one allocation.
		out := make([]entry, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out = append(out, entry{deref(n.Content[i]), deref(n.Content[i+1])})
		}
		return out
	}
	var own, merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Tag != "!!merge" {
			own = append(own, entry{k, v})
			continue
		}
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, src := range sources {
			if src = deref(src); src.Kind == yaml.MappingNode {
				merged = append(merged, entries(src)...)
			}
		}
	}
	if len(merged) == 0 {
		return own
	}
	seen := make(map[string]bool, len(own)+len(merged))
	for _, e := range own {
		seen[e.key.Value] = true
	}
	out := own
	for _, e := range merged {
		if !seen[e.key.Value] {
			seen[e.key.Value] = true
			out = append(out, e)
		}
	}
	return out
}

// message decodes a mapping node into m.
func (d *protoDecoder) message(n *yaml.Node, m protoreflect.Message, path *fieldPath) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.mistyped(path, "an object", n)
		return
	}
	fields := m.Descriptor().Fields()
	for _, e := range entries(n) {
		k, v := e.key, e.value
		name := k.Value
		fd := fields.ByJSONName(name)
		if fd == nil {
			fd = fields.ByName(protoreflect.Name(name))
		}
		fpath := d.path(fieldPath{parent: path, name: name})
		if fd == nil {
			if reserved(m.Descriptor(), name) {
				d.problems = append(d.problems, lint.SchemaProblem{Path: fpath.String(), Removed: true,
					Message: fmt.Sprintf("field %q%s was removed from Istio (its schema reserves the name)%s", name, inPath(path.String()), suggest(name, m.Descriptor()))})
				continue
			}
			d.problem(fpath.String(), "unknown field %q%s%s", name, inPath(path.String()), suggest(name, m.Descriptor()))
			continue
		}
		if isNull(v) {
			continue
		}
		switch {
		case fd.IsMap():
			d.mapField(v, m, fd, fpath)
		case fd.IsList():
			d.listField(v, m, fd, fpath)
		case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
			sub := m.Mutable(fd).Message()
			d.messageValue(v, sub, fpath)
		default:
			if val, ok := d.scalar(v, fd, fpath); ok {
				m.Set(fd, val)
			}
		}
	}
}

// inPath names the object a field is in, for messages: " in spec.http[0]".
func inPath(parent string) string {
	if parent == "" {
		return ""
	}
	return " in " + parent
}

// mistyped records a value of the wrong type.
func (d *protoDecoder) mistyped(path *fieldPath, want string, n *yaml.Node) {
	p := path.String()
	d.problem(p, "%s must be %s, got %s", p, want, nodeType(n))
}

// suggest offers the field a misspelt one was probably meant to be.
func suggest(name string, md protoreflect.MessageDescriptor) string {
	fields := md.Fields()
	names := make([]string, fields.Len())
	for i := range names {
		names[i] = fields.Get(i).JSONName()
	}
	if c := closest(name, names); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

// closest returns the candidate a misspelt name was probably meant to be:
// one equal to it but for case and underscores, else the single nearest
// within two edits (one for short names), or "".
func closest(name string, candidates []string) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	for _, c := range candidates {
		if norm(c) == norm(name) {
			return c
		}
	}
	limit := 2
	if len(name) <= 4 {
		limit = 1
	}
	best, bestDist, ties := "", limit+1, 0
	for _, c := range candidates {
		switch dist := lint.EditDistance(norm(name), norm(c)); {
		case dist < bestDist:
			best, bestDist, ties = c, dist, 0
		case dist == bestDist:
			ties++
		}
	}
	if bestDist > limit || ties > 0 {
		return ""
	}
	return best
}

// messageValue decodes into a message field, handling well-known types.
func (d *protoDecoder) messageValue(n *yaml.Node, m protoreflect.Message, path *fieldPath) {
	switch m.Descriptor().FullName() {
	case "google.protobuf.Duration":
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			d.mistyped(path, "a duration such as \"10s\"", n)
			return
		}
		dur, err := parseDuration(n.Value)
		if err != nil {
			d.problem(path.String(), "invalid duration %q for %s: want a number with a unit, such as \"10s\" or \"250ms\"", n.Value, path.String())
			return
		}
		pb := durationpb.New(dur)
		m.Set(m.Descriptor().Fields().ByName("seconds"), protoreflect.ValueOfInt64(pb.Seconds))
		m.Set(m.Descriptor().Fields().ByName("nanos"), protoreflect.ValueOfInt32(pb.Nanos))
	case "google.protobuf.BoolValue", "google.protobuf.UInt32Value", "google.protobuf.Int32Value",
		"google.protobuf.UInt64Value", "google.protobuf.Int64Value", "google.protobuf.DoubleValue",
		"google.protobuf.FloatValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
		fd := m.Descriptor().Fields().ByName("value")
		if val, ok := d.scalar(n, fd, path); ok {
			m.Set(fd, val)
		}
	case "google.protobuf.Struct":
		if n.Kind != yaml.MappingNode {
			d.mistyped(path, "an object", n)
			return
		}
		v, err := structpb.NewStruct(toAny(n).(map[string]any))
		if err != nil {
			d.problem(path.String(), "%v", err)
			return
		}
		copyInto(m, v.ProtoReflect())
	case "google.protobuf.Value":
		v, err := structpb.NewValue(toAny(n))
		if err != nil {
			d.problem(path.String(), "%v", err)
			return
		}
		copyInto(m, v.ProtoReflect())
	case "google.protobuf.ListValue":
		if n.Kind != yaml.SequenceNode {
			d.mistyped(path, "a list", n)
			return
		}
		v, err := structpb.NewList(toAny(n).([]any))
		if err != nil {
			d.problem(path.String(), "%v", err)
			return
		}
		copyInto(m, v.ProtoReflect())
	default:
		d.message(n, m, path)
	}
}

func copyInto(dst, src protoreflect.Message) {
	src.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		dst.Set(fd, v)
		return true
	})
}

// parseDuration accepts Go durations ("1m30s", "250ms") and the protobuf
// JSON form ("1.5s").
func parseDuration(s string) (time.Duration, error) {
	return time.ParseDuration(strings.TrimSpace(s))
}

func (d *protoDecoder) listField(n *yaml.Node, m protoreflect.Message, fd protoreflect.FieldDescriptor, path *fieldPath) {
	if n.Kind != yaml.SequenceNode {
		d.mistyped(path, "a list", n)
		return
	}
	list := m.Mutable(fd).List()
	for i, e := range n.Content {
		e = deref(e)
		epath := d.path(fieldPath{parent: path, index: i, kind: pathIndex})
		if fd.Kind() == protoreflect.MessageKind {
			el := list.NewElement()
			if !isNull(e) {
				d.messageValue(e, el.Message(), epath)
			}
			list.Append(el)
			continue
		}
		if val, ok := d.scalar(e, fd, epath); ok {
			list.Append(val)
		}
	}
}

func (d *protoDecoder) mapField(n *yaml.Node, m protoreflect.Message, fd protoreflect.FieldDescriptor, path *fieldPath) {
	if n.Kind != yaml.MappingNode {
		d.mistyped(path, "an object", n)
		return
	}
	mp := m.Mutable(fd).Map()
	kfd, vfd := fd.MapKey(), fd.MapValue()
	for _, e := range entries(n) {
		k, v := e.key, e.value
		epath := d.path(fieldPath{parent: path, name: k.Value})
		if strings.ContainsAny(k.Value, ".[]") {
			// app.kubernetes.io/name: the bracketed form Kubernetes uses.
			epath.kind = pathBracketKey
		}
		// Map keys are strings in JSON, whatever the key type: "8080" is
		// a fine key of a map<uint32, ...>.
		tag := "!!str"
		switch kfd.Kind() {
		case protoreflect.StringKind:
		case protoreflect.BoolKind:
			tag = "!!bool"
		default:
			tag = "!!int"
		}
		key, ok := d.scalar(&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: k.Value}, kfd, epath)
		if !ok {
			continue
		}
		if vfd.Kind() == protoreflect.MessageKind {
			val := mp.NewValue()
			if !isNull(v) {
				d.messageValue(v, val.Message(), epath)
			}
			mp.Set(key.MapKey(), val)
			continue
		}
		if isNull(v) {
			continue
		}
		if val, ok := d.scalar(v, vfd, epath); ok {
			mp.Set(key.MapKey(), val)
		}
	}
}

// scalar converts a scalar node to a value of fd's kind, recording a problem
// and returning false when it does not fit.
func (d *protoDecoder) scalar(n *yaml.Node, fd protoreflect.FieldDescriptor, path *fieldPath) (protoreflect.Value, bool) {
	if n.Kind != yaml.ScalarNode {
		d.mistyped(path, kindName(fd), n)
		return protoreflect.Value{}, false
	}
	s := n.Value
	switch fd.Kind() {
	case protoreflect.StringKind:
		switch n.Tag {
		case "!!int", "!!float", "!!bool":
			d.mistyped(path, "a string", n)
			// Kubernetes would reject it; keep the text so checks still see it.
		}
		// Other tags (a !!timestamp such as 2024-01-01) reach the API server
		// as JSON strings.
		return protoreflect.ValueOfString(s), true
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte(s)), true
	case protoreflect.BoolKind:
		if n.Tag == "!!bool" {
			return protoreflect.ValueOfBool(s == "true" || s == "True" || s == "TRUE"), true
		}
		// kubectl reads YAML 1.1, where a plain yes/no/on/off is a boolean.
		if b, ok := yaml11Bools[s]; ok && n.Tag == "!!str" && n.Style == 0 {
			return protoreflect.ValueOfBool(b), true
		}
	case protoreflect.EnumKind:
		ed := fd.Enum()
		if n.Tag == "!!int" {
			if i, err := strconv.ParseInt(s, 10, 32); err == nil && ed.Values().ByNumber(protoreflect.EnumNumber(i)) != nil {
				return protoreflect.ValueOfEnum(protoreflect.EnumNumber(i)), true
			}
		}
		if ev := ed.Values().ByName(protoreflect.Name(s)); ev != nil {
			return protoreflect.ValueOfEnum(ev.Number()), true
		}
		if c := closest(s, enumValueNames(ed)); c != "" {
			d.problem(path.String(), "unknown value %q for %s (did you mean %q?)", s, path.String(), c)
		} else {
			d.problem(path.String(), "unknown value %q for %s (want one of %s)", s, path.String(), enumNames(ed))
		}
		return protoreflect.Value{}, false
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		// Unlike 64-bit ones, 32-bit integers are plain JSON numbers: the
		// CRD schema rejects "8080".
		if i, ok := intValue(n, 32); ok && n.Tag == "!!int" {
			return protoreflect.ValueOfInt32(int32(i)), true
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if i, ok := intValue(n, 64); ok {
			return protoreflect.ValueOfInt64(i), true
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if i, ok := intValue(n, 64); ok && n.Tag == "!!int" && i >= 0 && i <= math.MaxUint32 {
			return protoreflect.ValueOfUint32(uint32(i)), true
		}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if i, ok := intValue(n, 64); ok && i >= 0 {
			return protoreflect.ValueOfUint64(uint64(i)), true
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		if n.Tag == "!!int" || n.Tag == "!!float" || n.Tag == "!!str" {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				if fd.Kind() == protoreflect.FloatKind {
					return protoreflect.ValueOfFloat32(float32(f)), true
				}
				return protoreflect.ValueOfFloat64(f), true
			}
		}
	}
	d.mistyped(path, kindName(fd), n)
	return protoreflect.Value{}, false
}

// yaml11Bools are the plain scalars YAML 1.1 (and so kubectl) reads as
// booleans beyond true and false.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

// intValue accepts YAML integers and, as protobuf JSON does for 64-bit
// fields, decimal strings.
func intValue(n *yaml.Node, bits int) (int64, bool) {
	if n.Tag != "!!int" && n.Tag != "!!str" {
		return 0, false
	}
	i, err := strconv.ParseInt(n.Value, 0, bits)
	return i, err == nil
}

func kindName(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return "a string"
	case protoreflect.BoolKind:
		return "a boolean"
	case protoreflect.EnumKind:
		return "one of " + enumNames(fd.Enum())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return "a number"
	case protoreflect.MessageKind:
		return "an object"
	}
	if fd.Kind() == protoreflect.Uint32Kind || fd.Kind() == protoreflect.Uint64Kind || fd.Kind() == protoreflect.Fixed32Kind {
		return "a non-negative integer"
	}
	return "an integer"
}

func enumNames(ed protoreflect.EnumDescriptor) string {
	names := enumValueNames(ed)
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func enumValueNames(ed protoreflect.EnumDescriptor) []string {
	vals := ed.Values()
	names := make([]string, vals.Len())
	for i := range names {
		names[i] = string(vals.Get(i).Name())
	}
	return names
}

// toAny converts a node to plain Go values as JSON would carry them.
func toAny(n *yaml.Node) any {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for _, e := range entries(n) {
			m[e.key.Value] = toAny(e.value)
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			l = append(l, toAny(e))
		}
		return l
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return toAny(n.Content[0])
		}
		return nil
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		return n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return float64(i)
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	return n.Value
}
