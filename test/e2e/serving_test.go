package e2e

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshlint/meshlint/charts"
)

// createIgnoredNamespace creates a namespace labelled meshlint.io/ignore=true, so that the
// suite's shared webhooks leave it to the test's own.
func createIgnoredNamespace(t *testing.T, name string) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"meshlint.io/ignore": "true"}}}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// startOwnWebhook starts a webhook with its own serving certificate in a directory of its own
// and returns it with the CA that signed the certificate.
func startOwnWebhook(t *testing.T, name string, extra ...string) (*webhookProcess, []byte) {
	t.Helper()
	dir, err := os.MkdirTemp("", "meshlint-e2e-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.Getenv("E2E_KEEP_LOGS") == "" {
			_ = os.RemoveAll(dir)
		}
	})
	ca, err := writeServingCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := startWebhookIn(dir, name, 0, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the end of the webhook's log:\n%s", p.tail())
		}
		if code, err := p.stop(); err != nil || code != 0 {
			t.Errorf("stopping the webhook: status %d, %v", code, err)
		}
		webhooksMu.Lock()
		delete(webhooks, name)
		webhooksMu.Unlock()
	})
	if err := p.waitReady(60 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.tail())
	}
	return p, ca
}

// registerOwnWebhook installs the chart's webhook configuration under name, pointed at p
// trusting caBundle, for namespace ns only.
func registerOwnWebhook(t *testing.T, name string, p *webhookProcess, caBundle []byte, ns string) {
	t.Helper()
	objs, err := charts.Render(nil)
	if err != nil {
		t.Fatal(err)
	}
	vwc, err := charts.WebhookConfiguration(objs)
	if err != nil {
		t.Fatal(err)
	}
	vwc.Name = name
	charts.PointAt(vwc, fmt.Sprintf("https://127.0.0.1:%d", p.port), caBundle)
	for i := range vwc.Webhooks {
		vwc.Webhooks[i].NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
	}
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(context.Background(), vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("deleting webhook configuration %s: %v", name, err)
		}
	})
}

var rejectedHandshakes = regexp.MustCompile(`(?m)^meshlint_webhook_tls_handshake_errors_total\{reason="certificate_rejected"\} (\S+)$`)

// certificateRejections scrapes the webhook's /metrics for its count of handshakes whose client
// refused the serving certificate.
func certificateRejections(t *testing.T, p *webhookProcess) float64 {
	t.Helper()
	m := rejectedHandshakes.FindStringSubmatch(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", p.metricsPort)))
	if m == nil {
		t.Fatalf("/metrics has no meshlint_webhook_tls_handshake_errors_total{reason=\"certificate_rejected\"}")
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStaleCABundleCounted is the silent failure of a stale caBundle (a CA changed under
// certs.existingSecret, say): the API server cannot verify the webhook's certificate, and with
// failurePolicy Ignore it admits the change unchecked, without a warning. The webhook sees a TLS
// handshake the API server aborted, and counts it as certificate_rejected on /metrics, the
// series the chart README's alert fires on. With the right caBundle, the warnings come back and
// the count stays.
func TestStaleCABundleCounted(t *testing.T) {
	const ns = "e2e-stale-cabundle"
	createIgnoredNamespace(t, ns)
	p, ca := startOwnWebhook(t, "stale")
	staleCA, err := writeServingCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := certificateRejections(t, p); got != 0 {
		t.Fatalf("%v certificate rejections before any request, want 0", got)
	}
	registerOwnWebhook(t, "e2e-stale", p, staleCA, ns)
	k := newKubectl(t)
	doc := strings.ReplaceAll(checkCases[3].docs[0], "e2e-ml004", ns)
	i := 0
	apply := func() []string {
		t.Helper()
		i++
		got, err := k.apply(strings.Replace(doc, "name: ratings", fmt.Sprintf("name: ratings-%d", i), 1))
		if err != nil {
			t.Fatalf("applying: %v (failurePolicy Ignore should admit it)", err)
		}
		return got
	}
	eventually(t, 30*time.Second, "the API server's rejected handshake counted", func() error {
		if got := apply(); len(got) > 0 {
			return fmt.Errorf("warnings %q through a caBundle that does not hold the webhook's CA", got)
		}
		if n := certificateRejections(t, p); n < 1 {
			return fmt.Errorf("%v certificate rejections counted", n)
		}
		return nil
	})
	stale := certificateRejections(t, p)
	t.Logf("stale caBundle: changes admitted unchecked, %v rejected handshakes counted", stale)

	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	vwc, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), "e2e-stale", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range vwc.Webhooks {
		vwc.Webhooks[i].ClientConfig.CABundle = ca
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(context.Background(), vwc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "warnings with the right caBundle", func() error {
		if got := apply(); len(withPrefix(got, "ML004 retry-without-reset: ")) != 1 {
			return fmt.Errorf("warnings %q, want the ML004 one", got)
		}
		return nil
	})
	before := certificateRejections(t, p)
	apply()
	if after := certificateRejections(t, p); after != before {
		t.Errorf("certificate rejections went from %v to %v with the right caBundle", before, after)
	}
}
