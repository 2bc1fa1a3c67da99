package certs

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
)

func TestWriteServingPair(t *testing.T) {
	dir := t.TempDir()

	changed, err := WriteServingPair(dir, map[string][]byte{})
	if err != nil || changed {
		t.Fatalf("empty secret: changed=%v err=%v, want nothing written", changed, err)
	}
	if _, err := os.Stat(filepath.Join(dir, CertName)); !os.IsNotExist(err) {
		t.Fatalf("empty secret wrote %s: %v", CertName, err)
	}

	steps := []struct {
		name        string
		cert, key   string
		wantChanged bool
	}{
		{name: "first pair", cert: "cert-1", key: "key-1", wantChanged: true},
		{name: "same pair", cert: "cert-1", key: "key-1", wantChanged: false},
		{name: "rotated pair", cert: "cert-2", key: "key-2", wantChanged: true},
	}
	for _, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			changed, err := WriteServingPair(dir, map[string][]byte{
				CertName: []byte(tc.cert), KeyName: []byte(tc.key), "ca.key": []byte("never written"),
			})
			if err != nil {
				t.Fatal(err)
			}
			if changed != tc.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tc.wantChanged)
			}
			for name, want := range map[string]string{CertName: tc.cert, KeyName: tc.key} {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 {
				t.Errorf("dir holds %d entries, want only %s and %s (the CA key must never reach disk)", len(entries), CertName, KeyName)
			}
		})
	}
}

func TestOptionsFlagsAndComplete(t *testing.T) {
	var o Options
	fs := pflag.NewFlagSet("webhook", pflag.ContinueOnError)
	o.AddFlags(fs)
	if o.Enabled() {
		t.Fatal("zero options enabled")
	}
	err := fs.Parse([]string{
		"--cert-rotation-secret=meshlint-webhook-cert",
		"--cert-rotation-namespace=meshlint",
		"--webhook-config-name=meshlint",
		"--service-name=meshlint-webhook",
		"--cert-extra-dns-names=localhost,meshlint.test",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Enabled() {
		t.Fatal("options with a secret not enabled")
	}
	if err := o.complete(); err == nil {
		t.Fatal("complete without --cert-dir succeeded")
	}
	o.CertDir = t.TempDir()
	if err := o.complete(); err != nil {
		t.Fatal(err)
	}
	if got, want := o.DNSName(), "meshlint-webhook.meshlint.svc"; got != want {
		t.Errorf("DNSName() = %q, want %q", got, want)
	}
	if got := o.ExtraDNSNames; len(got) != 2 || got[0] != "localhost" {
		t.Errorf("ExtraDNSNames = %q, want [localhost meshlint.test]", got)
	}
}

type recordingRoundTripper struct{ got *http.Request }

func (r *recordingRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
}

func TestNameSelectingRoundTripper(t *testing.T) {
	opts := Options{SecretName: "meshlint-cert", SecretNamespace: "meshlint", WebhookConfigName: "meshlint"}
	tests := []struct {
		name, method, url string
		wantSelector      string
	}{
		{name: "secret list", method: http.MethodGet,
			url:          "https://api/api/v1/namespaces/meshlint/secrets?limit=500",
			wantSelector: "metadata.name=meshlint-cert"},
		{name: "secret watch", method: http.MethodGet,
			url:          "https://api/api/v1/namespaces/meshlint/secrets?watch=true&resourceVersion=1",
			wantSelector: "metadata.name=meshlint-cert"},
		{name: "webhook config list", method: http.MethodGet,
			url:          "https://api/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
			wantSelector: "metadata.name=meshlint"},
		{name: "existing selector kept and narrowed", method: http.MethodGet,
			url:          "https://api/api/v1/namespaces/meshlint/secrets?fieldSelector=type%3Dopaque",
			wantSelector: "type=opaque,metadata.name=meshlint-cert"},
		{name: "named selector left alone", method: http.MethodGet,
			url:          "https://api/api/v1/namespaces/meshlint/secrets?fieldSelector=metadata.name%3Dmeshlint-cert",
			wantSelector: "metadata.name=meshlint-cert"},
		{name: "get by name untouched", method: http.MethodGet,
			url: "https://api/api/v1/namespaces/meshlint/secrets/meshlint-cert"},
		{name: "update untouched", method: http.MethodPut,
			url: "https://api/api/v1/namespaces/meshlint/secrets"},
		{name: "other namespace untouched", method: http.MethodGet,
			url: "https://api/api/v1/namespaces/other/secrets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingRoundTripper{}
			cfg := narrowedConfig(&rest.Config{Host: "https://api"}, opts)
			rt := cfg.WrapTransport(rec)
			req, err := http.NewRequest(tc.method, tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rt.RoundTrip(req); err != nil {
				t.Fatal(err)
			}
			if got := rec.got.URL.Query().Get("fieldSelector"); got != tc.wantSelector {
				t.Errorf("fieldSelector = %q, want %q", got, tc.wantSelector)
			}
		})
	}
}
