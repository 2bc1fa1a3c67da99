//go:build unix

package webhook

import (
	"fmt"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// deniedPatch is an EnvoyFilter patch that ML005 reports as an error (an
// INSERT_BEFORE against a version-specific filter, no priority), so enforce
// mode denies the object once it is checked. VALUE is its patch.value.
const deniedPatch = `{"applyTo":"HTTP_FILTER","match":{"context":"SIDECAR_INBOUND","listener":{"filterChain":{"filter":{"name":"envoy.filters.network.http_connection_manager","subFilter":{"name":"istio.stats"}}}}},"patch":{"operation":"INSERT_BEFORE","value":VALUE}}`

// envoyFilterRequest is the create of an EnvoyFilter whose patches are
// given, as the API server sends it.
func envoyFilterRequest(patches ...string) admission.Request {
	raw := `{"apiVersion":"networking.istio.io/v1alpha3","kind":"EnvoyFilter","metadata":{"name":"ef","namespace":"shop"},"spec":{"configPatches":[` + strings.Join(patches, ",") + `]}}`
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: "uid-ef", Operation: admissionv1.Create, Name: "ef", Namespace: "shop",
		Kind:   metav1.GroupVersionKind{Group: "networking.istio.io", Version: "v1alpha3", Kind: "EnvoyFilter"},
		Object: runtime.RawExtension{Raw: []byte(raw)},
	}}
}

func padded(value string) string { return strings.Replace(deniedPatch, "VALUE", value, 1) }

// cpuTime is the CPU time the process has used: unlike wall time, a cost
// that other work on a busy machine does not inflate.
func cpuTime(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure handles req and returns the response, the CPU time and the bytes
// allocated.
func measure(t testing.TB, h *Handler, req admission.Request) (admission.Response, time.Duration, uint64) {
	goruntime.GC()
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	c := cpuTime(t)
	resp := handle(h, req)
	c = cpuTime(t) - c
	goruntime.ReadMemStats(&after)
	return resp, c, after.TotalAlloc - before.TotalAlloc
}

func wantDenied(t testing.TB, resp admission.Response) {
	t.Helper()
	if resp.Allowed || resp.Result == nil || !strings.Contains(resp.Result.Message, "ML005") {
		msg := ""
		if resp.Result != nil {
			msg = resp.Result.Message
		}
		t.Fatalf("allowed=%v message=%.200q warnings=%.300q; want denied by ML005", resp.Allowed, msg, resp.Warnings)
	}
}

// TestHandlerDeepObject: a 60 KB EnvoyFilter whose patch.value nests 9,990
// deep (the CRD keeps it free-form, so the API server stores it) was
// rewritten as 100 MB of YAML: 380 MB more RSS per create, eight at once
// past the chart's memory limit. It is now checked like any other object,
// at a cost in proportion to its size; past MaxDepth the answer says why it
// was not checked.
func TestHandlerDeepObject(t *testing.T) {
	h := newTestHandler(t, handlerConfig{mode: ModeEnforce, checks: checks.Registry()})
	deep := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	req := envoyFilterRequest(padded(deep(9_990)))
	resp, cpu, alloc := measure(t, h, req)
	t.Logf("%d bytes: %v CPU, %d MB allocated", len(req.Object.Raw), cpu, alloc>>20)
	wantDenied(t, resp)
	if limit := uint64(300 * len(req.Object.Raw)); alloc > limit {
		t.Errorf("a %d-byte object allocated %d bytes, more than 300 times its size", len(req.Object.Raw), alloc)
	}

	// Deeper than anything the API server stores: not checked, and the
	// answer says why; enforce mode with denyUnchecked denies it.
	tooDeep := envoyFilterRequest(padded(deep(load.MaxDepth + 1)))
	resp = handle(h, tooDeep)
	want := fmt.Sprintf("meshlint: checks could not run: decoding the object: too large to check: objects and arrays nest more than %d levels deep", load.MaxDepth)
	if !resp.Allowed || len(resp.Warnings) != 1 || !strings.HasPrefix(want, strings.TrimSuffix(resp.Warnings[0], "…")) {
		t.Errorf("allowed=%v warnings=%q, want allowed with %q", resp.Allowed, resp.Warnings, want)
	}
	h = newTestHandler(t, handlerConfig{mode: ModeEnforce, checks: checks.Registry(), denyUnchecked: true})
	resp = handle(h, tooDeep)
	if resp.Allowed || !strings.Contains(resp.Result.Message, "could not be checked: decoding the object: too large to check: objects and arrays nest more than") {
		t.Errorf("allowed=%v result=%+v, want denied as too large to check", resp.Allowed, resp.Result)
	}
}

// TestHandlerLargeObjectsWithinBudget: two padded patches (120 KB) made
// the checks of an EnvoyFilter overrun the 2 s budget, so enforce mode let
// it through unchecked ("checks could not run"). Objects of every shape up
// to the API server's 3 MB limit are now either checked or refused as too
// large (past MaxObjectValues), well within the budget, and so denied: the
// test bounds the CPU time, which a busy machine does not inflate.
func TestHandlerLargeObjectsWithinBudget(t *testing.T) {
	const size = 3 << 20
	repeat := func(unit string, n int) string { return strings.TrimSuffix(strings.Repeat(unit, n), ",") }
	keys := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%07d":1`, i)
		}
		return b.String() + "}"
	}
	half := size / 2
	for _, tc := range []struct {
		name    string
		patches []string
	}{
		{"wide mappings", []string{padded(keys(half / 13)), padded(keys(half / 13))}},
		{"long lists", []string{padded("[" + repeat("1,", half/2) + "]"), padded("[" + repeat("1,", half/2) + "]")}},
		{"many strings", []string{padded("[" + repeat(`"x",`, half/4) + "]"), padded("[" + repeat(`"\"",`, half/5) + "]")}},
		{"many objects", []string{padded("[" + repeat(`{"a":{}},`, half/9) + "]"), padded("[" + repeat(`[[]],`, half/5) + "]")}},
		{"long string", []string{padded(`{"s":"` + strings.Repeat("a", half) + `"}`), padded(`{"s":"` + strings.Repeat(`\n`, half/2) + `"}`)}},
		{"values at the bound, checked", []string{padded(keys(MaxObjectValues/2 - 100)), padded(`{"s":"` + strings.Repeat("a", size-13*MaxObjectValues/2) + `"}`)}},
		{"many patches", strings.Split(repeat(padded("{}")+",", size/len(padded("{}"))), ",{\"applyTo")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHandler(t, handlerConfig{mode: ModeEnforce, checks: checks.Registry(), timeout: time.Minute, denyUnchecked: true})
			patches := tc.patches
			if tc.name == "many patches" {
				for i := 1; i < len(patches); i++ {
					patches[i] = `{"applyTo` + patches[i]
				}
			}
			req := envoyFilterRequest(patches...)
			if n := len(req.Object.Raw); n < size*9/10 || n > size*11/10 {
				t.Fatalf("object of %d bytes, want about %d", n, size)
			}
			resp, cpu, alloc := measure(t, h, req)
			t.Logf("%d bytes: %v CPU, %d MB allocated: %.80s", len(req.Object.Raw), cpu, alloc>>20, resp.Result.Message)
			if resp.Allowed || resp.Result == nil || !strings.Contains(resp.Result.Message, "ML005") && !strings.Contains(resp.Result.Message, "too large to check") {
				t.Fatalf("allowed=%v result=%.200v warnings=%.300q; want denied, checked or too large", resp.Allowed, resp.Result, resp.Warnings)
			}
			if cpu > DefaultTimeout/2 {
				t.Errorf("checking a %d-byte object took %v of CPU, more than half the %v budget", len(req.Object.Raw), cpu, DefaultTimeout)
			}
		})
	}
}

