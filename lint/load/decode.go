package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"gopkg.in/yaml.v3"
	meshconfig "istio.io/api/mesh/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshlint/meshlint/lint"
)

type docDecoder struct {
	loc  *locator
	opts Options
	res  *chunkResult
	// defaulted: the object's metadata had no namespace (see meta).
	defaulted bool
}

// add records a decoded resource with where it starts in its input.
func (d *docDecoder) add(n *yaml.Node, r *lint.Resource) {
	r.Source = lint.Position{File: d.loc.file, Line: n.Line + d.loc.offset, Column: n.Column}
	r.DefaultNamespace = d.defaulted
	d.res.resources = append(d.res.resources, r)
}

func (d *docDecoder) errorf(n *yaml.Node, format string, args ...any) {
	d.res.errors = append(d.res.errors, InputError{File: d.loc.file, Line: n.Line + d.loc.offset, Message: fmt.Sprintf(format, args...)})
}

// skip records a document that is not linted because it is not a
// Kubernetes object.
func (d *docDecoder) skip(n *yaml.Node, reason string) {
	d.res.skipped = append(d.res.skipped, Skipped{File: d.loc.file, Line: n.Line + d.loc.offset, Reason: reason})
}

// field returns the value node of key in mapping n, or nil.
func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

func scalarField(n *yaml.Node, key string) string {
	if v := field(n, key); v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
		return v.Value
	}
	return ""
}

// object decodes one top-level object: a resource, or a List of them.
func (d *docDecoder) object(n *yaml.Node, _ string) {
	if n.Kind != yaml.MappingNode {
		// A list of strings, a scalar: not a Kubernetes object (a
		// kustomize patch list, a CI file), skipped.
		d.skip(n, "not a Kubernetes object: "+nodeType(n))
		return
	}
	apiVersion, kind := scalarField(n, "apiVersion"), scalarField(n, "kind")
	if kind == "List" || strings.HasSuffix(kind, "List") && field(n, "items") != nil {
		items := field(n, "items")
		if items == nil || isNull(items) {
			return
		}
		if items.Kind != yaml.SequenceNode {
			d.errorf(items, "items of %s must be a list, got %s", kind, nodeType(items))
			return
		}
		for i, it := range items.Content {
			it = deref(it)
			if isNull(it) {
				continue
			}
			sub := &docDecoder{loc: &locator{file: d.loc.file, offset: d.loc.offset, data: d.loc.data, doc: d.loc.doc, item: i}, opts: d.opts, res: d.res}
			sub.object(it, "")
		}
		return
	}
	if kind == "" || apiVersion == "" {
		// Not a Kubernetes object (a values file, a kustomization patch):
		// skipped like any other kind.
		d.skip(n, "not a Kubernetes object: no apiVersion or kind")
		return
	}
	group, version := splitAPIVersion(apiVersion)
	info, ok := lint.LookupKind(group, kind)
	if !ok {
		return
	}
	if d.loc.data.mayHoldTemplate() {
		if p, action := templateAction(n, 0); p != nil {
			// A file a tool renders before applying it (Go's text/template,
			// Helm outside a chart): {{ .X }} reads as a flow mapping, and
			// nobody applies the file as it is.
			d.skip(p, "an unrendered template: "+action+" is not a value")
			return
		}
	}
	served := info.Serves(version)
	if !served && (info.Spec == nil || !lint.GroupServes(group, version)) {
		// Not a version the API serves the kind in: not this kind.
		return
	}
	switch {
	case info.Spec != nil:
		// An Istio kind in a version its group serves but it does not (an
		// EnvoyFilter as networking.istio.io/v1) is read, with a problem
		// saying so.
		o := info.New()
		r := d.istio(n, info.Kind, apiVersion, o, info.Spec(o))
		if r != nil && !served {
			r.Problems = append(r.Problems, lint.SchemaProblem{Path: "apiVersion",
				Message: fmt.Sprintf("%s is served only as %s, not %s", info.Name, info.ServedAs(), version)})
		}
	case info.Kind == lint.KindService:
		d.service(n, apiVersion)
	case info.Kind == lint.KindMeshConfig && info.Name == "ConfigMap":
		d.configMap(n)
	case info.Kind == lint.KindMeshConfig:
		d.istioOperator(n, apiVersion)
	case info.Kind == lint.KindNamespace:
		d.namespace(n, apiVersion)
	case info.Kind == lint.KindWorkload:
		d.workload(n, kind, apiVersion)
	case info.Kind == lint.KindGatewayAPIGateway || info.Kind == lint.KindGatewayAPIRoute:
		d.gatewayAPI(n, kind, apiVersion)
	}
}

