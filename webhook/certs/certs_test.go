package certs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
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
}
