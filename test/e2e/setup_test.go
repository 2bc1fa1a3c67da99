package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshlint/meshlint/charts"
)

// A webhookProcess is one `meshlint webhook`: the binary users run
// (cmd/meshlint, built once per run), as a child process.
type webhookProcess struct {
	name        string
	port        int
	healthPort  int
	metricsPort int
	logFile     string
	// cancel sends SIGTERM, kill SIGKILL.
	cancel, kill func()
	// done receives the exit status once.
	done chan int
}

var (
	webhooksMu sync.Mutex
	webhooks   = map[string]*webhookProcess{}
	setupOnce  sync.Once
	setupErr   error
	caPEM      []byte
	certDir    string
	// configFile is the warn webhook's --config.
	configFile string
)

// Labels that route namespaces to the warn or the enforce webhook.
const (
	modeLabel   = "meshlint.io/mode"
	modeEnforce = "enforce"
)

// initialConfig is the warn webhook's config file when it starts.
const initialConfig = "failOn: warning\n"

// setup starts a warn-mode and an enforce-mode webhook and registers one
// ValidatingWebhookConfiguration with an entry for each: namespaces labelled
// meshlint.io/mode=enforce go to the enforce one, all others to warn.
func setup(t *testing.T) {
	t.Helper()
	setupOnce.Do(func() { setupErr = doSetup() })
	if setupErr != nil {
		t.Fatalf("setting up the webhooks: %v", setupErr)
	}
}

func doSetup() error {
	dir, err := os.MkdirTemp("", "meshlint-e2e-certs-")
	if err != nil {
		return err
	}
	certDir = dir
	if caPEM, err = writeServingCert(certDir); err != nil {
		return err
	}
	configFile = filepath.Join(certDir, "meshlint.yaml")
	if err := os.WriteFile(configFile, []byte(initialConfig), 0o600); err != nil {
		return err
	}
	for _, w := range []struct {
		name string
		args []string
	}{
		{"warn", []string{"--mode", "warn", "--config", configFile}},
		{"enforce", []string{"--mode", "enforce", "--enforce-severity", "error"}},
	} {
		p, err := startWebhook(w.name, w.args...)
		if err != nil {
			return err
		}
		if err := p.waitReady(90 * time.Second); err != nil {
			return err
		}
	}
	return registerWebhooks()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startWebhook(name string, extra ...string) (*webhookProcess, error) {
	return startWebhookIn(certDir, name, 0, extra...)
}

// startWebhookIn starts a webhook with --cert-dir dir, logging to
// dir/<name>.log, serving on port (a free one when 0).
func startWebhookIn(dir, name string, port int, extra ...string) (*webhookProcess, error) {
	p := &webhookProcess{name: name, port: port, done: make(chan int, 1)}
	for _, port := range []*int{&p.port, &p.healthPort, &p.metricsPort} {
		if *port != 0 {
			continue
		}
		var err error
		if *port, err = freePort(); err != nil {
			return nil, err
		}
	}
	p.logFile = filepath.Join(dir, name+".log")
	logs, err := os.Create(p.logFile)
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--host", "127.0.0.1",
		"--port", strconv.Itoa(p.port),
		"--cert-dir", dir,
		"--kubeconfig", kubeconfigFile,
		"--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(p.healthPort),
		"--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(p.metricsPort),
		"--log-level", "debug",
	}, extra...)
	bin, err := cliBinary()
	if err != nil {
		logs.Close()
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"webhook"}, args...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	// A webhook outlives no test run, even one that crashes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logs.Close()
		return nil, fmt.Errorf("starting meshlint webhook: %w", err)
	}
	// What the kubelet sends a pod it stops.
	p.cancel = func() { _ = cmd.Process.Signal(syscall.SIGTERM) }
	p.kill = func() { _ = cmd.Process.Kill() }
	go func() {
		err := cmd.Wait()
		logs.Close()
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			code = -1
		}
		p.done <- code
	}()
	webhooksMu.Lock()
	webhooks[name] = p
	webhooksMu.Unlock()
	return p, nil
}