// gatewayAPI reads a Gateway API object's metadata and a route's
// backendRefs, for what they say about Istio resources.
func (d *docDecoder) gatewayAPI(n *yaml.Node, kind, apiVersion string) {
	o := &lint.GatewayAPIObject{SourceKind: kind}
	if !d.meta(n, kind, &o.ObjectMeta) {
		return
	}
	rk := lint.KindGatewayAPIRoute
	if kind == "Gateway" {
		rk = lint.KindGatewayAPIGateway
	}
	if rules := field(field(n, "spec"), "rules"); rules != nil && rules.Kind == yaml.SequenceNode {
		for _, rule := range rules.Content {
			refs := field(deref(rule), "backendRefs")
			if refs == nil || refs.Kind != yaml.SequenceNode {
				continue
			}
			for _, ref := range refs.Content {
				ref = deref(ref)
				b := lint.BackendRef{Kind: scalarField(ref, "kind"), Name: scalarField(ref, "name"), Namespace: scalarField(ref, "namespace")}
				if b.Kind == "" {
					b.Kind = "Service"
				}
				if b.Namespace == "" {
					b.Namespace = o.Namespace
				}
				if p, err := strconv.ParseUint(scalarField(ref, "port"), 10, 32); err == nil {
					b.Port = uint32(p)
				}
				if b.Name != "" {
					o.Backends = append(o.Backends, b)
				}
			}
		}
	}
	d.add(n, &lint.Resource{Kind: rk, APIVersion: apiVersion, Object: o, Locator: d.loc})
}

// workload reads a pod-running object's metadata and its pod template's
// labels and annotations, nothing else: these kinds are numerous in real
// repositories and only say whether a sidecar is injected.
func (d *docDecoder) workload(n *yaml.Node, kind, apiVersion string) {
	w := &lint.Workload{SourceKind: kind}
	if !d.meta(n, kind, &w.ObjectMeta) {
		return
	}
	tmpl := field(field(field(n, "spec"), "template"), "metadata")
	switch kind {
	case "Pod":
		tmpl = field(n, "metadata")
	case "CronJob":
		tmpl = field(field(field(field(field(n, "spec"), "jobTemplate"), "spec"), "template"), "metadata")
	}
	w.Template.Labels = stringMap(field(tmpl, "labels"))
	w.Template.Annotations = stringMap(field(tmpl, "annotations"))
	d.add(n, &lint.Resource{Kind: lint.KindWorkload, APIVersion: apiVersion, Object: w, Locator: d.loc})
}

// namespace reads a Namespace's name and labels.
func (d *docDecoder) namespace(n *yaml.Node, apiVersion string) {
	md := field(n, "metadata")
	name := scalarField(md, "name")
	if name == "" {
		d.errorf(n, "Namespace has no metadata.name")
		return
	}
	ns := &corev1.Namespace{}
	ns.Name = name
	ns.Labels = stringMap(field(md, "labels"))
	ns.Annotations = stringMap(field(md, "annotations"))
	d.add(n, &lint.Resource{Kind: lint.KindNamespace, APIVersion: apiVersion, Object: ns, Locator: d.loc})
}

