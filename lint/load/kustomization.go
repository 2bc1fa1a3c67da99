package load

import (
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// KustomizationNames are the file names kustomize reads, in its order.
var KustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// KustomizationFile returns the kustomization file of dir: the first of
// KustomizationNames that exists, else the first name.
func KustomizationFile(dir string) string {
	for _, n := range KustomizationNames {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(dir, KustomizationNames[0])
}

// KustomizationRefs returns what the kustomization in dir loads: its
// resources, bases and components, as written (relative paths or remote
// URLs), and its kind (Kustomization or Component). ok is false when the
// file cannot be read or parsed; kustomize itself says why when it builds.
func KustomizationRefs(dir string) (refs []string, kind string, ok bool) {
	data, err := os.ReadFile(KustomizationFile(dir))
	if err != nil {
		return nil, "", false
	}
	var k struct {
		Kind       string   `yaml:"kind"`
		Resources  []string `yaml:"resources"`
		Bases      []string `yaml:"bases"`
		Components []string `yaml:"components"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, "", false
	}
	refs = append(append(append(refs, k.Resources...), k.Bases...), k.Components...)
	return refs, k.Kind, true
}
