package render

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/meshlint/meshlint/lint/load"
)

// originAnnotation is where kustomize records a resource's source file
// when the kustomization asks for buildMetadata: [originAnnotations].
const originAnnotation = "config.kubernetes.io/origin"

// kustomize builds the kustomization in dir with krusty: exec and
// container plugins off, and remote bases refused before the build (krusty
// would clone them). Each resource is named after its origin file.
func kustomize(dir string) *load.Rendering {
	out := &load.Rendering{}
	root, err := filepath.Abs(dir)
	if err != nil {
		out.Errors = append(out.Errors, load.InputError{File: dir, Message: err.Error()})
		return out
	}
	kfile := kustomizationFile(root)
	if isComponent(kfile) {
		// A Component is built only as part of the kustomizations that
		// list it.
		return nil
	}
	if errs := checkLocal(dir, root, map[string]bool{}); len(errs) > 0 {
		out.Errors = append(out.Errors, errs...)
		return out
	}
	fsys := &originFS{FileSystem: filesys.MakeFsOnDisk(), root: kfile}
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.DisabledPluginConfig()
	m, err := krusty.MakeKustomizer(opts).Run(fsys, root)
	if err != nil {
		out.Errors = append(out.Errors, load.InputError{File: relTo(dir, root, kfile), Message: fmt.Sprintf("building the kustomization: %v", err)})
		return out
	}
	note := "kustomization " + dir
	var files []load.RenderedFile
	for _, r := range m.Resources() {
		file := relTo(dir, root, kfile)
		if o, err := r.GetOrigin(); err == nil && o != nil {
			switch {
			case o.Path != "":
				file = filepath.Join(dir, filepath.FromSlash(o.Path))
			case o.ConfiguredIn != "":
				file = filepath.Join(dir, filepath.FromSlash(o.ConfiguredIn))
			}
		}
		if ann := r.GetAnnotations(); len(ann) > 0 {
			delete(ann, originAnnotation)
			if err := r.SetAnnotations(ann); err != nil {
				out.Errors = append(out.Errors, load.InputError{File: file, Message: fmt.Sprintf("building the kustomization: %v", err)})
				continue
			}
		}
		data, err := r.AsYAML()
		if err != nil {
			out.Errors = append(out.Errors, load.InputError{File: file, Message: fmt.Sprintf("building the kustomization: %v", err)})
			continue
		}
		files = append(files, load.RenderedFile{File: file, Data: string(data), Note: note, NoLines: true})
	}
	out.Variants = [][]load.RenderedFile{files}
	return out
}

// relTo names an absolute path under root the way dir (the user's
// spelling of root) would.
func relTo(dir, root, abs string) string {
	if rel, err := filepath.Rel(root, abs); err == nil {
		return filepath.Join(dir, rel)
	}
	return abs
}

func kustomizationFile(dir string) string { return load.KustomizationFile(dir) }

// isComponent reports whether a kustomization file is a Component
// (kind: Component), which cannot be built on its own.
func isComponent(kfile string) bool {
	_, kind, ok := load.KustomizationRefs(filepath.Dir(kfile))
	return ok && kind == "Component"
}

// checkLocal refuses, before the build, the resources, bases and
// components that are not on the local disk (krusty would fetch them),
// through local bases recursively.
func checkLocal(shown, dir string, seen map[string]bool) []load.InputError {
	if seen[dir] {
		return nil
	}
	seen[dir] = true
	kfile := kustomizationFile(dir)
	refs, _, ok := load.KustomizationRefs(dir)
	if !ok {
		return nil // krusty reports it, with its own words
	}
	var errs []load.InputError
	for _, ref := range refs {
		if isRemote(ref) {
			errs = append(errs, load.InputError{File: filepath.Join(shown, filepath.Base(kfile)),
				Message: fmt.Sprintf("remote resource %q: meshlint does not fetch remote bases; lint a local copy", ref)})
			continue
		}
		p := filepath.Join(dir, ref)
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, load.InputError{File: filepath.Join(shown, filepath.Base(kfile)),
				Message: fmt.Sprintf("resource %q: not found on disk (remote bases are not fetched)", ref)})
			continue
		}
		if st.IsDir() {
			errs = append(errs, checkLocal(filepath.Join(shown, ref), p, seen)...)
		}
	}
	return errs
}

// isRemote reports whether a kustomization entry is a URL or a git
// reference rather than a path.
func isRemote(ref string) bool {
	return strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") ||
		strings.HasPrefix(ref, "github.com/") || strings.HasPrefix(ref, "gitlab.com/") ||
		strings.HasPrefix(ref, "bitbucket.org/") || strings.Contains(ref, "?ref=") || strings.Contains(ref, ".git//")
}

// originFS is the disk with one change: the root kustomization asks for
// origin annotations (buildMetadata: [originAnnotations]), which its bases
// inherit, so that every resource says which file it came from.
type originFS struct {
	filesys.FileSystem
	root string
}

func (f *originFS) ReadFile(path string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(path)
	if err != nil || filepath.Clean(path) != f.root {
		return data, err
	}
	var k map[string]any
	if yaml.Unmarshal(data, &k) != nil || k == nil {
		return data, nil
	}
	meta, _ := k["buildMetadata"].([]any)
	for _, m := range meta {
		if m == types.OriginAnnotations {
			return data, nil
		}
	}
	k["buildMetadata"] = append(meta, types.OriginAnnotations)
	out, err := yaml.Marshal(k)
	if err != nil {
		return data, nil
	}
	return out, nil
}