func splitAPIVersion(v string) (group, version string) {
	if i := strings.LastIndexByte(v, '/'); i >= 0 {
		return v[:i], v[i+1:]
	}
	return "", v
}

// meta decodes metadata; it returns false (after recording an input error)
// when the object cannot be identified.
func (d *docDecoder) meta(n *yaml.Node, kind string, om metav1.Object) bool {
	md := field(n, "metadata")
	if md == nil || md.Kind != yaml.MappingNode {
		d.errorf(n, "%s has no metadata", kind)
		return false
	}
	name := scalarField(md, "name")
	if name == "" {
		d.errorf(md, "%s has no metadata.name", kind)
		return false
	}
	om.SetName(name)
	if ns := field(md, "namespace"); ns != nil && ns.Kind != yaml.ScalarNode {
		// namespace: [x] or {a: b}: not a namespace, and not "default" either.
		d.errorf(ns, "%s %s: metadata.namespace is %s, want a name", kind, name, nodeType(ns))
		return false
	}
	ns := scalarField(md, "namespace")
	if ns == "" {
		ns = d.opts.namespace()
		d.defaulted = true
	}
	om.SetNamespace(ns)
	om.SetLabels(stringMap(field(md, "labels")))
	om.SetAnnotations(stringMap(field(md, "annotations")))
	if ts := scalarField(md, "creationTimestamp"); ts != "" {
		var t metav1.Time
		if err := t.UnmarshalQueryParameter(ts); err == nil {
			om.SetCreationTimestamp(t)
		}
	}
	return true
}

func stringMap(n *yaml.Node) map[string]string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	m := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[deref(n.Content[i]).Value] = deref(n.Content[i+1]).Value
	}
	return m
}

// topLevel are the fields an Istio resource may carry besides spec.
var topLevel = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "spec": true, "status": true}

// suggestTopLevel offers the top-level field a misspelt one ("specs") was
// probably meant to be.
func suggestTopLevel(k string) string {
	if c := closest(k, []string{"apiVersion", "kind", "metadata", "spec", "status"}); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

func (d *docDecoder) istio(n *yaml.Node, kind lint.Kind, apiVersion string, obj lint.Object, spec proto.Message) *lint.Resource {
	if !d.meta(n, string(kind), obj) {
		return nil
	}
	pd := &protoDecoder{}
	defer pd.release()
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !topLevel[k] {
			pd.problem(k, "unknown field %q at the top level%s", k, suggestTopLevel(k))
		}
	}
	pd.message(field(n, "spec"), spec.ProtoReflect(), rootPath("spec"))
	r := &lint.Resource{Kind: kind, APIVersion: apiVersion, Object: obj, Locator: d.loc, Problems: pd.problems}
	d.add(n, r)
	return r
}

func (d *docDecoder) service(n *yaml.Node, apiVersion string) {
	svc := &corev1.Service{}
	if !d.meta(n, "Service", &svc.ObjectMeta) {
		return
	}
	if spec := field(n, "spec"); spec != nil && !isNull(spec) {
		// Services are not Istio resources: decode them the way the API
		// server does, through their JSON form.
		raw, err := json.Marshal(toAny(spec))
		if err == nil {
			err = json.Unmarshal(raw, &svc.Spec)
		}
		if err != nil {
			at, msg := serviceDecodeError(spec, err)
			d.errorf(at, "decoding Service %s/%s: %s", svc.Namespace, svc.Name, msg)
			return
		}
	}
	d.add(n, &lint.Resource{Kind: lint.KindService, APIVersion: apiVersion, Object: svc, Locator: d.loc})
}

// serviceDecodeError finds the field of a Service spec that JSON decoding
// refused (a port given as a string, say) and says what was wrong with it;
// other errors are reported at spec.
func serviceDecodeError(spec *yaml.Node, err error) (*yaml.Node, string) {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		if n, path := findJSONKind(spec, strings.Split(te.Field, "."), "spec", te.Value); n != nil {
			got := te.Value
			if n.Kind == yaml.ScalarNode {
				got += fmt.Sprintf(" %q", n.Value)
			}
			return n, fmt.Sprintf("%s: want %s, got %s", path, te.Type, got)
		}
	}
	return spec, "spec: " + err.Error()
}

