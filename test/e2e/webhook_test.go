package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/meshlint/meshlint/cluster"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
	"github.com/meshlint/meshlint/webhook"
)

// warningRecorder is the client-go warning handler: it sees exactly what
// kubectl prints as "Warning: ...".
type warningRecorder struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningRecorder) HandleWarningHeader(code int, _ string, text string) {
	if code != 299 || text == "" {
		return
	}
	w.mu.Lock()
	w.warnings = append(w.warnings, text)
	w.mu.Unlock()
}

func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.warnings
	w.warnings = nil
	return out
}

// kubectl applies manifests like `kubectl apply`: create, or update what
// exists, one document at a time, and returns the warnings of each.
type kubectl struct {
	rec *warningRecorder
	dyn dynamic.Interface
}

func newKubectl(t *testing.T) *kubectl {
	t.Helper()
	rec := &warningRecorder{}
	cfg := rest.CopyConfig(restCfg)
	cfg.WarningHandler = rec
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &kubectl{rec: rec, dyn: dyn}
}

// resourceOf is the resource the API server serves a group's kind as, from
// lint.KindTable (whose plurals lint's test holds to Istio's CRDs).
func resourceOf(gv schema.GroupVersion, kind string) schema.GroupVersionResource {
	k, _ := lint.LookupKind(gv.Group, kind)
	return gv.WithResource(k.Resource)
}

// apply applies one document and returns the warnings it drew.
func (k *kubectl) apply(doc string) ([]string, error) {
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
		return nil, fmt.Errorf("parsing manifest: %w", err)
	}
	gv, err := schema.ParseGroupVersion(obj.GetAPIVersion())
	if err != nil {
		return nil, err
	}
	res := k.dyn.Resource(resourceOf(gv, obj.GetKind())).Namespace(obj.GetNamespace())
	ctx := context.Background()
	k.rec.take()
	cur, err := res.Get(ctx, obj.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		k.rec.take()
		_, err = res.Create(ctx, obj, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"})
	case err == nil:
		k.rec.take()
		obj.SetResourceVersion(cur.GetResourceVersion())
		_, err = res.Update(ctx, obj, metav1.UpdateOptions{FieldManager: "kubectl-client-side-apply"})
	}
	return k.rec.take(), err
}

// mustApply applies documents in order and returns the warnings of the last.
func (k *kubectl) mustApply(t *testing.T, docs ...string) []string {
	t.Helper()
	var warnings []string
	for _, d := range docs {
		var err error
		if warnings, err = k.apply(d); err != nil {
			t.Fatalf("applying\n%s: %v", d, err)
		}
	}
	return warnings
}

