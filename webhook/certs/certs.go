// Package certs keeps the webhook's serving certificate valid without outside help: it wraps
// open-policy-agent/cert-controller, which generates a CA and a serving certificate into a
// Secret, rotates them before they expire and injects the CA into the
// ValidatingWebhookConfiguration's caBundle, and it copies the serving pair from that Secret into
// the webhook's certificate directory, where controller-runtime's certificate watcher reloads it
// without a restart.
//
// The Secret must already exist (the Helm chart creates it empty); the rotator only updates it,
// so the pod never needs create on secrets. Every list and watch is narrowed to the one Secret
// and the one ValidatingWebhookConfiguration by a metadata.name field selector, so the RBAC it
// needs names both: get, list, watch and update on secrets with resourceNames [the Secret] in
// its own namespace, and the same verbs on validatingwebhookconfigurations with resourceNames
// [the configuration]. No other secret is ever read.
//
// The webhook server reads tls.crt and tls.key when it starts and refuses to start without them,
// so it must be added to the manager only after the channel returned by Setup is closed:
//
//	ready, err := certs.Setup(mgr, opts)
//	...
//	go func() {
//		<-ready
//		_ = mgr.Add(webhookServer)
//	}()
package certs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Keys of the serving pair in the Secret and in the certificate directory. They are the names
// cert-controller writes and controller-runtime's webhook server reads by default.
const (
	CertName = "tls.crt"
	KeyName  = "tls.key"
)

// Options configures self-managed certificates. The zero value is disabled.
type Options struct {
	// SecretName is the Secret, in SecretNamespace, that holds the CA and the serving pair.
	// Setting it turns certificate rotation on.
	SecretName string
	// SecretNamespace is the namespace of the Secret and of the Service; it defaults to the
	// namespace the pod runs in (POD_NAMESPACE, then the service account's namespace file).
	SecretNamespace string
	// WebhookConfigName is the ValidatingWebhookConfiguration whose caBundle is kept current.
	WebhookConfigName string
	// ServiceName is the Service in front of the webhook; the serving certificate is issued
	// for <ServiceName>.<SecretNamespace>.svc.
	ServiceName string
	// ExtraDNSNames are added to the serving certificate, for clients that reach the webhook
	// by another name (a test API server calling https://localhost:<port>).
	ExtraDNSNames []string
	// CertDir is where tls.crt and tls.key are written for the webhook server.
	CertDir string
	// CAName and CAOrganization name the generated CA.
	CAName         string
	CAOrganization string
	// Validity and renewal timing; zero means cert-controller's defaults (CA 10 years, serving
	// certificate 1 year, renewed 90 days before expiry, checked every 12 hours).
	CACertDuration         time.Duration
	ServerCertDuration     time.Duration
	LookaheadInterval      time.Duration
	RotationCheckFrequency time.Duration
}

// AddFlags registers the options as flags of the webhook command. --cert-dir is not among them:
// the webhook command owns it and copies it into CertDir.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.SecretName, "cert-rotation-secret", o.SecretName,
		"Secret in the pod's namespace holding the self-managed CA and serving certificate; setting it turns on generation, rotation and caBundle injection")
	fs.StringVar(&o.SecretNamespace, "cert-rotation-namespace", o.SecretNamespace,
		"namespace of --cert-rotation-secret and --service-name (default: the pod's namespace)")
	fs.StringVar(&o.WebhookConfigName, "webhook-config-name", o.WebhookConfigName,
		"ValidatingWebhookConfiguration whose caBundle is kept in sync with the self-managed CA")
	fs.StringVar(&o.ServiceName, "service-name", o.ServiceName,
		"Service in front of the webhook; the certificate is issued for <service>.<namespace>.svc")
	fs.StringSliceVar(&o.ExtraDNSNames, "cert-extra-dns-names", o.ExtraDNSNames,
		"more DNS names for the generated serving certificate, besides <service>.<namespace>.svc")
	fs.DurationVar(&o.ServerCertDuration, "cert-rotation-validity", o.ServerCertDuration,
		"validity of generated serving certificates (0: one year)")
	fs.DurationVar(&o.LookaheadInterval, "cert-rotation-lookahead", o.LookaheadInterval,
		"renew serving certificates this long before they expire (0: 90 days)")
	fs.DurationVar(&o.RotationCheckFrequency, "cert-rotation-check-interval", o.RotationCheckFrequency,
		"how often certificate expiry is checked (0: 12 hours)")
}

// Enabled reports whether self-managed certificates were asked for.
func (o Options) Enabled() bool { return o.SecretName != "" }

