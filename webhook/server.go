package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/meshlint/meshlint/cluster"
	"github.com/meshlint/meshlint/config"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
	"github.com/meshlint/meshlint/webhook/certs"
)

// Path is the one path the webhook serves, for every kind.
const Path = "/validate"

// Options are the settings of `meshlint webhook`.
type Options struct {
	// Host is the address the webhook listens on ("" for all).
	Host string
	Port int
	// CertDir holds tls.crt and tls.key; they are reloaded when they change.
	CertDir string
	// ConfigFile is the meshlint config; "" for defaults. It is reloaded when
	// it changes.
	ConfigFile      string
	Mode            Mode
	EnforceSeverity lint.Severity
	// DenyDeletes: see HandlerOptions.DenyDeletes.
	DenyDeletes bool
	// MetricsBindAddress and HealthProbeBindAddress take "0" to disable.
	MetricsBindAddress     string
	HealthProbeBindAddress string
	// MetricsSecure serves /metrics over HTTPS (a self-signed certificate) to clients the API
	// server authenticates with a TokenReview and authorizes for GET /metrics with a
	// SubjectAccessReview; the ServiceAccount needs create on both.
	MetricsSecure bool
	// Timeout bounds the checks of one request (DefaultTimeout when zero).
	Timeout time.Duration
	// DenyUnchecked denies, in enforce mode, what cannot be checked within
	// Timeout (see HandlerOptions.DenyUnchecked).
	DenyUnchecked bool
	// TenantIsolation names another namespace's resource in a warning only
	// when the requesting user may get it (see SubjectAccessReviewer).
	TenantIsolation bool
	// Certs turns on self-managed serving certificates (see package certs).
	Certs certs.Options
	// Serving bounds slow clients of the webhook server (DefaultServingOptions for zero fields).
	Serving ServingOptions
}

// DefaultOptions returns the defaults of the command's flags.
func DefaultOptions() Options {
	return Options{
		Port: 9443, Mode: ModeWarn, EnforceSeverity: lint.SeverityError,
		MetricsBindAddress: ":8080", HealthProbeBindAddress: ":8081", Timeout: DefaultTimeout,
		Serving:       DefaultServingOptions(),
		DenyUnchecked: true, TenantIsolation: true,
	}
}