// findJSONKind returns the first node at path under n (through every
// element of the sequences on the way) whose JSON form is of kind want
// ("string", "number", "bool", "array", "object"), and its path with
// sequence indexes.
func findJSONKind(n *yaml.Node, path []string, at, want string) (*yaml.Node, string) {
	n = deref(n)
	if n == nil {
		return nil, ""
	}
	if n.Kind == yaml.SequenceNode && (len(path) > 0 || want != "array") {
		for i, e := range n.Content {
			if found, p := findJSONKind(e, path, fmt.Sprintf("%s[%d]", at, i), want); found != nil {
				return found, p
			}
		}
		return nil, ""
	}
	if len(path) == 0 {
		if jsonKind(n) == want {
			return n, at
		}
		// A map's values (selector: {app: [web]}): the error names the map.
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if v := deref(n.Content[i+1]); v != nil && jsonKind(v) == want {
					return v, at + "." + n.Content[i].Value
				}
			}
		}
		return nil, ""
	}
	return findJSONKind(field(n, path[0]), path[1:], at+"."+path[0], want)
}

// jsonKind is the kind of JSON value toAny turns n into.
func jsonKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "object"
	case yaml.SequenceNode:
		return "array"
	}
	switch toAny(n).(type) {
	case float64:
		return "number"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return "string"
}

// configMap reads the mesh config from the ConfigMap named by
// Mesh.MeshConfigMap (`istio` by default) in the root namespace; other
// ConfigMaps are skipped.
func (d *docDecoder) configMap(n *yaml.Node) {
	md := field(n, "metadata")
	ns := scalarField(md, "namespace")
	if ns == "" {
		ns = d.opts.namespace()
	}
	name := scalarField(md, "name")
	if name != d.opts.Mesh.MeshConfigMap() || ns != d.opts.rootNamespace() {
		return
	}
	mc := &lint.MeshConfig{SourceKind: "ConfigMap", Spec: &meshconfig.MeshConfig{}}
	if !d.meta(n, "ConfigMap", &mc.ObjectMeta) {
		return
	}
	r := &lint.Resource{Kind: lint.KindMeshConfig, APIVersion: "v1", Object: mc, Locator: d.loc}
	if meshNode := field(field(n, "data"), "mesh"); meshNode != nil && meshNode.Kind == yaml.ScalarNode && meshNode.Value != "" {
		var inner yaml.Node
		if err := yaml.Unmarshal([]byte(meshNode.Value), &inner); err != nil {
			msg, _ := shiftLine(err.Error(), 0)
			d.errorf(meshNode, "invalid YAML in data.mesh of ConfigMap %s/%s: %s", ns, name, msg)
			return
		}
		if aliasExpansion(&inner, maxExpandedNodes) > maxExpandedNodes {
			d.errorf(meshNode, "data.mesh of ConfigMap %s/%s expands YAML aliases to more than %d nodes; not decoded", ns, name, maxExpandedNodes)
			return
		}
		pd := &protoDecoder{}
		defer pd.release()
		if len(inner.Content) > 0 {
			pd.message(inner.Content[0], mc.Spec.ProtoReflect(), rootPath("data.mesh"))
		}
		r.Problems = pd.problems
		d.loc.isMesh = true
	}
	d.add(n, r)
}