// DNSName is the name the serving certificate is issued for.
func (o Options) DNSName() string { return o.ServiceName + "." + o.SecretNamespace + ".svc" }

// complete fills defaults and reports missing values.
func (o *Options) complete() error {
	if o.SecretNamespace == "" {
		o.SecretNamespace = podNamespace()
	}
	var missing []string
	for _, f := range []struct{ flag, value string }{
		{"--cert-rotation-secret", o.SecretName},
		{"--cert-rotation-namespace", o.SecretNamespace},
		{"--webhook-config-name", o.WebhookConfigName},
		{"--service-name", o.ServiceName},
		{"--cert-dir", o.CertDir},
	} {
		if f.value == "" {
			missing = append(missing, f.flag)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("self-managed certificates need %v", missing)
	}
	if o.CAName == "" {
		o.CAName = "meshlint-ca"
	}
	if o.CAOrganization == "" {
		o.CAOrganization = "meshlint"
	}
	return nil
}

const serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

func podNamespace() string {
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	if b, err := os.ReadFile(serviceAccountNamespaceFile); err == nil {
		return string(bytes.TrimSpace(b))
	}
	return ""
}

var setups atomic.Int64

// Setup adds the certificate rotator and the Secret-to-directory sync to mgr. The returned
// channel is closed once a valid serving pair is in CertDir and the CA is in the webhook
// configuration's caBundle; add the webhook server to the manager only then.
func Setup(mgr manager.Manager, opts Options) (ready chan struct{}, err error) {
	if err := opts.complete(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.CertDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating certificate directory %q: %w", opts.CertDir, err)
	}
	ready = make(chan struct{})
	key := types.NamespacedName{Namespace: opts.SecretNamespace, Name: opts.SecretName}
	// controller-runtime refuses a second controller of the same name in one process, which a
	// test starting the webhook twice would hit.
	controllerName := "cert-rotator"
	if n := setups.Add(1); n > 1 {
		controllerName = fmt.Sprintf("cert-rotator-%d", n)
	}
	err = rotator.AddRotator(narrowedManager{mgr, narrowedConfig(mgr.GetConfig(), opts)}, &rotator.CertRotator{
		SecretKey:              key,
		CertDir:                opts.CertDir,
		CAName:                 opts.CAName,
		CAOrganization:         opts.CAOrganization,
		DNSName:                opts.DNSName(),
		ExtraDNSNames:          opts.ExtraDNSNames,
		IsReady:                ready,
		Webhooks:               []rotator.WebhookInfo{{Name: opts.WebhookConfigName, Type: rotator.Validating}},
		FieldOwner:             "meshlint",
		RestartOnSecretRefresh: false,
		RequireLeaderElection:  false,
		CaCertDuration:         opts.CACertDuration,
		ServerCertDuration:     opts.ServerCertDuration,
		LookaheadInterval:      opts.LookaheadInterval,
		RotationCheckFrequency: opts.RotationCheckFrequency,
		CertName:               CertName,
		KeyName:                KeyName,
		EnableReadinessCheck:   true,
		ControllerName:         controllerName,
	})
	if err != nil {
		return nil, fmt.Errorf("adding certificate rotator: %w", err)
	}
	if err := addSecretSync(mgr, key, opts.CertDir); err != nil {
		return nil, err
	}
	return ready, nil
}

// narrowedManager hands cert-controller a rest config whose lists and watches select by name.
// cert-controller builds its own cache from GetConfig, scoped to the Secret's namespace but to
// every Secret in it and every ValidatingWebhookConfiguration of the cluster, and offers no
// option to narrow it; without this, the pod would need list and watch on all of them.
type narrowedManager struct {
	manager.Manager
	config *rest.Config
}

func (m narrowedManager) GetConfig() *rest.Config { return m.config }

func narrowedConfig(cfg *rest.Config, opts Options) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	names := map[string]string{
		"/api/v1/namespaces/" + opts.SecretNamespace + "/secrets":               opts.SecretName,
		"/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations": opts.WebhookConfigName,
	}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return nameSelectingRoundTripper{rt: rt, names: names}
	})
	return cfg
}

// nameSelectingRoundTripper adds fieldSelector=metadata.name=<name> to collection GETs (lists
// and watches) of the paths it knows, which lets RBAC resourceNames authorize them.
type nameSelectingRoundTripper struct {
	rt    http.RoundTripper
	names map[string]string // collection path -> the one name to select
}