// Run serves the webhook until ctx is done. The logger is the base of every
// log line, controller-runtime's included.
func Run(ctx context.Context, restCfg *rest.Config, opts Options, log logr.Logger) error {
	cfg := config.Default()
	if opts.ConfigFile != "" {
		var err error
		if cfg, err = config.Load(opts.ConfigFile, checks.Registry()); err != nil {
			return fmt.Errorf("loading config: %w", err)
		}
	}
	m := NewMetrics(nil)
	h, err := NewHandler(cfg.Mesh, cfg.Settings(), HandlerOptions{
		Mode: opts.Mode, EnforceSeverity: opts.EnforceSeverity, DenyDeletes: opts.DenyDeletes, Timeout: opts.Timeout, Metrics: m,
		DenyUnchecked: opts.DenyUnchecked,
	})
	if err != nil {
		return err
	}
	m = NewMetrics(h.Len)
	h.opts.Metrics = m
	if err := m.Register(ctrlmetrics.Registry); err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}

	root := cfg.Mesh.RootNamespace
	mgr, err := manager.New(restCfg, manager.Options{
		Scheme:                 cluster.Scheme(),
		Logger:                 log,
		Metrics:                metricsOptions(opts),
		HealthProbeBindAddress: opts.HealthProbeBindAddress,
		// Validation is read-only: every replica serves, no leader needed.
		LeaderElection: false,
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	// Absence is confirmed past the informer cache, which may be behind.
	h.opts.Live = APIReaderGetter(mgr.GetAPIReader())
	if opts.TenantIsolation {
		h.opts.Access = SubjectAccessReviewer(mgr.GetClient())
	}

	// The informers live in a cache of their own, not in the manager's: the
	// manager waits for its own cache to sync before it looks at its context
	// again, so a cache that can never sync (its RBAC missing) would keep
	// the process from shutting down. This one starts beside the webhook
	// server, and /readyz stays unready until it has synced.
	informers, err := cache.New(restCfg, cache.Options{
		Scheme:           mgr.GetScheme(),
		Mapper:           mgr.GetRESTMapper(),
		DefaultTransform: stripUnread,
		ByObject: map[client.Object]cache.ByObject{
			// Only the mesh ConfigMap, not every ConfigMap of the cluster.
			&corev1.ConfigMap{}: {
				Namespaces: map[string]cache.Config{root: {}},
				Field:      fields.OneTermEqualSelector("metadata.name", cfg.Mesh.MeshConfigMap()),
			},
		},
		DefaultWatchErrorHandler: watchErrorHandler(log.WithName("informers")),
	})
	if err != nil {
		return fmt.Errorf("creating the informer cache: %w", err)
	}
	if err := mgr.Add(everyReplica{informers}); err != nil {
		return fmt.Errorf("adding the informer cache: %w", err)
	}
	regs, err := watch(ctx, informers, h, cfg.Mesh.MeshConfigMap(), log)
	if err != nil {
		return err
	}
	if err := mgr.Add(everyReplica{manager.RunnableFunc(func(ctx context.Context) error {
		return waitSynced(ctx, informers, regs, h, log)
	})}); err != nil {
		return fmt.Errorf("adding the cache sync waiter: %w", err)
	}

	tlsMetrics := NewTLSMetrics()
	if err := tlsMetrics.Register(ctrlmetrics.Registry); err != nil {
		return err
	}
	srv := NewServer(ServerOptions{
		Host: opts.Host, Port: opts.Port, CertDir: opts.CertDir, Serving: opts.Serving,
		Metrics: tlsMetrics, Log: log.WithName("webhook-server"),
	})
	srv.Register(Path, &admission.Webhook{
		Handler:      h,
		RecoverPanic: ptrTo(true),
		LogConstructor: func(_ logr.Logger, req *admission.Request) logr.Logger {
			return admission.DefaultLogConstructor(log.WithName("admission"), req)
		},
	})

	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("adding healthz check: %w", err)
	}
	if err := mgr.AddReadyzCheck("informers-synced", func(*http.Request) error {
		if !h.Synced() {
			return errors.New("informer caches have not synced")
		}
		return nil
	}); err != nil {
		return fmt.Errorf("adding readyz check: %w", err)
	}
	if err := mgr.AddReadyzCheck("webhook-server", srv.StartedChecker()); err != nil {
		return fmt.Errorf("adding readyz check: %w", err)
	}

	if opts.Certs.Enabled() {
		opts.Certs.CertDir = opts.CertDir
		ready, err := certs.Setup(mgr, opts.Certs)
		if err != nil {
			return fmt.Errorf("setting up certificate rotation: %w", err)
		}
		if err := mgr.AddReadyzCheck("certificates", certs.ReadyCheck(ready)); err != nil {
			return fmt.Errorf("adding readyz check: %w", err)
		}
		// The webhook server refuses to start without its key pair.
		if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
			select {
			case <-ready:
			case <-ctx.Done():
				return nil
			}
			return srv.Start(ctx)
		})); err != nil {
			return fmt.Errorf("adding the webhook server: %w", err)
		}
	} else if err := mgr.Add(srv); err != nil {
		return fmt.Errorf("adding the webhook server: %w", err)
	}

	if opts.ConfigFile != "" {
		if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
			return watchConfig(ctx, opts.ConfigFile, h, log.WithName("config"))
		})); err != nil {
			return fmt.Errorf("adding the config watcher: %w", err)
		}
	}

	log.Info("starting meshlint webhook", "port", opts.Port, "mode", opts.Mode,
		"enforceSeverity", opts.EnforceSeverity.String(), "config", opts.ConfigFile, "rootNamespace", root)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("running the manager: %w", err)
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// metricsOptions configures controller-runtime's metrics server: plain HTTP, or with
// MetricsSecure HTTPS behind its authentication and authorization filter, with the webhook
// server's TLS settings.
func metricsOptions(opts Options) metricsserver.Options {
	m := metricsserver.Options{BindAddress: opts.MetricsBindAddress}
	if opts.MetricsSecure {
		m.SecureServing = true
		m.FilterProvider = filters.WithAuthenticationAndAuthorization
		m.TLSOpts = []func(*tls.Config){hardenTLS}
	}
	return m
}

// everyReplica marks a runnable that runs on every replica, leader or not
// (there is no leader election), and that the manager starts without
// waiting on it.
type everyReplica struct{ manager.Runnable }

func (everyReplica) NeedLeaderElection() bool { return false }

