package webhook

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	networkingapi "istio.io/api/networking/v1alpha3"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	"sigs.k8s.io/yaml"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// Test checks with behaviour the tests control, so that the handler's
// mechanics (related resources, modes, fail-open) are tested apart from the
// catalog. The catalog's own checks are exercised in catalog_test.go.
var (
	allKinds = []lint.Kind{
		lint.KindDestinationRule, lint.KindVirtualService, lint.KindGateway, lint.KindServiceEntry,
		lint.KindEnvoyFilter, lint.KindPeerAuthentication, lint.KindService,
	}

	// tstPassthrough is a simple ML002: http routes bound to a Gateway with a
	// PASSTHROUGH server.
	tstPassthrough = &lint.Check{
		ID: "TST001", Name: "http-on-passthrough", Severity: lint.SeverityError,
		Kinds: []lint.Kind{lint.KindVirtualService}, Summary: "s", Remediation: "Fix it.",
		Reads:  []lint.Kind{lint.KindGateway},
		Tables: []*lint.Table{checks.VirtualServicesByGateway},
		// A Gateway's change speaks to the VirtualServices bound to it.
		Affects: func(v lint.View, r *lint.Resource) []*lint.Resource {
			return v.Lookup(checks.VirtualServicesByGateway, r.Namespace()+"/"+r.Name())
		},
		Run: func(p *lint.Pass) {
			if len(p.Resource.VirtualService().Spec.GetHttp()) == 0 {
				return
			}
			for _, ref := range checks.VirtualServiceGateways(p.Resource) {
				ns, name := checks.SplitRef(ref)
				gw := p.View.Get(lint.Key{Kind: lint.KindGateway, Namespace: ns, Name: name})
				if gw == nil {
					continue
				}
				for i, s := range gw.Gateway().Spec.GetServers() {
					if s.GetTls().GetMode() == networkingapi.ServerTLSSettings_PASSTHROUGH {
						p.Report("spec.http", "http routes never apply: server %d of gateway %s passes tls through", i, ref)
					}
				}
			}
		},
	}
	// tstBadName fires on every kind when the name starts with "bad-".
	tstBadName = &lint.Check{
		ID: "TST002", Name: "bad-name", Severity: lint.SeverityWarning,
		Kinds: allKinds, Summary: "s", Remediation: "Rename it.",
		Run: func(p *lint.Pass) {
			if strings.HasPrefix(p.Resource.Name(), "bad-") {
				p.Report("metadata.name", "name %q starts with bad-", p.Resource.Name())
			}
		},
	}
	// tstTrouble panics or sleeps on request, through annotations.
	tstTrouble = &lint.Check{
		ID: "TST003", Name: "trouble", Severity: lint.SeverityError,
		Kinds: allKinds, Summary: "s", Remediation: "Fix it.",
		Run: func(p *lint.Pass) {
			a := p.Resource.Object.GetAnnotations()
			if a["test.meshlint.io/panic"] != "" {
				panic(a["test.meshlint.io/panic"])
			}
			if d, err := time.ParseDuration(a["test.meshlint.io/sleep"]); err == nil {
				time.Sleep(d)
			}
			if a["test.meshlint.io/findings"] != "" {
				var n int
				fmt.Sscan(a["test.meshlint.io/findings"], &n)
				for i := range n {
					p.ReportSeverity(lint.SeverityInfo, fmt.Sprintf("spec[%d]", i), "finding %d of a long list whose message goes on and on well past the length kubectl shows comfortably", i)
				}
			}
		},
	}
	testChecks = []*lint.Check{tstPassthrough, tstBadName, tstTrouble}
)

type handlerConfig struct {
	mode        Mode
	severity    lint.Severity
	timeout     time.Duration
	checks      []*lint.Check
	settings    lint.Settings
	notReady    bool
	denyDeletes bool
	// denyUnchecked is HandlerOptions.DenyUnchecked.
	denyUnchecked bool
}

