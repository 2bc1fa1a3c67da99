package charts

import (
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// TestHelmLintStrict is `helm lint --strict charts/meshlint` through the SDK, for the default
// values and each certificate source, so CI proves it without the helm binary.
func TestHelmLintStrict(t *testing.T) {
	kv, err := chartutil.ParseKubeVersion(DefaultKubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		values map[string]any
	}{
		{"defaults", nil},
		{"cert-manager", map[string]any{"certManager": map[string]any{"enabled": true}}},
		{"existing secret, enforce, service monitor", map[string]any{
			"mode":    "enforce",
			"certs":   map[string]any{"existingSecret": "my-tls", "caBundle": "Q0EK"},
			"metrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true}},
		}},
		{"knobs: host network, secure metrics, network policy, external RBAC and ServiceAccount", map[string]any{
			"hostNetwork":    true,
			"metrics":        map[string]any{"secure": true, "serviceMonitor": map[string]any{"enabled": true}},
			"networkPolicy":  map[string]any{"enabled": true},
			"rbac":           map[string]any{"create": false},
			"serviceAccount": map[string]any{"create": false, "name": "platform-meshlint"},
			"extraArgs":      []any{"--timeout=1s"},
			"replicaCount":   1,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			linter := lint.AllWithKubeVersion(Dir, tc.values, DefaultNamespace, kv)
			for _, m := range linter.Messages {
				// --strict fails on warnings as well as errors.
				if m.Severity >= support.WarningSev {
					t.Errorf("%s", m)
				} else {
					t.Logf("%s", m)
				}
			}
		})
	}
}