// waitReady polls /readyz, which turns 200 only once the informer caches
// have synced.
func (p *webhookProcess) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", p.healthPort)
	for {
		select {
		case code := <-p.done:
			p.done <- code
			return fmt.Errorf("webhook %s exited with status %d; log in %s", p.name, code, p.logFile)
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook %s not ready after %s; log in %s", p.name, timeout, p.logFile)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends the webhook SIGTERM and waits for it to exit (killing it
// after 90 s).
func (p *webhookProcess) stop() (int, error) {
	p.cancel()
	select {
	case code := <-p.done:
		p.done <- code
		return code, nil
	case <-time.After(90 * time.Second):
		p.kill()
		return 0, fmt.Errorf("webhook %s did not stop", p.name)
	}
}

func stopWebhooks() {
	webhooksMu.Lock()
	defer webhooksMu.Unlock()
	for _, p := range webhooks {
		_, _ = p.stop()
	}
	if certDir != "" && os.Getenv("E2E_KEEP_LOGS") == "" {
		_ = os.RemoveAll(certDir)
	}
}

func webhookByName(name string) *webhookProcess {
	webhooksMu.Lock()
	defer webhooksMu.Unlock()
	return webhooks[name]
}

// registerWebhooks installs the chart's own ValidatingWebhookConfiguration
// (rendered with the Helm SDK, as users install it: rules, failure policy,
// timeout, namespace selector), pointed at the webhook processes. Its one
// webhook is installed twice: for the warn server on namespaces without
// meshlint.io/mode=enforce, and for the enforce server on those with it.
func registerWebhooks() error {
	objs, err := charts.Render(nil)
	if err != nil {
		return err
	}
	chartVWC, err := charts.WebhookConfiguration(objs)
	if err != nil {
		return err
	}
	if len(chartVWC.Webhooks) != 1 {
		return fmt.Errorf("the chart's configuration has %d webhooks, want 1", len(chartVWC.Webhooks))
	}
	entry := func(name string, op metav1.LabelSelectorOperator) admissionregistrationv1.ValidatingWebhook {
		vwc := chartVWC.DeepCopy()
		charts.PointAt(vwc, fmt.Sprintf("https://127.0.0.1:%d", webhookByName(name).port), caPEM)
		wh := vwc.Webhooks[0]
		if name != "warn" {
			wh.Name = name + "." + wh.Name
		}
		if wh.NamespaceSelector == nil {
			wh.NamespaceSelector = &metav1.LabelSelector{}
		}
		wh.NamespaceSelector.MatchExpressions = append(wh.NamespaceSelector.MatchExpressions,
			metav1.LabelSelectorRequirement{Key: modeLabel, Operator: op, Values: []string{modeEnforce}})
		return wh
	}
	vwc := chartVWC.DeepCopy()
	vwc.Webhooks = []admissionregistrationv1.ValidatingWebhook{entry("warn", metav1.LabelSelectorOpNotIn), entry("enforce", metav1.LabelSelectorOpIn)}
	if p := vwc.Webhooks[0].FailurePolicy; p == nil || *p != admissionregistrationv1.Ignore {
		return fmt.Errorf("the chart's failurePolicy is %v, the suite expects Ignore", p)
	}
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return err
	}
	_, err = cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(context.Background(), vwc, metav1.CreateOptions{})
	return err
}

// createNamespace creates a namespace, labelled for the enforce webhook when
// enforce is set.
func createNamespace(t *testing.T, name string, enforce bool) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if enforce {
		ns.Labels = map[string]string{modeLabel: modeEnforce}
	}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// writeServingCert writes tls.crt and tls.key for 127.0.0.1, signed by a
// fresh CA, and returns the CA in PEM for the webhook configuration.
func writeServingCert(dir string) ([]byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "meshlint-e2e-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "meshlint-webhook"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:    []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}