func newTestHandler(t testing.TB, c handlerConfig, cluster ...string) *Handler {
	t.Helper()
	if c.checks == nil {
		c.checks = testChecks
	}
	h, err := NewHandler(lint.DefaultMesh(), c.settings, HandlerOptions{
		Mode: c.mode, EnforceSeverity: c.severity, Timeout: c.timeout, Checks: c.checks, Metrics: NewMetrics(nil),
		DenyDeletes:   c.denyDeletes,
		DenyUnchecked: c.denyUnchecked,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range cluster {
		for _, r := range decodeAll(t, doc) {
			h.Upsert(r)
		}
	}
	if !c.notReady {
		h.MarkSynced()
	}
	return h
}

func decodeAll(t testing.TB, doc string) []*lint.Resource {
	t.Helper()
	rs, errs := load.Bytes("cluster.yaml", []byte(doc), load.Options{})
	if len(errs) > 0 {
		t.Fatalf("decoding test resources: %v", errs)
	}
	return rs
}

// request builds the AdmissionRequest the API server sends for doc.
func request(t testing.TB, op admissionv1.Operation, doc string) admission.Request {
	t.Helper()
	raw, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var head struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   metav1.ObjectMeta `json:"metadata"`
	}
	if err := yaml.Unmarshal(raw, &head); err != nil {
		t.Fatal(err)
	}
	group, version, _ := strings.Cut(head.APIVersion, "/")
	if version == "" {
		group, version = "", group
	}
	ns := head.Metadata.Namespace
	if ns == "" {
		ns = "default"
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       "uid-1",
		Kind:      metav1.GroupVersionKind{Group: group, Version: version, Kind: head.Kind},
		Resource:  metav1.GroupVersionResource{Group: group, Version: version, Resource: strings.ToLower(head.Kind) + "s"},
		Name:      head.Metadata.Name,
		Namespace: ns,
		Operation: op,
		Object:    runtime.RawExtension{Raw: raw},
	}}
}

func handle(h *Handler, req admission.Request) admission.Response {
	ctx := logr.NewContext(context.Background(), logr.Discard())
	return h.Handle(ctx, req)
}

// One object per kind; "NAME" is replaced by the test's name.
var kindDocs = map[lint.Kind]string{
	lint.KindDestinationRule: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: NAME, namespace: shop}
spec: {host: reviews}
`,
	lint.KindVirtualService: `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: NAME, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
`,
	lint.KindGateway: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: NAME, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`,
	lint.KindServiceEntry: `apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata: {name: NAME, namespace: shop}
spec:
  hosts: [api.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
`,
	lint.KindEnvoyFilter: `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: NAME, namespace: shop}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    patch: {operation: INSERT_FIRST, value: {name: test}}
`,
	lint.KindPeerAuthentication: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: NAME, namespace: shop}
spec:
  mtls: {mode: PERMISSIVE}
`,
	lint.KindService: `apiVersion: v1
kind: Service
metadata: {name: NAME, namespace: shop}
spec:
  ports: [{name: http, port: 80}]