// watchErrorHandler logs why an informer could not list or watch through
// the webhook's logger. A refused list gets a line that says what to fix:
// until it is fixed the webhook stays unready and, with the chart's
// failurePolicy Ignore, the API server admits everything unchecked.
func watchErrorHandler(log logr.Logger) toolscache.WatchErrorHandlerWithContext {
	return func(ctx context.Context, r *toolscache.Reflector, err error) {
		if apierrors.IsForbidden(err) {
			log.Error(err, "not allowed to list and watch this kind; the webhook stays unready until its ServiceAccount may (the chart's ClusterRole grants it)",
				"type", r.TypeDescription())
			return
		}
		toolscache.DefaultWatchErrorHandler(ctx, r, err)
	}
}

// stripUnread drops what no check reads from cached objects before they are
// stored: managed fields and kubectl's last-applied copy of the object,
// which together often outweigh the object itself.
func stripUnread(in any) (any, error) {
	if o, ok := in.(metav1.Object); ok {
		o.SetManagedFields(nil)
		if a := o.GetAnnotations(); a != nil {
			if _, ok := a[lastApplied]; ok {
				delete(a, lastApplied)
				o.SetAnnotations(a)
			}
		}
	}
	return in, nil
}

// watchedTypes are the kinds the webhook keeps an informer on, apart from
// the mesh ConfigMap: lint.KindTable's Webhook rows, the kinds it admits,
// and its Watched rows (Namespaces).
var watchedTypes = webhookTypes()

func webhookTypes() []cluster.Type {
	var out []cluster.Type
	for _, k := range lint.KindTable() {
		if k.Webhook || k.Watched {
			out = append(out, k)
		}
	}
	return out
}

// watch registers event handlers that keep the handler's index current
// from the informer cache.
func watch(ctx context.Context, c cache.Cache, h *Handler, meshConfigMap string, log logr.Logger) ([]toolscache.ResourceEventHandlerRegistration, error) {
	var regs []toolscache.ResourceEventHandlerRegistration
	for _, t := range watchedTypes {
		inf, err := c.GetInformer(ctx, t.New())
		if err != nil {
			return nil, fmt.Errorf("getting the %s informer: %w", t.Kind, err)
		}
		reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { upsert(h, t, obj) },
			UpdateFunc: func(_, obj any) { upsert(h, t, obj) },
			DeleteFunc: func(obj any) { remove(h, t.Kind, obj) },
		})
		if err != nil {
			return nil, fmt.Errorf("watching %ss: %w", t.Kind, err)
		}
		regs = append(regs, reg)
	}
	inf, err := c.GetInformer(ctx, &corev1.ConfigMap{})
	if err != nil {
		return nil, fmt.Errorf("getting the ConfigMap informer: %w", err)
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { upsertMesh(h, obj, meshConfigMap, log) },
		UpdateFunc: func(_, obj any) { upsertMesh(h, obj, meshConfigMap, log) },
		DeleteFunc: func(obj any) { remove(h, lint.KindMeshConfig, obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("watching the mesh ConfigMap: %w", err)
	}
	return append(regs, reg), nil
}

func upsert(h *Handler, t cluster.Type, obj any) {
	o, ok := obj.(client.Object)
	if !ok {
		return
	}
	if r := cluster.Resource(t, o); r != nil {
		h.Upsert(r)
	}
}

func upsertMesh(h *Handler, obj any, name string, log logr.Logger) {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok || cm.Name != name {
		return
	}
	r, err := load.MeshConfigFromConfigMap(cm)
	if err != nil {
		log.Error(err, "unable to read the mesh config; keeping the previous one", "namespace", cm.Namespace, "name", cm.Name)
		return
	}
	h.Upsert(r)
}

func remove(h *Handler, kind lint.Kind, obj any) {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	o, ok := obj.(client.Object)
	if !ok {
		return
	}
	h.Delete(lint.Key{Kind: kind, Namespace: o.GetNamespace(), Name: o.GetName()})
}

// waitSynced marks the handler ready once every informer has listed and
// every event handler has seen the initial list.
func waitSynced(ctx context.Context, c cache.Cache, regs []toolscache.ResourceEventHandlerRegistration, h *Handler, log logr.Logger) error {
	start := time.Now()
	if !c.WaitForCacheSync(ctx) {
		return nil // ctx done
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		all := true
		for _, r := range regs {
			all = all && r.HasSynced()
		}
		if all {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
	h.MarkSynced()
	log.Info("informer caches synced; ready to admit", "resources", h.Len(), "duration", time.Since(start))
	<-ctx.Done()
	return nil
}
