package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

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
	// The metrics server starts beside the others; /readyz does not wait for it.
	eventually(t, 30*time.Second, "the metrics server listening", func() error {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", p.metricsPort))
		if err == nil {
			resp.Body.Close()
		}
		return err
	})
	if got := certificateRejections(t, p); got != 0 {
		t.Fatalf("%v certificate rejections before any request, want 0", got)
	}
	registerOwnWebhook(t, "e2e-stale", p, staleCA, ns)
	k := newKubectl(t)
	doc := strings.ReplaceAll(caseFor(t, "ML004").docs[0], "e2e-ml004", ns)
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

// webhookKubeconfig writes a kubeconfig authenticating as the chart's ServiceAccount sa in ns
// (a client certificate for its user name, which RBAC matches to ServiceAccount subjects) and
// returns its path.
func webhookKubeconfig(t *testing.T, ns, sa string) string {
	t.Helper()
	user, err := env.AddUser(envtest.User{
		Name:   "system:serviceaccount:" + ns + ":" + sa,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns},
	}, restCfg)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSecureMetrics runs the webhook as the chart renders it with metrics.secure: as its
// ServiceAccount, with the chart's RBAC, and --metrics-secure. /metrics then answers over HTTPS
// only to a bearer token the API server authenticates (TokenReview) and authorizes for GET
// /metrics (SubjectAccessReview): a scraper bound to the chart's metrics-reader ClusterRole gets
// the series, a ServiceAccount without it gets 403, no token 401, and plain HTTP nothing.
func TestSecureMetrics(t *testing.T) {
	const (
		release = "secmetrics"
		ns      = "e2e-secmetrics-system"
	)
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := charts.RenderWith(charts.Options{ReleaseName: release, Namespace: ns, Values: map[string]any{
		"metrics": map[string]any{"secure": true},
	}})
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	dep := fromUnstructured[appsv1.Deployment](t, oneOfKind(t, r.Objects, "Deployment"))
	if !slices.Contains(dep.Spec.Template.Spec.Containers[0].Args, "--metrics-secure=true") {
		t.Fatalf("the Deployment does not pass --metrics-secure=true: %q", dep.Spec.Template.Spec.Containers[0].Args)
	}
	for _, o := range r.Objects {
		if o.GetNamespace() != "" {
			createNamespace(t, o.GetNamespace(), false)
		}
	}
	installChartObjects(t, r, ns, "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
	reader := ""
	for _, o := range charts.OfKind(r.Objects, "ClusterRole") {
		if strings.HasSuffix(o.GetName(), "-metrics-reader") {
			reader = o.GetName()
		}
	}
	if reader == "" {
		t.Fatal("the chart renders no metrics-reader ClusterRole")
	}

	// Two would-be scrapers: one bound to the chart's metrics-reader ClusterRole, one not.
	for _, name := range []string{"scraper", "stranger"} {
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-secmetrics-scraper"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "scraper", Namespace: ns}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})
	token := func(sa string) string {
		t.Helper()
		tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authenticationv1.TokenRequest{
			Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(600))},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("requesting a token for %s: %v", sa, err)
		}
		return tr.Status.Token
	}

	sa := oneOfKind(t, r.Objects, "ServiceAccount").GetName()
	p, _ := startOwnWebhook(t, "secmetrics", "--kubeconfig", webhookKubeconfig(t, ns, sa), "--metrics-secure")
	url := fmt.Sprintf("https://127.0.0.1:%d/metrics", p.metricsPort)
	// The metrics server's certificate is self-signed; what is checked here is who gets in.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
	}}
	get := func(bearer string) (int, string, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return 0, "", err
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	// The metrics server starts beside the others; /readyz does not wait for it.
	eventually(t, 30*time.Second, "the secure metrics server listening", func() error {
		_, _, err := get("")
		return err
	})
	for _, tc := range []struct {
		name   string
		bearer string
		want   int
	}{
		{"no token", "", http.StatusUnauthorized},
		// controller-runtime's filter answers 500 when the TokenReview says the token is invalid.
		{"a token the API server does not know", "not-a-token", http.StatusInternalServerError},
		{"a ServiceAccount without the metrics-reader role", token("stranger"), http.StatusForbidden},
		{"a ServiceAccount bound to the metrics-reader role", token("scraper"), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, err := get(tc.bearer)
			if err != nil {
				t.Fatal(err)
			}
			if code != tc.want {
				t.Fatalf("HTTP %d, want %d: %.300s", code, tc.want, body)
			}
			if code == http.StatusOK && !strings.Contains(body, "meshlint_webhook_tls_handshake_errors_total") {
				t.Errorf("/metrics lacks meshlint's series:\n%.500s", body)
			}
			if code != http.StatusOK && strings.Contains(body, "meshlint_") {
				t.Errorf("refused, but the body has the series")
			}
		})
	}
	t.Run("plain HTTP", func(t *testing.T) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", p.metricsPort))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "meshlint_") {
				t.Errorf("plain HTTP served the series")
			}
		}
	})
}