`,
}

func kindDoc(kind lint.Kind, name string) string {
	return strings.Replace(kindDocs[kind], "NAME", name, 1)
}

func TestHandlerKindsAndModes(t *testing.T) {
	for _, kind := range allKinds {
		for _, tc := range []struct {
			name        string
			cfg         handlerConfig
			object      string
			op          admissionv1.Operation
			wantAllowed bool
			wantDenial  string
			wantWarn    []string
		}{
			{name: "warn/clean", cfg: handlerConfig{mode: ModeWarn}, object: "good", op: admissionv1.Create, wantAllowed: true},
			{
				name: "warn/finding", cfg: handlerConfig{mode: ModeWarn}, object: "bad-one", op: admissionv1.Create, wantAllowed: true,
				wantWarn: []string{`TST002 bad-name: metadata.name: name "bad-one" starts with bad-`},
			},
			{
				name: "warn/update", cfg: handlerConfig{mode: ModeWarn}, object: "bad-one", op: admissionv1.Update, wantAllowed: true,
				wantWarn: []string{`TST002 bad-name: metadata.name: name "bad-one" starts with bad-`},
			},
			{name: "enforce/clean", cfg: handlerConfig{mode: ModeEnforce}, object: "good", op: admissionv1.Create, wantAllowed: true},
			{
				name: "enforce/below-severity", cfg: handlerConfig{mode: ModeEnforce, severity: lint.SeverityError}, object: "bad-one",
				op: admissionv1.Create, wantAllowed: true,
				wantWarn: []string{`TST002 bad-name: metadata.name: name "bad-one" starts with bad-`},
			},
			{
				name: "enforce/at-severity", cfg: handlerConfig{mode: ModeEnforce, severity: lint.SeverityWarning}, object: "bad-one",
				op: admissionv1.Update, wantAllowed: false,
				wantDenial: fmt.Sprintf(`meshlint denied this %s: TST002 bad-name: metadata.name: name "bad-one" starts with bad-`, kind),
			},
			{name: "delete/allowed", cfg: handlerConfig{mode: ModeEnforce, severity: lint.SeverityWarning}, object: "bad-one", op: admissionv1.Delete, wantAllowed: true},
		} {
			t.Run(string(kind)+"/"+tc.name, func(t *testing.T) {
				h := newTestHandler(t, tc.cfg, kindDoc(kind, "bad-one"))
				resp := handle(h, request(t, tc.op, kindDoc(kind, tc.object)))
				if resp.Allowed != tc.wantAllowed {
					t.Fatalf("allowed = %v, want %v (result %+v)", resp.Allowed, tc.wantAllowed, resp.Result)
				}
				if diff := cmp.Diff(tc.wantWarn, []string(resp.Warnings)); diff != "" {
					t.Errorf("warnings (-want +got):\n%s", diff)
				}
				if tc.wantDenial != "" && resp.Result.Message != tc.wantDenial {
					t.Errorf("denial = %q, want %q", resp.Result.Message, tc.wantDenial)
				}
			})
		}
	}
}

const (
	gatewaySimple = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["shop.example.com"]
    tls: {mode: SIMPLE, credentialName: shop-cert}
`
	gatewayPassthrough = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["shop.example.com"]
    tls: {mode: PASSTHROUGH}
`
	vsWeb = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [public]
  http:
  - route:
    - destination: {host: web}
`
	vsOther = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: other, namespace: shop}
spec:
  hosts: [other.example.com]
  gateways: [elsewhere/gw]
  http:
  - route:
    - destination: {host: other}
