package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
)

// serve posts body to the handler the way the webhook server mounts it.
func serve(h *Handler, body []byte, contentType string) (int, *admissionv1.AdmissionReview) {
	wh := &admission.Webhook{Handler: h, RecoverPanic: ptrTo(true),
		LogConstructor: func(logr.Logger, *admission.Request) logr.Logger { return logr.Discard() }}
	req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	if len(body) == 0 {
		req.Body = http.NoBody // as net/http hands an empty POST to handlers
	}
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	wh.ServeHTTP(rec, req)
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil {
		return rec.Code, nil
	}
	return rec.Code, &review
}

func reviewBody(t testing.TB, req admission.Request) []byte {
	t.Helper()
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  &req.AdmissionRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServeHTTP(t *testing.T) {
	h := newTestHandler(t, handlerConfig{mode: ModeWarn}, vsWeb)
	valid := reviewBody(t, request(t, admissionv1.Update, gatewayPassthrough))
	for _, tc := range []struct {
		name        string
		body        []byte
		contentType string
		wantCode    int32 // the AdmissionResponse's result code; 0 for a plain allow
		wantAllowed bool
		wantWarns   int
	}{
		{"valid review", valid, "application/json", 0, true, 1},
		{"malformed review", []byte(`{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {`), "application/json", http.StatusBadRequest, false, 0},
		{"not json", []byte("\x00\x01garbage"), "application/json", http.StatusBadRequest, false, 0},
		{"empty body", nil, "application/json", http.StatusBadRequest, false, 0},
		{"review without request", []byte(`{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}`), "application/json", http.StatusBadRequest, false, 0},
		{"wrong content type", valid, "text/plain", http.StatusBadRequest, false, 0},
		{"body over the size limit", append([]byte(`{"request": {"object": "`), bytes.Repeat([]byte("a"), 8<<20)...), "application/json", http.StatusRequestEntityTooLarge, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, review := serve(h, tc.body, tc.contentType)
			if status != http.StatusOK || review == nil || review.Response == nil {
				t.Fatalf("HTTP %d, review %+v: want a 200 carrying an AdmissionReview response", status, review)
			}
			resp := review.Response
			if resp.Allowed != tc.wantAllowed || len(resp.Warnings) != tc.wantWarns {
				t.Errorf("allowed=%v warnings=%q, want allowed=%v and %d warnings", resp.Allowed, resp.Warnings, tc.wantAllowed, tc.wantWarns)
			}
			code := int32(0)
			if resp.Result != nil {
				code = resp.Result.Code
			}
			if tc.wantCode != 0 && code != tc.wantCode {
				t.Errorf("result code %d, want %d", code, tc.wantCode)
			}
			if tc.wantAllowed && resp.UID != "uid-1" {
				t.Errorf("UID = %q, want the request's", resp.UID)
			}
		})
	}
}

var fuzzKinds = []metav1.GroupVersionKind{
	{Group: "networking.istio.io", Version: "v1", Kind: "DestinationRule"},
	{Group: "networking.istio.io", Version: "v1beta1", Kind: "VirtualService"},
	{Group: "networking.istio.io", Version: "v1", Kind: "Gateway"},
	{Group: "networking.istio.io", Version: "v1alpha3", Kind: "ServiceEntry"},
	{Group: "networking.istio.io", Version: "v1alpha3", Kind: "EnvoyFilter"},
	{Group: "security.istio.io", Version: "v1", Kind: "PeerAuthentication"},
	{Group: "", Version: "v1", Kind: "Service"},
	{Group: "", Version: "v1", Kind: "ConfigMap"},
}

// FuzzHandler throws random AdmissionReview bodies (asObject false) and
// random objects inside a well-formed review (asObject true) at the handler
// in both modes. Whatever comes in: no panic, no 5xx, every warning short,
// and no denial except a 400/413 for a malformed review or, in enforce mode,
// a 403 naming findings.
func FuzzHandler(f *testing.F) {
	for _, kind := range allKinds {
		for _, name := range []string{"good", "bad-one"} {
			r := request(f, admissionv1.Create, kindDoc(kind, name))
			f.Add(reviewBody(f, r), false, uint8(0))
			f.Add(r.Object.Raw, true, uint8(slicesIndex(kind)))
		}
	}
	for _, doc := range []string{gatewaySimple, gatewayPassthrough, vsWeb, vsOther} {
		r := request(f, admissionv1.Update, doc)
		f.Add(reviewBody(f, r), false, uint8(1))
		f.Add(r.Object.Raw, true, uint8(slicesIndex(lint.Kind(r.Kind.Kind))|0x80))
	}
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"request": null}`, `{"request": {"uid": "x", "kind": {"group": "networking.istio.io", "kind": "Gateway"}, "operation": "CREATE", "object": 7}}`,
		`{"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": 3}}`,
		`{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "spec": {"http": [{"retries": {"attempts": "x"}}]}}`,
		"apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 443, name: http}]}\n---\n- a"} {
		f.Add([]byte(s), false, uint8(0))
		f.Add([]byte(s), true, uint8(2))
	}
	warn := newTestHandler(f, handlerConfig{mode: ModeWarn, timeout: time.Second, checks: append(checks.Registry(), testChecks...)}, gatewaySimple, vsWeb, vsOther)
	enforce := newTestHandler(f, handlerConfig{mode: ModeEnforce, timeout: time.Second, severity: lint.SeverityInfo, checks: append(checks.Registry(), testChecks...)}, gatewaySimple, vsWeb, vsOther)
	f.Fuzz(func(t *testing.T, data []byte, asObject bool, sel uint8) {
		body := data
		if asObject {
			if !json.Valid(data) {
				return // the API server sends objects as JSON
			}
			op := admissionv1.Create
			if sel&0x80 != 0 {
				op = admissionv1.Update
			}
			req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
				UID: "fuzz", Kind: fuzzKinds[int(sel&0x7f)%len(fuzzKinds)], Name: "fuzz", Namespace: "shop",
				Operation: op, Object: runtime.RawExtension{Raw: data},
			}}
			body = reviewBody(t, req)
		}
		for _, h := range []*Handler{warn, enforce} {
			status, review := serve(h, body, "application/json")
			if status != http.StatusOK || review == nil || review.Response == nil {
				t.Fatalf("HTTP %d without an AdmissionReview response", status)
			}
			resp := review.Response
			for _, w := range resp.Warnings {
				if strings.Contains(w, "took longer") {
					t.Errorf("checks timed out on this input")
				}
				if utf8.RuneCountInString(w) > MaxWarningLength {
					t.Errorf("warning of %d characters: %q", utf8.RuneCountInString(w), w)
				}
			}
			if resp.Allowed {
				continue
			}
			code := resp.Result.Code
			switch {
			case code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge:
				if asObject {
					t.Errorf("a well-formed review was refused with %d: %s", code, resp.Result.Message)
				}
			case code == http.StatusForbidden && h == enforce && strings.HasPrefix(resp.Result.Message, "meshlint denied this "):
			default:
				t.Errorf("denied with %d: %s", code, resp.Result.Message)
			}
		}
	})
}

func slicesIndex(k lint.Kind) int {
	for i, g := range fuzzKinds {
		if g.Kind == string(k) {
			return i
		}
	}
	return 0
}