// TestHandlerDenyUnchecked: in enforce mode with DenyUnchecked, a request
// whose checks overrun the budget is denied with a message saying so;
// without it, or in warn mode, it is allowed with a warning; an internal
// failure (a panic) still fails open.
func TestHandlerDenyUnchecked(t *testing.T) {
	slow := strings.Replace(kindDoc(lint.KindVirtualService, "vs"), "namespace: shop}", `namespace: shop, annotations: {"test.meshlint.io/sleep": "300ms"}}`, 1)
	panics := strings.Replace(kindDoc(lint.KindVirtualService, "vs"), "namespace: shop}", `namespace: shop, annotations: {"test.meshlint.io/panic": "boom"}}`, 1)
	for _, tc := range []struct {
		name       string
		cfg        handlerConfig
		doc        string
		wantDenied bool
		want       string // in the denial message, or the first warning
	}{
		{"enforce, deny unchecked", handlerConfig{mode: ModeEnforce, denyUnchecked: true}, slow, true,
			"meshlint denied this VirtualService: it could not be checked: the checks took longer than 20ms"},
		{"enforce", handlerConfig{mode: ModeEnforce}, slow, false, "meshlint: checks could not run: the checks took longer than 20ms"},
		{"warn, deny unchecked", handlerConfig{mode: ModeWarn, denyUnchecked: true}, slow, false, "meshlint: checks could not run: the checks took longer than 20ms"},
		{"enforce, deny unchecked, panic", handlerConfig{mode: ModeEnforce, severity: lint.SeverityInfo, denyUnchecked: true}, panics, false, "ML000 internal-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.timeout = 20 * time.Millisecond
			if tc.name == "enforce, deny unchecked, panic" {
				tc.cfg.timeout = time.Minute
			}
			h := newTestHandler(t, tc.cfg)
			resp := handle(h, request(t, admissionv1.Create, tc.doc))
			if resp.Allowed == tc.wantDenied {
				t.Fatalf("allowed=%v result=%+v warnings=%q", resp.Allowed, resp.Result, resp.Warnings)
			}
			got := ""
			if tc.wantDenied {
				got = resp.Result.Message
			} else if len(resp.Warnings) > 0 {
				got = resp.Warnings[0]
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %q, want it to start %q", got, tc.want)
			}
		})
	}
}