// expectedWarnings lints docs offline with the whole set visible, as the
// webhook sees the cluster, and returns the warnings the webhook should give
// for the last document.
func expectedWarnings(t *testing.T, docs ...string) []string {
	t.Helper()
	var all []*lint.Resource
	for i, d := range docs {
		rs, errs := load.Bytes(fmt.Sprintf("doc%d.yaml", i), []byte(d), load.Options{})
		if len(errs) > 0 {
			t.Fatalf("loading doc %d: %v", i, errs)
		}
		all = append(all, rs...)
	}
	rn, err := lint.NewRunner(checks.Registry(), lint.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	target := all[len(all)-1].Key()
	var out []string
	for _, f := range rn.Lint(lint.DefaultMesh(), true, all) {
		if f.Resource.Key() == target {
			out = append(out, webhook.Warning(f, false))
		}
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func withPrefix(ws []string, prefix string) []string {
	var out []string
	for _, w := range ws {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}

// A checkCase is manifests whose last document fires one check.
type checkCase struct {
	check string
	name  string
	docs  []string
}

// caseFor returns the check case of a check ID, failing the test when there
// is none: tests that reuse a case's manifests name it by check, not by its
// place in checkCases.
func caseFor(t testing.TB, id string) checkCase {
	t.Helper()
	for _, c := range checkCases {
		if c.check == id {
			return c
		}
	}
	t.Fatalf("no check case for %s", id)
	return checkCase{}
}

// The design-card checks, each with manifests whose last document fires it.
var checkCases = []checkCase{
	{"ML001", "missing-istio-mutual", []string{`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: e2e-ml001}
spec:
  mtls: {mode: STRICT}
`, `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: e2e-ml001}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: DISABLE}
`}},
	{"ML002", "http-routes-on-passthrough-gateway", []string{`
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: e2e-ml002}
spec:
  selector: {app: gw-ml002}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [shop.ml002.example.com]
    tls: {mode: PASSTHROUGH}
`, `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: e2e-ml002}
spec:
  hosts: [shop.ml002.example.com]
  gateways: [public]
  http:
  - route:
    - destination: {host: web}
`}},
	{"ML003", "https-on-http-port", []string{`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: payments, namespace: e2e-ml003}
spec:
  hosts: [api.payments.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - {number: 443, name: http, protocol: HTTP}
`}},
	{"ML004", "retry-without-reset", []string{`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: e2e-ml004}
spec:
  hosts: [ratings]
  http:
  - name: default
    route:
    - destination: {host: ratings}
    retries:
      attempts: 3
      retryOn: connect-failure,refused-stream
`}},
	{"ML005", "fragile-envoyfilter-insert", []string{`
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: lua, namespace: e2e-ml005}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter: {name: envoy.filters.http.ext_authz}
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.filters.http.lua
`}},
	{"ML020", "unreachable-route", []string{`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: e2e-ml020}
spec:
  hosts: [shop]
  http:
  - name: everything
    match: [{uri: {prefix: /}}]
    route:
    - destination: {host: shop}
  - name: api
    match: [{uri: {prefix: /api}}]
    route:
    - destination: {host: shop-api}
`}},
	{"ML021", "duplicate-route-match", []string{`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: e2e-ml021}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route:
    - destination: {host: reviews-v2}
  - match:
    - headers: {end-user: {exact: jason}}
    - uri: {prefix: /preview}
    route:
    - destination: {host: reviews-v3}
`}},
	{"ML023", "serviceentry-addresses-required", []string{`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: e2e-ml023}
spec:
  hosts: [db.ml023.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - {number: 5432, name: postgres, protocol: TCP}
`}},
	{"ML025", "ineffective-envoyfilter-operation", []string{`
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: rc, namespace: e2e-ml025}
spec:
  configPatches:
  - applyTo: ROUTE_CONFIGURATION
    match: {context: SIDECAR_OUTBOUND}
    patch:
      operation: ADD
      value: {request_headers_to_remove: [x-debug]}
`}},
	{"ML026", "envoyfilter-pinned-to-proxy-version", []string{`
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: pinned, namespace: e2e-ml026}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      proxy: {proxyVersion: '^1\.22.*'}
    patch:
      operation: INSERT_FIRST
      value: {name: envoy.filters.http.lua}
`}},
	{"ML017", "destination-host-not-found", []string{`
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: e2e-ml017}
spec:
  selector: {app: ratings}
  ports: [{name: http, port: 9080}]
`, `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: e2e-ml017}
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratngs}
`}},
	{"ML027", "rejected-by-istio", []string{`
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: store, namespace: e2e-ml027}
spec:
  selector: {app: gw-ml027}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [store.ml027.example.com]
    tls: {mode: SIMPLE}
`}},
	{"ML028", "deprecated-field", []string{`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: payments, namespace: e2e-ml028}
spec:
  host: payments
  trafficPolicy:
    outlierDetection: {consecutiveErrors: 5, interval: 10s}
`}},
}

func TestWarningPerFinding(t *testing.T) {
	setup(t)
	k := newKubectl(t)
	for _, tc := range checkCases {
		t.Run(tc.check, func(t *testing.T) {
			createNamespace(t, "e2e-"+strings.ToLower(tc.check), false)
			got := k.mustApply(t, tc.docs...)
			want := expectedWarnings(t, tc.docs...)
			if len(withPrefix(want, tc.check+" "+tc.name+": ")) == 0 {
				t.Fatalf("the engine finds no %s on the case's manifests: %q", tc.check, want)
			}
			if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			for _, w := range got {
				if n := len([]rune(w)); n > webhook.MaxWarningLength {
					t.Errorf("warning of %d characters: %q", n, w)
				}
			}
		})
	}
}

func TestCleanObjectsDrawNoWarnings(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-clean", false)
	k := newKubectl(t)
	docs := []string{`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: e2e-clean}
spec:
  mtls: {mode: STRICT}
`, `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: e2e-clean}
spec:
  ports: [{name: http-web, port: 9080}]
`, `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: e2e-clean}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
  subsets:
  - {name: v1, labels: {version: v1}}
`, `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: e2e-clean}
spec:
  selector: {app: gw-clean}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.clean.example.com]
`, `
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: e2e-clean}
spec:
  hosts: [reviews, shop.clean.example.com]
  gateways: [public, mesh]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
    retries:
      attempts: 3
      retryOn: reset,connect-failure,refused-stream
`, `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: payments, namespace: e2e-clean}
spec:
  hosts: [api.payments-clean.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - {number: 443, name: tls, protocol: TLS}
`, `
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: lua, namespace: e2e-clean}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
    patch:
      operation: INSERT_FIRST
      value:
        name: envoy.filters.http.lua
`}
	for i, d := range docs {
		if want := expectedWarnings(t, docs[:i+1]...); len(want) > 0 {
			t.Fatalf("the engine finds something in clean document %d: %q", i, want)
		}
		if got := k.mustApply(t, d); len(got) > 0 {
			t.Errorf("clean document %d drew warnings %q:\n%s", i, got, d)
		}
	}
	// Applying the same objects again (UPDATE) stays quiet too.
	for i, d := range docs {
		if got := k.mustApply(t, d); len(got) > 0 {
			t.Errorf("re-applying clean document %d drew warnings %q", i, got)
		}
	}
}

func TestGatewaySwitchedToPassthroughWarnsAboutBoundVirtualService(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-gwchange", false)
	k := newKubectl(t)
	terminating := `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: e2e-gwchange}
spec:
  selector: {app: gw-gwchange}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.gwchange.example.com]
    tls: {mode: SIMPLE, credentialName: gwchange-cert}
`
	vs := `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: e2e-gwchange}
spec:
  hosts: [shop.gwchange.example.com]
  gateways: [public]
  http:
  - route:
    - destination: {host: web}
`
	passthrough := strings.Replace(strings.Replace(terminating, "mode: SIMPLE, credentialName: gwchange-cert", "mode: PASSTHROUGH", 1), "name: https, protocol: HTTPS", "name: tls, protocol: TLS", 1)
	if got := k.mustApply(t, serviceDoc("e2e-gwchange", "web"), terminating, vs); len(got) > 0 {
		t.Fatalf("VirtualService on a terminating Gateway drew %q", got)
	}
	got := k.mustApply(t, passthrough)
	prefix := "ML002 http-routes-on-passthrough-gateway: VirtualService e2e-gwchange/web "
	if len(withPrefix(got, prefix)) != 1 {
		t.Fatalf("warnings = %q, want one starting %q", got, prefix)
	}
	// Re-applying the Gateway unchanged reports nothing new about it.
	if got := k.mustApply(t, passthrough); len(withPrefix(got, "ML002")) > 0 {
		t.Errorf("re-applying the passthrough Gateway drew %q", got)
	}
}

// serviceDoc is a Service that a test's routes go to, so that
// destination-host-not-found (ML017) has nothing to say about them.
func serviceDoc(ns, name string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Service
metadata: {name: %s, namespace: %s}
spec:
  selector: {app: %s}
  ports: [{name: http, port: 80}]
`, name, ns, name)
}

func TestStrictPeerAuthenticationWarnsAboutDestinationRules(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-strict", false)
	k := newKubectl(t)
	dr := `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: e2e-strict}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: DISABLE}
`
	pa := `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: e2e-strict}
spec:
  mtls: {mode: STRICT}
`
	k.mustApply(t, dr)
	got := k.mustApply(t, pa)
	prefix := "ML001 missing-istio-mutual: DestinationRule e2e-strict/reviews "
	if len(withPrefix(got, prefix)) != 1 {
		t.Fatalf("warnings = %q, want one starting %q", got, prefix)
	}
}

// TestNamespaceWithoutSidecarsIsQuiet: the webhook watches Namespaces for
// their labels. In one labelled istio-injection: disabled the pods have no
// sidecar, STRICT does not apply to them and a DestinationRule with DISABLE
// is right: the change that makes e2e-strict warn is quiet here. Relabelled
// enabled, the same change warns.
func TestNamespaceWithoutSidecarsIsQuiet(t *testing.T) {
	setup(t)
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "e2e-nosidecar", Labels: map[string]string{"istio-injection": "disabled"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// An injection label on one namespace tells that the unlabelled ones
	// have no sidecars: the other tests' namespaces have none, so it goes
	// when this test ends (the namespace itself stays: envtest runs no
	// namespace controller to finish deleting one).
	t.Cleanup(func() {
		ns, err := cs.CoreV1().Namespaces().Get(ctx, "e2e-nosidecar", metav1.GetOptions{})
		if err == nil {
			delete(ns.Labels, "istio-injection")
			_, err = cs.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Errorf("dropping the injection label: %v", err)
		}
	})
	k := newKubectl(t)
	dr := `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: e2e-nosidecar}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: DISABLE}
