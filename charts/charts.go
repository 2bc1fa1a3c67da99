// Package charts embeds the meshlint Helm chart and renders it with the Helm SDK, exactly as
// `helm template` would, so that tests (the chart's own and the e2e suite's) work on the objects
// users install rather than on hand-written copies.
package charts

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Dir is the chart's directory relative to this package, for tools that want a path (helm lint).
const Dir = "meshlint"

//go:embed all:meshlint
var files embed.FS

// Defaults of Render.
const (
	DefaultReleaseName = "meshlint"
	DefaultNamespace   = "meshlint"
	// DefaultKubeVersion is the cluster version the chart is rendered for.
	DefaultKubeVersion = "v1.37.0"
)

// Load returns the embedded chart.
func Load() (*chart.Chart, error) {
	var bufs []*loader.BufferedFile
	err := fs.WalkDir(files, Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		bufs = append(bufs, &loader.BufferedFile{Name: strings.TrimPrefix(path, Dir+"/"), Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the embedded chart: %w", err)
	}
	c, err := loader.LoadFiles(bufs)
	if err != nil {
		return nil, fmt.Errorf("loading the chart: %w", err)
	}
	return c, nil
}

// Options say how to render the chart. The zero value renders release "meshlint" in namespace
// "meshlint" with the chart's default values.
type Options struct {
	ReleaseName string
	Namespace   string
	// Values override the chart's values.yaml, like `--values`; they are checked against
	// values.schema.json.
	Values map[string]any
	// KubeVersion is the cluster version reported to the templates (DefaultKubeVersion when "").
	KubeVersion string
	// APIVersions are extra API versions reported as available (`--api-versions`).
	APIVersions []string
}

// Rendered is the output of the chart: its objects, in manifest order, and its NOTES.txt.
type Rendered struct {
	Objects []*unstructured.Unstructured
	Notes   string
	// Manifest is the raw multi-document YAML, as `helm template` prints it.
	Manifest string
}

// Render renders the chart with values over its defaults, as release "meshlint" in namespace
// "meshlint", and returns every object it produces.
func Render(values map[string]any) ([]*unstructured.Unstructured, error) {
	r, err := RenderWith(Options{Values: values})
	if err != nil {
		return nil, err
	}
	return r.Objects, nil
}

// RenderWith renders the chart as configured by opts.
func RenderWith(opts Options) (*Rendered, error) {
	if opts.ReleaseName == "" {
		opts.ReleaseName = DefaultReleaseName
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if opts.KubeVersion == "" {
		opts.KubeVersion = DefaultKubeVersion
	}
	kv, err := chartutil.ParseKubeVersion(opts.KubeVersion)
	if err != nil {
		return nil, fmt.Errorf("parsing kube version %q: %w", opts.KubeVersion, err)
	}
	c, err := Load()
	if err != nil {
		return nil, err
	}
	// What `helm install` and `helm template` check before rendering.
	if kc := c.Metadata.KubeVersion; kc != "" && !chartutil.IsCompatibleRange(kc, kv.String()) {
		return nil, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", kc, kv.String())
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = *kv
	caps.APIVersions = append(caps.APIVersions, opts.APIVersions...)
	values := opts.Values
	if values == nil {
		values = map[string]any{}
	}
	// What `helm template` and `helm install` do, without the Kubernetes client they carry.
	renderValues, err := chartutil.ToRenderValues(c, values, chartutil.ReleaseOptions{
		Name: opts.ReleaseName, Namespace: opts.Namespace, Revision: 1, IsInstall: true,
	}, caps)
	if err != nil {
		return nil, fmt.Errorf("rendering the chart: %w", err)
	}
	// Strict: a template reading a value that does not exist is a bug in the chart.
	files, err := engine.Engine{Strict: true}.Render(c, renderValues)
	if err != nil {
		return nil, fmt.Errorf("rendering the chart: %w", err)
	}
	notes := files[path.Join(c.Name(), "templates", "NOTES.txt")]
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, caps.APIVersions, releaseutil.InstallOrder)
	if err != nil {
		return nil, fmt.Errorf("sorting the rendered manifests: %w", err)
	}
	if len(hooks) > 0 {
		return nil, fmt.Errorf("the chart has %d hooks; Render does not handle hooks", len(hooks))
	}
	var manifest strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&manifest, "---\n# Source: %s\n%s\n", m.Name, m.Content)
	}
	objs, err := Decode(manifest.String())
	if err != nil {
		return nil, err
	}
	return &Rendered{Objects: objs, Notes: notes, Manifest: manifest.String()}, nil
}

// Decode splits a multi-document YAML manifest into objects, skipping empty documents.
func Decode(manifest string) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewBufferString(manifest), 4096)
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decoding the rendered manifest: %w", err)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// Find returns the rendered object of the given kind and name, or nil.
func Find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// OfKind returns the rendered objects of the given kind.
func OfKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// WebhookConfiguration returns the rendered ValidatingWebhookConfiguration, typed, failing on
// fields the API type does not have.
func WebhookConfiguration(objs []*unstructured.Unstructured) (*admissionv1.ValidatingWebhookConfiguration, error) {
	vwcs := OfKind(objs, "ValidatingWebhookConfiguration")
	if len(vwcs) != 1 {
		return nil, fmt.Errorf("the chart rendered %d ValidatingWebhookConfigurations, want 1", len(vwcs))
	}
	var vwc admissionv1.ValidatingWebhookConfiguration
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(vwcs[0].Object, &vwc, true); err != nil {
		return nil, fmt.Errorf("decoding ValidatingWebhookConfiguration %q: %w", vwcs[0].GetName(), err)
	}
	return &vwc, nil
}

// PointAt sends every webhook of vwc to url (https://host:port, the path /validate is kept
// from the chart) instead of the chart's Service, trusting caBundle; a nil caBundle leaves it
// to the self-managed rotator to inject. Everything else (rules, selectors, failure policy,
// timeout) stays as users install it.
func PointAt(vwc *admissionv1.ValidatingWebhookConfiguration, url string, caBundle []byte) {
	for i := range vwc.Webhooks {
		cc := &vwc.Webhooks[i].ClientConfig
		path := "/validate"
		if cc.Service != nil && cc.Service.Path != nil {
			path = *cc.Service.Path
		}
		u := strings.TrimSuffix(url, "/") + path
		cc.URL = &u
		cc.Service = nil
		cc.CABundle = caBundle
	}
}
