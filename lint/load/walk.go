package load

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DirKind is what a directory holds when it is rendered rather than read
// file by file.
type DirKind int

// The directories Paths renders through Options.Render.
const (
	HelmChart     DirKind = iota + 1 // holds Chart.yaml
	Kustomization                    // holds kustomization.yaml, .yml or Kustomization
)

// A Rendering is what rendering a chart or kustomization produced: one or
// more variants (a chart with ci/*-values.yaml files renders once per
// file), each a list of files with their rendered text.
type Rendering struct {
	Variants [][]RenderedFile
	// Errors are the problems that kept part of it from rendering.
	Errors []InputError
}

// RenderedFile is the rendered text of one source file.
type RenderedFile struct {
	// File is the source file the documents came from
	// (chart/templates/vs.yaml, base/vs.yaml).
	File string
	Data string
	// Note says how it was rendered ("helm chart chart/ with values
	// chart/values.yaml").
	Note string
	// NoLines is set when the text is not the file's own (kustomize
	// re-serialises resources), so findings name the file without a line.
	NoLines bool
}

// RenderFunc renders the chart or kustomization in dir.
type RenderFunc func(dir string, kind DirKind) *Rendering

// dirKind tells a chart or kustomization directory from its entries, so a
// directory costs no more than the listing the walk reads anyway.
func dirKind(entries []fs.DirEntry) DirKind {
	var kind DirKind
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		switch e.Name() {
		case "Chart.yaml":
			return HelmChart
		case "kustomization.yaml", "kustomization.yml", "Kustomization":
			kind = Kustomization
		}
	}
	return kind
}

// walker collects the inputs of Paths.
type walker struct {
	opts   Options
	res    *Result
	inputs []input
	groups int
	// kustomizations are the kustomization directories met, built once
	// the walk is done (see buildKustomizations); named are the
	// directories the user gave as paths.
	kustomizations []string
	named          map[string]bool
}

func (w *walker) errorf(file, format string, args ...any) {
	w.res.Errors = append(w.res.Errors, InputError{File: file, Message: fmt.Sprintf(format, args...)})
}

func (w *walker) excluded(path string, dir bool) bool {
	return w.opts.Exclude != nil && w.opts.Exclude(path, dir)
}

// path reads one path given by the user: a file (whatever its extension:
// the user named it), or a directory, followed if it is a symlink.
func (w *walker) path(p string) {
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			w.errorf(p, "no such file or directory")
			return
		}
		w.errorf(p, "%v", unwrapPathError(err))
		return
	}
	if w.excluded(p, st.IsDir()) {
		return
	}
	if !st.IsDir() {
		w.file(p, true)
		return
	}
	if w.named == nil {
		w.named = map[string]bool{}
	}
	w.named[absPath(p)] = true
	var files []string
	w.dir(p, &files)
	sort.Strings(files)
	for _, f := range files {
		w.file(f, false)
	}
}

// dir lists the manifest files under dir into files, renders the charts
// and kustomizations it meets, and goes on past what it cannot read.
// Hidden directories are skipped; symlinks to directories are not
// followed (they can loop).
func (w *walker) dir(dir string, files *[]string) {
	entries, err := readDir(dir)
	if err != nil && len(entries) == 0 {
		w.errorf(dir, "reading directory: %v", unwrapPathError(err))
		return
	}
	if err != nil {
		w.errorf(dir, "reading directory: %v", unwrapPathError(err))
	}
	if w.opts.Render != nil {
		switch kind := dirKind(entries); kind {
		case Kustomization:
			w.kustomizations = append(w.kustomizations, dir)
			return
		case 0:
		default:
			w.render(dir, kind)
			return
		}
	}
	for _, e := range entries {
		name := filepath.Join(dir, e.Name())
		if e.IsDir() {
			if strings.HasPrefix(e.Name(), ".") || w.excluded(name, true) {
				continue
			}
			w.dir(name, files)
			continue
		}
		switch strings.ToLower(filepath.Ext(name)) {
		case ".yaml", ".yml", ".json":
			if !w.excluded(name, false) {
				*files = append(*files, name)
			}
		}
	}
}

// buildKustomizations builds the kustomizations the walk met, except those
// that another of them loads (a base, a shared istio/ folder): those are
// deployed only through their overlays, which the builds hold, so that a
// base is not linted as it never is applied (with the placeholders its
// overlays replace) nor each of its findings reported once more. One the
// user named as a path is built all the same.
func (w *walker) buildKustomizations() {
	loaded := map[string]bool{}
	for _, dir := range w.kustomizations {
		refs, _, _ := KustomizationRefs(dir)
		for _, ref := range refs {
			if strings.Contains(ref, "://") || filepath.IsAbs(ref) {
				continue
			}
			p := filepath.Join(dir, ref)
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				loaded[absPath(p)] = true
			}
		}
	}
	for _, dir := range w.kustomizations {
		if a := absPath(dir); loaded[a] && !w.named[a] {
			continue
		}
		w.render(dir, Kustomization)
	}
	w.kustomizations = nil
}

// absPath is p made absolute and clean, or p when that fails.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

func (w *walker) render(dir string, kind DirKind) {
	r := w.opts.Render(dir, kind)
	if r == nil {
		return
	}
	w.res.Errors = append(w.res.Errors, r.Errors...)
	group, first := 0, 0
	switch {
	case kind == Kustomization:
		// Each build is a deployment of its own (overlays of one base
		// carry the same names): linted as its own unit beside the files.
		w.groups++
		group, first = w.groups, 1
	case len(r.Variants) > 1:
		w.groups++
		group = w.groups
	}
	for v, files := range r.Variants {
		for _, f := range files {
			w.inputs = append(w.inputs, input{name: f.File, data: f.Data, note: f.Note, noLines: f.NoLines, group: group, variant: first + v})
		}
	}
}

// file reads one file: a regular file (through symlinks), within
// MaxInputBytes. A FIFO or device met in a walk is an error and never
// opened (a FIFO would block); one the user named is read, bounded, since
// `meshlint <(helm template ...)` names a pipe.
func (w *walker) file(name string, named bool) {
	st, err := os.Stat(name)
	if err != nil {
		w.errorf(name, "reading file: %v", unwrapPathError(err))
		return
	}
	if !st.Mode().IsRegular() && !named {
		w.errorf(name, "not a regular file (%s); not read", modeName(st.Mode()))
		return
	}
	if st.Mode().IsRegular() && st.Size() > MaxInputBytes {
		w.errorf(name, "reading file: larger than %d MiB; not read", MaxInputBytes>>20)
		return
	}
	f, err := os.Open(name)
	if err != nil {
		w.errorf(name, "reading file: %v", unwrapPathError(err))
		return
	}
	defer f.Close()
	size := int64(0)
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	data, err := readSized(f, size)
	if err != nil {
		w.errorf(name, "reading file: %v", err)
		return
	}
	w.inputs = append(w.inputs, input{name: name, data: ownedString(data)})
}

func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.String()
}

// readDir lists a directory; tests replace it to fail where root, who
// reads every directory, cannot be made to.
var readDir = os.ReadDir
