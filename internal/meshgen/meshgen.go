// Package meshgen writes the synthetic mesh of ../shared/tools/gen_mesh.py
// from Go, byte for byte, so that benchmarks need no Python: N services,
// each with a Service, DestinationRule and VirtualService; every 10th with a
// Gateway and an ingress VirtualService; every 20th with a ServiceEntry;
// every 50th with an EnvoyFilter (about 3.4 resources per service).
package meshgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Files returns the generated files of an n-service mesh spread over files
// files, by name.
func Files(n, files int) map[string][]byte {
	docs := make([][]string, files)
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("team-%d", i%50)
		svc := fmt.Sprintf("svc-%d", i)
		tls := "ISTIO_MUTUAL"
		if i%25 == 0 {
			tls = "DISABLE"
		}
		retry := "reset,connect-failure,refused-stream"
		if i%7 == 0 {
			retry = "connect-failure,refused-stream"
		}
		r := strings.NewReplacer("{i}", strconv.Itoa(i), "{ns}", ns, "{svc}", svc, "{tls}", tls, "{retry}", retry)
		d := &docs[i%files]
		*d = append(*d, r.Replace(serviceTpl), r.Replace(destinationRuleTpl), r.Replace(virtualServiceTpl))
		if i%10 == 0 {
			*d = append(*d, r.Replace(gatewayTpl), r.Replace(ingressTpl))
		}
		if i%20 == 0 {
			*d = append(*d, r.Replace(serviceEntryTpl))
		}
		if i%50 == 0 {
			*d = append(*d, r.Replace(envoyFilterTpl))
		}
	}
	out := map[string][]byte{}
	for k, d := range docs {
		if len(d) > 0 {
			out[fmt.Sprintf("mesh-%03d.yaml", k)] = []byte(strings.Join(d, "\n---\n") + "\n")
		}
	}
	return out
}

// Write writes the mesh under dir.
func Write(dir string, n, files int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range Files(n, files) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("writing mesh: %w", err)
		}
	}
	return nil
}
