package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// whatIfReport is the part of meshlint's JSON report the what-if test reads.
type whatIfReport struct {
	Findings []struct {
		Check    string `json:"check"`
		File     string `json:"file"`
		Line     int    `json:"line"`
		Resource struct {
			Kind      string `json:"kind"`
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
		} `json:"resource"`
	} `json:"findings"`
	Errors []json.RawMessage `json:"errors"`
}

// whatIfLive is the base state: a terminating Gateway owned by one team, a
// VirtualService of another team bound to it, a VirtualService whose
// retries skip resets (a finding the cluster already has), and the Services
// the routes go to.
const whatIfLive = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: e2e-whatif-gw}
spec:
  selector: {app: gw-whatif}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*/shop.whatif.example.com"]
    tls: {mode: SIMPLE, credentialName: whatif-cert}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: e2e-whatif-app}
spec:
  hosts: [shop.whatif.example.com]
  gateways: [e2e-whatif-gw/public]
  http:
  - route:
    - destination: {host: web}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: legacy, namespace: e2e-whatif-app}
spec:
  hosts: [legacy]
  http:
  - route:
    - destination: {host: legacy}
    retries: {attempts: 2, retryOn: connect-failure}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: e2e-whatif-app}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: e2e-whatif-app}
spec:
  selector: {app: legacy}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: e2e-whatif-gw}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80}]
`

// whatIfChange is the pull request: the Gateway switched to PASSTHROUGH,
// and a new VirtualService whose retries skip resets.
const whatIfChange = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: e2e-whatif-gw}
spec:
  selector: {app: gw-whatif}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: ["*/shop.whatif.example.com"]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: e2e-whatif-gw}
spec:
  hosts: [api]
  http:
  - route:
    - destination: {host: api}
    retries: {attempts: 2, retryOn: connect-failure}
`

// TestWhatIf: `meshlint --cluster FILE` lays the file over the live state
// and reports exactly what the change causes: the findings on the file's
// own resources, and the VirtualService in another namespace that the
// Gateway change breaks; not the finding the cluster already had. --all
// reports that one too.
func TestWhatIf(t *testing.T) {
	createNamespace(t, "e2e-whatif-gw", false)
	createNamespace(t, "e2e-whatif-app", false)
	k := newKubectl(t)
	for _, d := range strings.Split(whatIfLive, "\n---\n") {
		k.mustApply(t, d)
	}
	bin := buildCLI(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gateway.yaml"), []byte(whatIfChange), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) ([]string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--cluster", "--kubeconfig", kubeconfigFile, "-o", "json"}, args...)...)
		cmd.Dir = dir
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		var rep whatIfReport
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("meshlint %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		if len(rep.Errors) > 0 {
			t.Errorf("meshlint %s: input errors %s", strings.Join(args, " "), rep.Errors)
		}
		var out []string
		for _, f := range rep.Findings {
			if !strings.HasPrefix(f.Resource.Namespace, "e2e-whatif-") {
				continue // other tests' resources, with --all
			}
			s := f.Check + " " + f.Resource.Kind + " " + f.Resource.Namespace + "/" + f.Resource.Name
			if f.File != "" {
				s += " at " + f.File
			}
			out = append(out, s)
		}
		sort.Strings(out)
		return out, code
	}

	got, code := run("gateway.yaml")
	want := []string{
		"ML002 VirtualService e2e-whatif-app/web",
		"ML004 VirtualService e2e-whatif-gw/api at gateway.yaml",
	}
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("caused findings (-want +got):\n%s", diff)
	}

	got, _ = run("--all", "gateway.yaml")
	want = append(want, "ML004 VirtualService e2e-whatif-app/legacy")
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("--all findings (-want +got):\n%s", diff)
	}

	// The file unchanged from the cluster causes nothing.
	if err := os.WriteFile(filepath.Join(dir, "same.yaml"), []byte(strings.Split(whatIfLive, "\n---\n")[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, code := run("same.yaml"); len(got) != 0 || code != 0 {
		t.Errorf("an unchanged Gateway: status %d, findings %v; want 0 and none", code, got)
	}
}