`
)

func TestHandlerGatewayChangeWarnsAboutBoundVirtualServices(t *testing.T) {
	const want = "TST001 http-on-passthrough: VirtualService shop/web spec.http: http routes never apply: server 0 of gateway…"
	for _, tc := range []struct {
		name        string
		cfg         handlerConfig
		cluster     []string
		req         admission.Request
		wantAllowed bool
		wantWarn    []string
		wantDenial  string
	}{
		{
			name: "switch to passthrough warns", cfg: handlerConfig{mode: ModeWarn},
			cluster: []string{gatewaySimple, vsWeb, vsOther}, req: request(t, admissionv1.Update, gatewayPassthrough),
			wantAllowed: true, wantWarn: []string{want},
		},
		{
			name: "create passthrough gateway warns", cfg: handlerConfig{mode: ModeWarn},
			cluster: []string{vsWeb, vsOther}, req: request(t, admissionv1.Create, gatewayPassthrough),
			wantAllowed: true, wantWarn: []string{want},
		},
		{
			name: "switch to passthrough denied in enforce mode", cfg: handlerConfig{mode: ModeEnforce},
			cluster: []string{gatewaySimple, vsWeb, vsOther}, req: request(t, admissionv1.Update, gatewayPassthrough),
			wantDenial: "meshlint denied this Gateway: TST001 http-on-passthrough: VirtualService shop/web spec.http: http routes never apply: server 0 of gateway shop/public passes tls through",
		},
		{
			// The VirtualService was already broken: nothing new to report
			// about it when the Gateway is re-applied unchanged.
			name: "already passthrough reports nothing new", cfg: handlerConfig{mode: ModeEnforce},
			cluster: []string{gatewayPassthrough, vsWeb, vsOther}, req: request(t, admissionv1.Update, gatewayPassthrough),
			wantAllowed: true,
		},
		{
			name: "switch back to simple is clean", cfg: handlerConfig{mode: ModeWarn},
			cluster: []string{gatewayPassthrough, vsWeb}, req: request(t, admissionv1.Update, gatewaySimple),
			wantAllowed: true,
		},
		{
			name: "virtualservice bound to passthrough gateway warns on itself", cfg: handlerConfig{mode: ModeWarn},
			cluster: []string{gatewayPassthrough}, req: request(t, admissionv1.Create, vsWeb),
			wantAllowed: true, wantWarn: []string{"TST001 http-on-passthrough: spec.http: http routes never apply: server 0 of gateway shop/public passes tls through"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHandler(t, tc.cfg, tc.cluster...)
			resp := handle(h, tc.req)
			if resp.Allowed != tc.wantAllowed {
				t.Fatalf("allowed = %v, want %v (result %+v)", resp.Allowed, tc.wantAllowed, resp.Result)
			}
			if diff := cmp.Diff(tc.wantWarn, []string(resp.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if tc.wantDenial != "" && resp.Result.Message != tc.wantDenial {
				t.Errorf("denial = %q, want %q", resp.Result.Message, tc.wantDenial)
			}
		})
	}
}

func TestHandlerFailsOpen(t *testing.T) {
	withAnnotation := func(k, v string) string {
		return strings.Replace(kindDoc(lint.KindVirtualService, "vs"), "namespace: shop}", fmt.Sprintf("namespace: shop, annotations: {%q: %q}}", k, v), 1)
	}
	malformed := request(t, admissionv1.Create, kindDoc(lint.KindVirtualService, "vs"))
	malformed.Object.Raw = []byte(`{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": `)
	wrongKind := request(t, admissionv1.Create, kindDoc(lint.KindVirtualService, "vs"))
	wrongKind.Object.Raw = []byte(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}`)
	for _, tc := range []struct {
		name     string
		cfg      handlerConfig
		req      admission.Request
		wantWarn string // prefix of the first warning
		reason   string
	}{
		{"cache not synced", handlerConfig{mode: ModeEnforce, notReady: true}, request(t, admissionv1.Create, kindDoc(lint.KindGateway, "bad-gw")),
			"meshlint: checks could not run: the cluster cache has not synced yet", "cluster-cache-not-synced"},
		{"malformed object", handlerConfig{mode: ModeEnforce}, malformed,
			"meshlint: checks could not run: decoding the object:", "malformed-object"},
		{"object of another kind", handlerConfig{mode: ModeEnforce}, wrongKind,
			"meshlint: checks could not run: the object is not a VirtualService", "malformed-object"},
		{"empty object", handlerConfig{mode: ModeEnforce}, func() admission.Request {
			r := request(t, admissionv1.Create, kindDoc(lint.KindService, "s"))
			r.Object.Raw = nil
			return r
		}(), "meshlint: checks could not run: the request carries no object", "malformed-object"},
		{"check panics", handlerConfig{mode: ModeEnforce, severity: lint.SeverityInfo}, request(t, admissionv1.Create, withAnnotation("test.meshlint.io/panic", "boom")),
			"ML000 internal-error: check TST003 trouble panicked on this resource: boom", ""},
		{"timeout", handlerConfig{mode: ModeEnforce, severity: lint.SeverityInfo, timeout: 20 * time.Millisecond}, request(t, admissionv1.Create, withAnnotation("test.meshlint.io/sleep", "500ms")),
			"meshlint: checks could not run: the checks took longer than 20ms", "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHandler(t, tc.cfg)
			resp := handle(h, tc.req)
			if !resp.Allowed {
				t.Fatalf("denied: %+v", resp.Result)
			}
			if len(resp.Warnings) == 0 || !strings.HasPrefix(resp.Warnings[0], tc.wantWarn) {
				t.Fatalf("warnings = %q, want one starting %q", resp.Warnings, tc.wantWarn)
			}
			for _, w := range resp.Warnings {
				if len([]rune(w)) > MaxWarningLength {
					t.Errorf("warning longer than %d: %q", MaxWarningLength, w)
				}
			}
			if tc.reason != "" {
				if got := counterValue(t, h.opts.Metrics.failOpen.WithLabelValues(tc.reason)); got != 1 {
					t.Errorf("fail-open counter for %s = %v, want 1", tc.reason, got)
				}
			}
		})
	}
}

// TestTimedOutReviewCountsNothing: a review that finishes after the
// timeout answered must not count its findings (a deny that never
// happened) or anything but the timeout. Regression: the late review's
// denies were counted in meshlint_admission_findings_total.
func TestTimedOutReviewCountsNothing(t *testing.T) {
	h := newTestHandler(t, handlerConfig{mode: ModeEnforce, severity: lint.SeverityInfo, timeout: 20 * time.Millisecond})
	doc := strings.Replace(kindDoc(lint.KindVirtualService, "bad-vs"), "namespace: shop}", `namespace: shop, annotations: {"test.meshlint.io/sleep": "150ms"}}`, 1)
	resp := handle(h, request(t, admissionv1.Create, doc))
	if !resp.Allowed || len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "took longer than 20ms") {
		t.Fatalf("response = %v %q, want allowed after the timeout", resp.Allowed, resp.Warnings)
	}
	time.Sleep(400 * time.Millisecond) // the review goes on, and ends
	if n := testutil.CollectAndCount(h.opts.Metrics.findings); n != 0 {
		t.Errorf("%d findings series counted for a request answered by the timeout, want none", n)
	}
	if got := counterValue(t, h.opts.Metrics.failOpen.WithLabelValues("timeout")); got != 1 {
		t.Errorf("timeout counter = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(h.opts.Metrics.failOpen); n != 1 {
		t.Errorf("%d fail-open series, want only the timeout", n)
	}
	// The same request with time to finish is denied and counted.
	h = newTestHandler(t, handlerConfig{mode: ModeEnforce, severity: lint.SeverityInfo})
	if resp := handle(h, request(t, admissionv1.Create, doc)); resp.Allowed {
		t.Fatalf("allowed with time to check, want denied")
	}
	if got := counterValue(t, h.opts.Metrics.findings.WithLabelValues("TST002", "warning", "VirtualService", "deny")); got != 1 {
		t.Errorf("deny counter = %v, want 1", got)
	}
}

func TestHandlerPanicOutsideChecksFailsOpen(t *testing.T) {
	h := newTestHandler(t, handlerConfig{mode: ModeEnforce, severity: lint.SeverityInfo})
	h.testHook = func() { panic("handler bug") }
	resp := handle(h, request(t, admissionv1.Create, kindDoc(lint.KindGateway, "bad-gw")))
	if !resp.Allowed || len(resp.Warnings) != 1 || resp.Warnings[0] != "meshlint: checks could not run: internal error: handler bug" {
		t.Fatalf("response = %v %q, want allowed with an internal-error warning", resp.Allowed, resp.Warnings)
	}
}

func TestHandlerSuppression(t *testing.T) {
	annotated := strings.Replace(kindDoc(lint.KindService, "bad-svc"), "namespace: shop}", `namespace: shop, annotations: {meshlint.io/ignore: "bad-name"}}`, 1)
	for _, tc := range []struct {
		name     string
		settings lint.Settings
		doc      string
		wantWarn []string
	}{
		{"annotation by name", lint.Settings{}, annotated, nil},
		{"ignore rule", lint.Settings{Ignore: []lint.IgnoreRule{{Checks: []string{"TST002"}, Namespaces: []string{"sh*"}}}}, kindDoc(lint.KindService, "bad-svc"), nil},
		{"ignore rule for another namespace", lint.Settings{Ignore: []lint.IgnoreRule{{Namespaces: []string{"legacy-*"}}}}, kindDoc(lint.KindService, "bad-svc"),
			[]string{`TST002 bad-name: metadata.name: name "bad-svc" starts with bad-`}},
		{"disabled", lint.Settings{Disabled: map[string]bool{"TST002": true}}, kindDoc(lint.KindService, "bad-svc"), nil},
		{"severity raised", lint.Settings{Severity: map[string]lint.Severity{"TST002": lint.SeverityError}}, kindDoc(lint.KindService, "bad-svc"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHandler(t, handlerConfig{mode: ModeEnforce, settings: tc.settings})
			resp := handle(h, request(t, admissionv1.Create, tc.doc))
			if tc.name == "severity raised" {
				if resp.Allowed {
					t.Fatalf("allowed, want denied after the severity override")
				}
				return
			}
			if !resp.Allowed {
				t.Fatalf("denied: %+v", resp.Result)
			}
			if diff := cmp.Diff(tc.wantWarn, []string(resp.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHandlerLimitsWarnings(t *testing.T) {
	h := newTestHandler(t, handlerConfig{mode: ModeWarn})
	doc := strings.Replace(kindDoc(lint.KindService, "svc"), "namespace: shop}", `namespace: shop, annotations: {test.meshlint.io/findings: "30"}}`, 1)
	resp := handle(h, request(t, admissionv1.Create, doc))
	if len(resp.Warnings) != MaxWarnings {
		t.Fatalf("%d warnings, want %d", len(resp.Warnings), MaxWarnings)
	}
	if last := resp.Warnings[MaxWarnings-1]; last != "meshlint: 11 more findings not shown; run meshlint --cluster for all of them" {
		t.Errorf("last warning = %q", last)
	}
	for _, w := range resp.Warnings {
		if n := len([]rune(w)); n > MaxWarningLength {
			t.Errorf("warning of %d characters: %q", n, w)
		}
	}
	if got := counterValue(t, h.opts.Metrics.findings.WithLabelValues("TST003", "info", "Service", "warn")); got != 30 {
		t.Errorf("findings counter = %v, want 30", got)
	}
}

func TestHandlerIgnoresOtherRequests(t *testing.T) {
	h := newTestHandler(t, handlerConfig{mode: ModeEnforce, severity: lint.SeverityInfo})
	cm := request(t, admissionv1.Create, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad-cm}\n")
	del := request(t, admissionv1.Delete, kindDoc(lint.KindGateway, "bad-gw"))
	for _, req := range []admission.Request{cm, del} {
		resp := handle(h, req)
		if !resp.Allowed || len(resp.Warnings) > 0 {
			t.Errorf("%s %s: allowed=%v warnings=%q, want allowed silently", req.Operation, req.Kind.Kind, resp.Allowed, resp.Warnings)
		}
	}
}

func TestHandlerIndexEvents(t *testing.T) {
	h := newTestHandler(t, handlerConfig{mode: ModeWarn}, vsWeb)
	req := request(t, admissionv1.Create, gatewayPassthrough)
	if resp := handle(h, req); len(resp.Warnings) != 1 {
		t.Fatalf("warnings = %q, want one about shop/web", resp.Warnings)
	}
	h.Delete(lint.Key{Kind: lint.KindVirtualService, Namespace: "shop", Name: "web"})
	if resp := handle(h, req); len(resp.Warnings) != 0 {
		t.Fatalf("warnings after delete = %q, want none", resp.Warnings)
	}
	// A new mesh (domain suffix) rebuilds the index from the current one.
	for _, r := range decodeAll(t, vsWeb) {
		h.Upsert(r)
	}
	mesh := lint.DefaultMesh()
	mesh.DomainSuffix = "example.internal"
	if err := h.Reconfigure(mesh, lint.Settings{}); err != nil {
		t.Fatal(err)
	}
	if h.Len() != 1 {
		t.Fatalf("index holds %d resources after reconfigure, want 1", h.Len())
	}
	if resp := handle(h, req); len(resp.Warnings) != 1 {
		t.Fatalf("warnings after reconfigure = %q, want one", resp.Warnings)
	}
}

// TestReconfigureMeshSettings: new mesh settings reach the checks even when
// they differ only in a field the old comparison skipped (istioVersion).
func TestReconfigureMeshSettings(t *testing.T) {
	h := newTestHandler(t, handlerConfig{mode: ModeWarn}, vsWeb)
	mesh := lint.DefaultMesh()
	mesh.IstioVersion = "1.24.2"
	if err := h.Reconfigure(mesh, lint.Settings{}); err != nil {
		t.Fatal(err)
	}
	if got := h.engine.Load().index.Mesh().IstioVersion; got != "1.24.2" {
		t.Errorf("the checks' mesh has istioVersion %q after reconfigure, want 1.24.2", got)
	}
	if h.Len() != 1 {
		t.Errorf("index holds %d resources after reconfigure, want 1", h.Len())
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"short", "short"},
		{strings.Repeat("a", 120), strings.Repeat("a", 120)},
		{strings.Repeat("a", 130), strings.Repeat("a", 119) + "…"},
		{strings.Repeat("word ", 30), strings.TrimSpace(strings.Repeat("word ", 23)) + "…"},
		// Lengths are in characters, not bytes.
		{strings.Repeat("é", 100), strings.Repeat("é", 100)},
		{strings.Repeat("é", 125), strings.Repeat("é", 119) + "…"},
		{strings.Repeat("mot é ", 25), strings.TrimSpace(strings.Repeat("mot é ", 19)) + " mot…"},
	} {
		got := truncate(tc.in)
		if got != tc.want {
			t.Errorf("truncate(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if n := len([]rune(got)); n > MaxWarningLength {
			t.Errorf("truncate(%q) has %d runes", tc.in, n)
		}
	}
}

func TestConfigReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "meshlint.yaml")
	if err := os.WriteFile(file, []byte("failOn: warning\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(t, handlerConfig{mode: ModeWarn})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- watchConfig(ctx, file, h, logr.Discard()) }()
	req := request(t, admissionv1.Create, kindDoc(lint.KindService, "bad-svc"))
	if resp := handle(h, req); len(resp.Warnings) != 1 {
		t.Fatalf("warnings = %q, want one", resp.Warnings)
	}
	time.Sleep(50 * time.Millisecond) // let the watcher start
	// Another file of the directory written without pause (a log, say)
	// must not hold the reload back.
	stopNoise := make(chan struct{})
	defer close(stopNoise)
	go func() {
		for {
			select {
			case <-stopNoise:
				return
			default:
				_ = os.WriteFile(filepath.Join(dir, "noise.log"), []byte("x"), 0o600)
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	// A broken config is logged and ignored.
	if err := os.WriteFile(file, []byte("ignore: [{checks: 3}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * reloadDelay)
	if resp := handle(h, req); len(resp.Warnings) != 1 {
		t.Fatalf("warnings after a broken config = %q, want one", resp.Warnings)
	}
	// Replaced the way a ConfigMap volume does it: a new file renamed over.
	tmp := filepath.Join(dir, ".tmp")
	if err := os.WriteFile(tmp, []byte("ignore:\n- checks: ['*']\n  namespaces: [shop]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := handle(h, req)
		if len(resp.Warnings) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("config not reloaded: warnings = %q", resp.Warnings)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"warn": ModeWarn, "ENFORCE": ModeEnforce} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMode("audit"); err == nil {
		t.Error("ParseMode(audit) succeeded")
	}
}

func counterValue(t testing.TB, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func TestStripUnread(t *testing.T) {
	vs := &networkingv1.VirtualService{ObjectMeta: metav1.ObjectMeta{
		Name:          "v",
		Annotations:   map[string]string{lastApplied: "{...}", "meshlint.io/ignore": "ML004"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}}
	out, err := stripUnread(vs)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*networkingv1.VirtualService)
	if len(got.ManagedFields) != 0 || got.Annotations[lastApplied] != "" || got.Annotations["meshlint.io/ignore"] != "ML004" {
		t.Errorf("stripped object: managedFields %v, annotations %v", got.ManagedFields, got.Annotations)
	}
}

// TestUpsertMeshByName: the informer's mesh ConfigMap events are taken only
// for the ConfigMap the config names (istio, or istio-<revision>).
func TestUpsertMeshByName(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "istio-1-24", Namespace: "istio-system"},
		Data: map[string]string{"mesh": "enableAutoMtls: false\n"}}
	h := newTestHandler(t, handlerConfig{})
	before := h.Len()
	upsertMesh(h, cm, "istio", logr.Discard())
	if h.Len() != before {
		t.Errorf("istio-1-24 taken as the mesh config while the config names istio")
	}
	upsertMesh(h, cm, "istio-1-24", logr.Discard())
	if h.Len() != before+1 {
		t.Errorf("istio-1-24 not taken as the mesh config when the config names it")
	}
}