func (n nameSelectingRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	name, ok := n.names[strings.TrimSuffix(req.URL.Path, "/")]
	if !ok || req.Method != http.MethodGet {
		return n.rt.RoundTrip(req)
	}
	q := req.URL.Query()
	selector := fields.OneTermEqualSelector("metadata.name", name)
	if fs := q.Get("fieldSelector"); fs != "" {
		parsed, err := fields.ParseSelector(fs)
		if err != nil {
			return nil, fmt.Errorf("parsing field selector %q: %w", fs, err)
		}
		if _, named := parsed.RequiresExactMatch("metadata.name"); named {
			return n.rt.RoundTrip(req)
		}
		selector = fields.AndSelectors(parsed, selector)
	}
	q.Set("fieldSelector", selector.String())
	req = req.Clone(req.Context())
	req.URL.RawQuery = q.Encode()
	return n.rt.RoundTrip(req)
}

// ReadyCheck is a readiness check that fails until ready is closed, for /readyz.
func ReadyCheck(ready <-chan struct{}) healthz.Checker {
	return func(*http.Request) error {
		select {
		case <-ready:
			return nil
		default:
			return errors.New("webhook certificate not ready")
		}
	}
}

// addSecretSync watches only the one Secret (a field selector on its name, so the informer never
// lists other secrets) and writes its serving pair into dir whenever it changes. cert-controller
// only checks that the files exist; it relies on something else to put them there, which in a
// pod would be a Secret volume updated by the kubelet a minute or more later. Writing them from
// the process makes a rotated certificate live within seconds and works without a kubelet.
func addSecretSync(mgr manager.Manager, key types.NamespacedName, dir string) error {
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme: mgr.GetScheme(),
		Mapper: mgr.GetRESTMapper(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {
				Namespaces: map[string]cache.Config{key.Namespace: {}},
				Field:      fields.OneTermEqualSelector("metadata.name", key.Name),
			},
		},
	})
	if err != nil {
		return fmt.Errorf("creating secret cache: %w", err)
	}
	if err := mgr.Add(nonLeaderRunnable{c}); err != nil {
		return fmt.Errorf("registering secret cache: %w", err)
	}
	return mgr.Add(nonLeaderRunnable{&secretSync{cache: c, key: key, dir: dir}})
}

// nonLeaderRunnable runs on every replica: each one serves, so each one needs its certificate.
type nonLeaderRunnable struct{ manager.Runnable }

func (nonLeaderRunnable) NeedLeaderElection() bool { return false }

type secretSync struct {
	cache cache.Cache
	key   types.NamespacedName
	dir   string
}

func (s *secretSync) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("cert-sync").WithValues("secret", s.key.String(), "dir", s.dir)
	inf, err := s.cache.GetInformer(ctx, &corev1.Secret{})
	if err != nil {
		return fmt.Errorf("getting secret informer: %w", err)
	}
	write := func(obj any) {
		secret, ok := obj.(*corev1.Secret)
		if !ok || secret.Namespace != s.key.Namespace || secret.Name != s.key.Name {
			return
		}
		changed, err := WriteServingPair(s.dir, secret.Data)
		if err != nil {
			log.Error(err, "unable to write serving certificate")
			return
		}
		if changed {
			log.Info("wrote serving certificate")
		}
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    write,
		UpdateFunc: func(_, obj any) { write(obj) },
	})
	if err != nil {
		return fmt.Errorf("watching secret %s: %w", s.key, err)
	}
	<-ctx.Done()
	return inf.RemoveEventHandler(reg)
}

// WriteServingPair writes tls.crt and tls.key from a Secret's data into dir, each atomically
// (a temporary file renamed over the old one), and reports whether anything changed. A Secret
// without both keys yet (created empty, not filled by the rotator) is not an error: nothing is
// written.
func WriteServingPair(dir string, data map[string][]byte) (changed bool, err error) {
	cert, key := data[CertName], data[KeyName]
	if len(cert) == 0 || len(key) == 0 {
		return false, nil
	}
	// The key goes first so that the certificate watcher, triggered by the certificate, reads a
	// matching pair; a reload in between fails and keeps the old pair.
	for _, f := range []struct {
		name string
		data []byte
	}{{KeyName, key}, {CertName, cert}} {
		c, err := writeIfChanged(filepath.Join(dir, f.name), f.data)
		if err != nil {
			return changed, err
		}
		changed = changed || c
	}
	return changed, nil
}

func writeIfChanged(path string, data []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return false, fmt.Errorf("writing %q: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, fmt.Errorf("writing %q: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, fmt.Errorf("writing %q: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("writing %q: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("writing %q: %w", path, err)
	}
	return true, nil
}