`
	pa := func(mode string) string {
		return `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: e2e-nosidecar}
spec:
  mtls: {mode: ` + mode + `}
`
	}
	k.mustApply(t, pa("PERMISSIVE"), dr)
	if got := k.mustApply(t, pa("STRICT")); len(withPrefix(got, "ML001")) > 0 {
		t.Errorf("STRICT in a namespace without sidecars: warnings %q, want no ML001", got)
	}
	ns, err = cs.CoreV1().Namespaces().Get(ctx, "e2e-nosidecar", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns.Labels["istio-injection"] = "enabled"
	if _, err := cs.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	prefix := "ML001 missing-istio-mutual: DestinationRule e2e-nosidecar/reviews "
	mode := "PERMISSIVE"
	eventually(t, 20*time.Second, "ML001 once the namespace injects sidecars", func() error {
		// Alternate the mode so that every apply is a change to STRICT.
		k.mustApply(t, pa(mode))
		if got := k.mustApply(t, pa("STRICT")); len(withPrefix(got, prefix)) != 1 {
			return fmt.Errorf("warnings %q, want one starting %q", got, prefix)
		}
		return nil
	})
}

func TestEnforceModeDeniesErrors(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-enforce", true)
	k := newKubectl(t)
	gw := strings.ReplaceAll(caseFor(t, "ML002").docs[0], "e2e-ml002", "e2e-enforce")
	gw = strings.ReplaceAll(gw, "gw-ml002", "gw-enforce")
	gw = strings.ReplaceAll(gw, "ml002.example.com", "enforce.example.com")
	vs := strings.ReplaceAll(strings.ReplaceAll(caseFor(t, "ML002").docs[1], "e2e-ml002", "e2e-enforce"), "ml002.example.com", "enforce.example.com")
	k.mustApply(t, gw, serviceDoc("e2e-enforce", "web"), serviceDoc("e2e-enforce", "ratings"))
	_, err := k.apply(vs)
	if !apierrors.IsForbidden(err) {
		t.Fatalf("applying a VirtualService with an ML002 error in enforce mode: err = %v, want Forbidden", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "meshlint denied this VirtualService: ML002 http-routes-on-passthrough-gateway: spec.http") {
		t.Errorf("denial message = %q", msg)
	}
	// Findings below the enforce severity are warnings.
	retry := strings.ReplaceAll(caseFor(t, "ML004").docs[0], "e2e-ml004", "e2e-enforce")
	got, err := k.apply(retry)
	if err != nil {
		t.Fatalf("applying a VirtualService with an ML004 warning in enforce mode: %v", err)
	}
	if len(withPrefix(got, "ML004 retry-without-reset: ")) != 1 {
		t.Errorf("warnings = %q, want the ML004 one", got)
	}
	// The denial is counted on /metrics.
	metrics := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", webhookByName("enforce").metricsPort))
	for _, want := range []string{
		`meshlint_admission_findings_total{check="ML002",decision="deny",kind="VirtualService",severity="error"}`,
		`meshlint_admission_findings_total{check="ML004",decision="warn",kind="VirtualService",severity="warning"}`,
		`controller_runtime_webhook_requests_total{code="200",webhook="/validate"}`,
		`controller_runtime_webhook_latency_seconds_bucket{webhook="/validate",le=`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return string(b)
}

// The manifests linted both live (--cluster) and from a file.
const clusterManifests = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: e2e-cluster}
spec:
  mtls: {mode: STRICT}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: e2e-cluster}
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: SIMPLE}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: e2e-cluster}
spec:
  selector: {app: gw-cluster}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [shop.cluster.example.com]
    tls: {mode: PASSTHROUGH}
  - port: {number: 443, name: http, protocol: HTTP}
    hosts: [plain.cluster.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: e2e-cluster}
spec:
  hosts: [shop.cluster.example.com]
  gateways: [public]
  http:
  - route:
    - destination: {host: web}
    retries: {attempts: 2, retryOn: connect-failure}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: payments, namespace: e2e-cluster}
spec:
  hosts: [api.payments-cluster.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - {number: 443, name: http, protocol: HTTP}
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: lua, namespace: e2e-cluster}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      proxy: {proxyVersion: '^1\.2.*'}
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter: {name: istio.stats}
    patch:
      operation: INSERT_AFTER
      value: {name: envoy.filters.http.lua}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: e2e-cluster}
spec:
  clusterIP: None
  ports: [{name: https, port: 443, appProtocol: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: e2e-cluster}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: e2e-cluster}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
`

type jsonReport struct {
	Findings []finding         `json:"findings"`
	Errors   []json.RawMessage `json:"errors"`
}

type finding struct {
	Check    string `json:"check"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Resource struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Namespace  string `json:"namespace"`
		Name       string `json:"name"`
	} `json:"resource"`
	Path string `json:"path"`
}

func TestClusterModeMatchesFileLinting(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-cluster", false)
	k := newKubectl(t)
	for _, d := range strings.Split(clusterManifests, "\n---\n") {
		k.mustApply(t, d)
	}
	bin := buildCLI(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "manifests.yaml")
	if err := os.WriteFile(file, []byte(clusterManifests), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (jsonReport, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
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
		var rep jsonReport
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("meshlint %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return rep, code
	}
	live, liveCode := run("--cluster", "--kubeconfig", kubeconfigFile, "-n", "e2e-cluster", "-o", "json")
	files, fileCode := run("-o", "json", file)
	if liveCode != fileCode || liveCode != 1 {
		t.Errorf("exit status: --cluster %d, files %d; want both 1", liveCode, fileCode)
	}
	if len(live.Errors) > 0 || len(files.Errors) > 0 {
		t.Errorf("errors: --cluster %s, files %s", live.Errors, files.Errors)
	}
	if len(live.Findings) < 5 {
		t.Errorf("--cluster found %d findings, want at least 5: %+v", len(live.Findings), live.Findings)
	}
	// Text and JSON output order findings by file position, which only
	// files have: compare them as sets.
	key := func(i, j int, fs []finding) bool { return fmt.Sprint(fs[i]) < fmt.Sprint(fs[j]) }
	sort.Slice(live.Findings, func(i, j int) bool { return key(i, j, live.Findings) })
	sort.Slice(files.Findings, func(i, j int) bool { return key(i, j, files.Findings) })
	if diff := cmp.Diff(files.Findings, live.Findings); diff != "" {
		t.Errorf("findings (-files +cluster):\n%s", diff)
	}
	seen := map[string]bool{}
	for _, f := range live.Findings {
		seen[f.Check] = true
	}
	for _, id := range []string{"ML001", "ML002", "ML003", "ML004", "ML005"} {
		if !seen[id] {
			t.Errorf("--cluster reports no %s", id)
		}
	}
}

var (
	cliOnce sync.Once
	cliBin  string
	cliErr  error
)

// buildCLI builds cmd/meshlint, the binary users run.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin, err := cliBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// cliBinary builds cmd/meshlint once per run.
func cliBinary() (string, error) {
	cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "meshlint-e2e-bin-")
		if err != nil {
			cliErr = err
			return
		}
		cliBin = filepath.Join(dir, "meshlint")
		cmd := exec.Command("go", "build", "-o", cliBin, "./cmd/meshlint")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			cliErr = fmt.Errorf("go build ./cmd/meshlint: %w\n%s", err, out)
		}
	})
	return cliBin, cliErr
}

// TestConfigReload changes the running warn webhook's config file the way
// a ConfigMap volume does (a new file renamed over the old one): an ignore
// rule for a namespace silences its findings without a restart.
func TestConfigReload(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-config", false)
	k := newKubectl(t)
	doc := strings.ReplaceAll(caseFor(t, "ML004").docs[0], "e2e-ml004", "e2e-config")
	i := 0
	warnings := func() ([]string, error) {
		i++
		got, err := k.apply(strings.Replace(doc, "name: ratings", fmt.Sprintf("name: ratings-%d", i), 1))
		return withPrefix(got, "ML004 "), err
	}
	if got, err := warnings(); err != nil || len(got) != 1 {
		t.Fatalf("before the change: warnings %q, err %v; want the ML004 one", got, err)
	}
	replace := func(content string) {
		t.Helper()
		tmp := configFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, configFile); err != nil {
			t.Fatal(err)
		}
	}
	replace("ignore:\n- checks: [retry-without-reset]\n  namespaces: [e2e-config]\n")
	t.Cleanup(func() { replace(initialConfig) })
	eventually(t, 30*time.Second, "the ignore rule taking effect", func() error {
		got, err := warnings()
		if err != nil {
			return err
		}
		if len(got) > 0 {
			return fmt.Errorf("warnings %q", got)
		}
		return nil
	})
	// A broken config is logged and the one in force stays.
	replace("ignore: [{checks: 3}]\n")
	time.Sleep(time.Second)
	if got, err := warnings(); err != nil || len(got) > 0 {
		t.Errorf("after a broken config: warnings %q, err %v; want the ignore rule still in force", got, err)
	}
}

// TestServingCertificateReload rotates the serving certificate under a
// running webhook: new files in --cert-dir, signed by a new CA that replaces
// the old one in the webhook configuration. Warnings keep coming only if
// the server picked up the new certificate without a restart.
func TestServingCertificateReload(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-certs", false)
	k := newKubectl(t)
	ca, err := writeServingCert(certDir)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	vwc, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, "meshlint", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range vwc.Webhooks {
		vwc.Webhooks[i].ClientConfig.CABundle = ca
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, vwc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The server presents the new certificate: a client trusting only the
	// new CA gets through.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	for _, name := range []string{"warn", "enforce"} {
		addr := fmt.Sprintf("127.0.0.1:%d", webhookByName(name).port)
		eventually(t, 60*time.Second, "the "+name+" webhook serving the rotated certificate", func() error {
			c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
			if err != nil {
				return err
			}
			return c.Close()
		})
	}
	doc := strings.ReplaceAll(caseFor(t, "ML004").docs[0], "e2e-ml004", "e2e-certs")
	i := 0
	eventually(t, 60*time.Second, "warnings through the rotated certificate", func() error {
		i++
		got, err := k.apply(strings.Replace(doc, "name: ratings", fmt.Sprintf("name: ratings-%d", i), 1))
		if err != nil {
			return err
		}
		if len(withPrefix(got, "ML004 retry-without-reset: ")) != 1 {
			return fmt.Errorf("warnings = %q", got)
		}
		return nil
	})
}

// TestClusterListWithNamespacePermissionsOnly lists as a user who may read
// the meshlint kinds in one namespace only: cluster.List falls back to that
// namespace, and the mesh ConfigMap it may not read is reported as skipped.
func TestClusterListWithNamespacePermissionsOnly(t *testing.T) {
	setup(t)
	const ns = "e2e-rbac"
	createNamespace(t, ns, false)
	k := newKubectl(t)
	k.mustApply(t, strings.ReplaceAll(caseFor(t, "ML004").docs[0], "e2e-ml004", ns))
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Exactly the kinds --cluster lists (lint.KindTable's Cluster rows).
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "meshlint-reader", Namespace: ns}}
	for _, k := range cluster.Types {
		role.Rules = append(role.Rules, rbacv1.PolicyRule{APIGroups: []string{k.Group}, Resources: []string{k.Resource}, Verbs: []string{"get", "list"}})
	}
	if _, err := cs.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "meshlint-reader", Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: "ns-reader", APIGroup: "rbac.authorization.k8s.io"}},
	}
	if _, err := cs.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	user, err := env.AddUser(envtest.User{Name: "ns-reader"}, restCfg)
	if err != nil {
		t.Fatal(err)
	}
	var snap *cluster.Snapshot
	eventually(t, 30*time.Second, "listing with namespace permissions", func() error {
		var err error
		snap, err = cluster.List(ctx, user.Config(), cluster.Options{Namespace: ns, Mesh: lint.DefaultMesh()})
		if err != nil {
			return err
		}
		if len(snap.Targets) != 1 {
			return fmt.Errorf("targets %v, want the one VirtualService", snap.Targets)
		}
		return nil
	})
	if got := snap.Targets[0].Key(); got != (lint.Key{Kind: lint.KindVirtualService, Namespace: ns, Name: "ratings"}) {
		t.Errorf("target %v", got)
	}
	forbidden := 0
	for _, err := range snap.Skipped {
		if apierrors.IsForbidden(err) {
			forbidden++
		}
	}
	if forbidden != 1 {
		t.Errorf("skipped %v, want only the mesh ConfigMap, as forbidden", snap.Skipped)
	}
	rn, err := lint.NewRunner(checks.Registry(), lint.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range cluster.Lint(rn, lint.DefaultMesh(), snap) {
		ids = append(ids, f.Check.ID)
	}
	if !slices.Contains(ids, "ML004") {
		t.Errorf("findings %v, want ML004", ids)
	}
}

// TestClusterReadsRevisionedMeshConfigMap: with mesh.configMap naming
// istio-<revision>, --cluster reads the mesh config from that ConfigMap; by
// default it reads only "istio".
func TestClusterReadsRevisionedMeshConfigMap(t *testing.T) {
	const root = "e2e-revroot"
	createNamespace(t, root, false)
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "istio-1-24", Namespace: root},
		Data: map[string]string{"mesh": "enableAutoMtls: false\n"}}
	if _, err := cs.CoreV1().ConfigMaps(root).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	meshConfigs := func(m lint.Mesh) []string {
		snap, err := cluster.List(context.Background(), restCfg, cluster.Options{Mesh: m})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range snap.All {
			if r.Kind == lint.KindMeshConfig {
				names = append(names, r.Namespace()+"/"+r.Name())
			}
		}
		return names
	}
	m := lint.DefaultMesh()
	m.RootNamespace = root
	if got := meshConfigs(m); len(got) != 0 {
		t.Errorf("default mesh config map: read %v, want nothing (there is no %s/istio)", got, root)
	}
	m.ConfigMap = "istio-1-24"
	if got := meshConfigs(m); !slices.Equal(got, []string{root + "/istio-1-24"}) {
		t.Errorf("mesh.configMap istio-1-24: read %v, want [%s/istio-1-24]", got, root)
	}
}

// TestWebhookWithoutRBAC runs the webhook as a user who may read nothing:
// it must stay unready, say in its log which list was refused and why, and
// still stop promptly when told to. (Regression: controller-runtime's
// manager waits for its caches to sync before it looks at its context
// again, so a webhook whose informers were forbidden never returned.)
func TestWebhookWithoutRBAC(t *testing.T) {
	user, err := env.AddUser(envtest.User{Name: "meshlint-without-rbac"}, restCfg)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := writeServingCert(dir); err != nil {
		t.Fatal(err)
	}
	p, err := startWebhookIn(dir, "without-rbac", 0, "--kubeconfig", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "a log line naming the forbidden list", func() error {
		logs, err := os.ReadFile(p.logFile)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(logs), "\n") {
			if strings.Contains(line, "not allowed to list and watch") && strings.Contains(line, "forbidden") {
				t.Logf("logged: %s", line)
				return nil
			}
		}
		return fmt.Errorf("no such line in:\n%s", p.tail())
	})
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", p.healthPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("/readyz is 200 although no informer could list")
	}
	start := time.Now()
	p.cancel()
	select {
	case code := <-p.done:
		p.done <- code
		if code != 0 {
			t.Errorf("exit status %d after a requested shutdown, want 0; log:\n%s", code, p.tail())
		}
		t.Logf("stopped %s after its context was cancelled", time.Since(start).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		t.Fatalf("meshlint webhook still running 20s after SIGTERM; log:\n%s", p.tail())
	}
}

// TestZZWebhookStopped runs last (tests run in source order; the name says
// so too): with the warn webhook stopped, the API server keeps admitting
// because the configuration fails open.
func TestZZWebhookStopped(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-stopped", false)
	k := newKubectl(t)
	doc := strings.ReplaceAll(caseFor(t, "ML004").docs[0], "e2e-ml004", "e2e-stopped")
	if got := k.mustApply(t, doc); len(withPrefix(got, "ML004")) != 1 {
		t.Fatalf("with the webhook up: warnings = %q, want the ML004 one", got)
	}
	p := webhookByName("warn")
	logs, err := os.ReadFile(p.logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(logs, []byte(`"msg":"admission reviewed"`)) || !bytes.Contains(logs, []byte(`"decision":"warn"`)) {
		t.Errorf("the webhook log has no debug line per admission with its decision")
	}
	code, err := p.stop()
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Errorf("meshlint webhook exited %d after SIGTERM, want 0", code)
	}
	start := time.Now()
	got, err := k.apply(strings.Replace(doc, "name: ratings", "name: ratings-2", 1))
	if err != nil {
		t.Fatalf("with the webhook down the API server refused the object: %v", err)
	}
	if len(got) > 0 {
		t.Errorf("with the webhook down: warnings = %q, want none", got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("admission with the webhook down took %s", d)
	}
}
