// Package render turns the Helm charts and kustomizations met among
// meshlint's inputs into the documents they produce, named after the
// source files they come from, for lint/load. It reads only local files:
// no network, no exec plugins.
package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"

	"github.com/meshlint/meshlint/lint/load"
)

// Options are the values charts are rendered with.
type Options struct {
	// ValueFiles are --values/-f files, merged in order over the chart's
	// defaults.
	ValueFiles []string
	// Set are --set expressions (a=b,c.d=e), applied after ValueFiles.
	Set []string
	// Namespace is the release namespace ("default" when empty).
	Namespace string
	// ReleaseName is the release name ("release-name", as helm template).
	ReleaseName string
}

// Renderer renders charts and kustomizations for load.Options.Render.
type Renderer struct {
	opts Options
}

// New returns a Renderer.
func New(opts Options) *Renderer {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.ReleaseName == "" {
		opts.ReleaseName = "release-name"
	}
	return &Renderer{opts: opts}
}

// Render implements load.RenderFunc.
func (r *Renderer) Render(dir string, kind load.DirKind) *load.Rendering {
	switch kind {
	case load.HelmChart:
		return r.chart(dir)
	case load.Kustomization:
		return kustomize(dir)
	}
	return nil
}

// chart renders a chart with the user's values, or, when none are given
// and the chart has ci/*-values.yaml files (the chart-testing convention),
// once with each of them.
func (r *Renderer) chart(dir string) *load.Rendering {
	out := &load.Rendering{}
	ch, err := loader.LoadDir(dir)
	if err != nil {
		out.Errors = append(out.Errors, load.InputError{File: filepath.Join(dir, "Chart.yaml"), Message: fmt.Sprintf("loading the Helm chart: %v", err)})
		return out
	}
	variants := [][]string{r.opts.ValueFiles}
	if len(r.opts.ValueFiles) == 0 && len(r.opts.Set) == 0 {
		if ci, _ := filepath.Glob(filepath.Join(dir, "ci", "*-values.yaml")); len(ci) > 0 {
			sort.Strings(ci)
			variants = variants[:0]
			for _, f := range ci {
				variants = append(variants, []string{f})
			}
		}
	}
	for _, files := range variants {
		docs, ierr := r.renderChart(ch, dir, files)
		if ierr != nil {
			out.Errors = append(out.Errors, *ierr)
			continue
		}
		out.Variants = append(out.Variants, docs)
	}
	return out
}

func (r *Renderer) renderChart(ch *chart.Chart, dir string, valueFiles []string) ([]load.RenderedFile, *load.InputError) {
	vals := map[string]any{}
	for _, f := range valueFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &load.InputError{File: f, Message: fmt.Sprintf("reading values: %v", unwrap(err))}
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			return nil, &load.InputError{File: f, Message: fmt.Sprintf("parsing values: %v", err)}
		}
		vals = mergeMaps(vals, m)
	}
	for _, s := range r.opts.Set {
		if err := strvals.ParseInto(s, vals); err != nil {
			return nil, &load.InputError{Message: fmt.Sprintf("--set %q: %v", s, err)}
		}
	}
	note := valuesNote(dir, valueFiles, r.opts.Set)
	if missing := missingDependencies(ch); len(missing) > 0 {
		// helm template refuses such a chart until helm dependency build
		// has run; a repository seldom commits charts/, so the chart's own
		// templates are linted without them, saying so.
		note += "; without its dependencies " + strings.Join(missing, ", ") + ", which charts/ does not hold"
	}
	chartFile := filepath.Join(dir, "Chart.yaml")
	if err := chartutil.ProcessDependenciesWithMerge(ch, vals); err != nil {
		return nil, &load.InputError{File: chartFile, Message: fmt.Sprintf("resolving the chart's dependencies (%s): %v", note, err)}
	}
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{
		Name: r.opts.ReleaseName, Namespace: r.opts.Namespace, Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, &load.InputError{File: chartFile, Message: fmt.Sprintf("%s: %v", note, err)}
	}
	rendered, err := engine.Render(ch, rv)
	if err != nil {
		return nil, renderError(ch, dir, note, err)
	}
	names := make([]string, 0, len(rendered))
	for name, text := range rendered {
		if strings.HasSuffix(name, "NOTES.txt") || strings.TrimSpace(text) == "" {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	docs := make([]load.RenderedFile, 0, len(names))
	for _, name := range names {
		docs = append(docs, load.RenderedFile{File: sourcePath(ch, dir, name), Data: rendered[name], Note: note})
	}
	return docs, nil
}

// missingDependencies returns the dependencies Chart.yaml declares that
// the chart does not hold (charts/ lacks them): those helm template would
// refuse to render without.
func missingDependencies(ch *chart.Chart) []string {
	have := map[string]bool{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = true
	}
	var missing []string
	for _, d := range ch.Metadata.Dependencies {
		if d != nil && !have[d.Name] {
			missing = append(missing, d.Name)
		}
	}
	return missing
}

// valuesNote says which values a rendering used.
func valuesNote(dir string, files, set []string) string {
	var used []string
	if _, err := os.Stat(filepath.Join(dir, "values.yaml")); err == nil {
		used = append(used, filepath.Join(dir, "values.yaml"))
	}
	used = append(used, files...)
	for _, s := range set {
		used = append(used, "--set "+s)
	}
	shown := dir
	if !strings.HasSuffix(shown, string(filepath.Separator)) {
		shown += string(filepath.Separator)
	}
	if len(used) == 0 {
		return fmt.Sprintf("helm chart %s without values", shown)
	}
	return fmt.Sprintf("helm chart %s with values %s", shown, strings.Join(used, ", "))
}

// sourcePath turns a rendered template's name ("web/templates/vs.yaml",
// "web/charts/db/templates/svc.yaml") into the file under dir.
func sourcePath(ch *chart.Chart, dir, name string) string {
	rest := strings.TrimPrefix(name, ch.Name()+"/")
	if rest == name {
		return name
	}
	return filepath.Join(dir, filepath.FromSlash(rest))
}

// templateAt finds the template and line a Helm error names:
// "template: web/templates/vs.yaml:7:20: executing ...", or
// "execution error at (web/templates/vs.yaml:1:3): ..." (fail, required).
var templateAt = regexp.MustCompile(`(?:template: |error at \()([^:\s()]+):(\d+)(?::\d+)?`)

// renderError is one input error for a chart that fails to render, at
// the template the error names.
func renderError(ch *chart.Chart, dir, note string, err error) *load.InputError {
	msg := err.Error()
	ie := &load.InputError{File: filepath.Join(dir, "Chart.yaml")}
	if m := templateAt.FindStringSubmatch(msg); m != nil {
		ie.File = sourcePath(ch, dir, m[1])
		ie.Line, _ = strconv.Atoi(m[2])
	}
	ie.Message = fmt.Sprintf("rendering the Helm chart (%s): %s", note, msg)
	return ie
}

func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