func (d *docDecoder) istioOperator(n *yaml.Node, apiVersion string) {
	mc := &lint.MeshConfig{SourceKind: "IstioOperator", Spec: &meshconfig.MeshConfig{}}
	// An IstioOperator overlay for `istioctl install -f` needs no name
	// (istioctl gives it one); only its mesh config is read.
	if md := field(n, "metadata"); md == nil || md.Kind != yaml.MappingNode || scalarField(md, "name") == "" {
		mc.Name = ""
		mc.Namespace = d.opts.rootNamespace()
		if md != nil && md.Kind == yaml.MappingNode {
			if ns := scalarField(md, "namespace"); ns != "" {
				mc.Namespace = ns
			}
		}
	} else if !d.meta(n, "IstioOperator", &mc.ObjectMeta) {
		return
	}
	meshNode := field(field(n, "spec"), "meshConfig")
	if meshNode == nil || isNull(meshNode) {
		return
	}
	pd := &protoDecoder{}
	defer pd.release()
	pd.message(meshNode, mc.Spec.ProtoReflect(), rootPath("spec.meshConfig"))
	d.add(n, &lint.Resource{Kind: lint.KindMeshConfig, APIVersion: apiVersion, Object: mc, Locator: d.loc, Problems: pd.problems})
}

// MeshConfigFromConfigMap reads a mesh config from the data.mesh key of a
// ConfigMap (the webhook's cached `istio` ConfigMap).
func MeshConfigFromConfigMap(cm *corev1.ConfigMap) (*lint.Resource, error) {
	mc := &lint.MeshConfig{ObjectMeta: *cm.ObjectMeta.DeepCopy(), SourceKind: "ConfigMap", Spec: &meshconfig.MeshConfig{}}
	r := &lint.Resource{Kind: lint.KindMeshConfig, APIVersion: "v1", Object: mc}
	text := cm.Data["mesh"]
	if strings.TrimSpace(text) == "" {
		return r, nil
	}
	var inner yaml.Node
	if err := yaml.Unmarshal([]byte(text), &inner); err != nil {
		return nil, fmt.Errorf("parsing data.mesh of ConfigMap %s/%s: %w", cm.Namespace, cm.Name, err)
	}
	if aliasExpansion(&inner, maxExpandedNodes) > maxExpandedNodes {
		return nil, fmt.Errorf("data.mesh of ConfigMap %s/%s expands YAML aliases to more than %d nodes", cm.Namespace, cm.Name, maxExpandedNodes)
	}
	pd := &protoDecoder{}
	defer pd.release()
	if len(inner.Content) > 0 {
		pd.message(inner.Content[0], mc.Spec.ProtoReflect(), rootPath("data.mesh"))
	}
	r.Problems = pd.problems
	return r, nil
}

// Bytes decodes one input (a file's contents, or an admission request's raw
// object, which is JSON) into resources and input errors.
func Bytes(name string, data []byte, opts Options) ([]*lint.Resource, []InputError) {
	var res chunkResult
	for _, c := range split(name, string(data)) {
		r := decodeChunk(c, opts)
		res.resources = append(res.resources, r.resources...)
		res.errors = append(res.errors, r.errors...)
	}
	return res.resources, res.errors
}

// templateAction returns the first node below n that is a template action
// written where a value goes, {{ .X }} (which YAML reads as a flow mapping
// whose one key is a flow mapping with one null-valued key), and the action
// as written; nil when there is none. A {{ }} inside a string is a string,
// and not one.
func templateAction(n *yaml.Node, depth int) (*yaml.Node, string) {
	if n == nil || depth > MaxDepth {
		return nil, ""
	}
	if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle != 0 && len(n.Content) == 2 && isNull(n.Content[1]) {
		if inner := n.Content[0]; inner.Kind == yaml.MappingNode && inner.Style&yaml.FlowStyle != 0 &&
			len(inner.Content) == 2 && inner.Content[0].Kind == yaml.ScalarNode && isNull(inner.Content[1]) {
			return n, "{{ " + inner.Content[0].Value + " }}"
		}
	}
	for _, c := range n.Content {
		if p, a := templateAction(c, depth+1); p != nil {
			return p, a
		}
	}
	return nil, ""
}
