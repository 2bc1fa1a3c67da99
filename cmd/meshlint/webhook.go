package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/meshlint/meshlint/cluster"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/webhook"
)

// runWebhook runs the admission webhook server until SIGINT or SIGTERM
// (what the kubelet sends before killing the pod).
func runWebhook(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return webhookMain(ctx, args, stdout, stderr)
}

// webhookMain is `meshlint webhook`: it parses args (the flags after "webhook"),
// serves until ctx is done, and returns the exit status: 0 after a clean
// shutdown, 1 when the server could not run, 2 for bad flags. Logs go to
// stderr as JSON; stdout carries only --help.
func webhookMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts := webhook.DefaultOptions()
	var mode, enforce, kubeconfig, kubecontext, logLevel string
	fs := pflag.NewFlagSet("meshlint webhook", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: meshlint webhook [flags]\n\nServe the validating admission webhook on POST %s.\n\nFlags:\n%s", webhook.Path, fs.FlagUsages())
	}
	fs.IntVar(&opts.Port, "port", opts.Port, "port the webhook serves HTTPS on")
	fs.StringVar(&opts.Host, "host", opts.Host, "address the webhook listens on (all when empty)")
	fs.StringVar(&opts.CertDir, "cert-dir", opts.CertDir, "directory holding tls.crt and tls.key, reloaded when they change")
	fs.StringVar(&opts.ConfigFile, "config", opts.ConfigFile, "meshlint config file, reloaded when it changes")
	fs.StringVar(&mode, "mode", string(opts.Mode), "warn: always allow, findings as warnings; enforce: deny at or above --enforce-severity")
	fs.StringVar(&enforce, "enforce-severity", opts.EnforceSeverity.String(), "lowest severity that denies in enforce mode: error, warning or info")
	fs.BoolVar(&opts.DenyDeletes, "deny-deletes", opts.DenyDeletes, "in enforce mode, deny deleting a resource when the removal causes findings at or above --enforce-severity on others (otherwise deletes are allowed with warnings)")
	fs.StringVar(&opts.MetricsBindAddress, "metrics-bind-address", opts.MetricsBindAddress, "address of the Prometheus /metrics endpoint (0 disables it)")
	fs.BoolVar(&opts.MetricsSecure, "metrics-secure", opts.MetricsSecure, "serve /metrics over HTTPS to clients the API server authenticates and authorizes for GET /metrics (needs create on tokenreviews and subjectaccessreviews)")
	fs.StringVar(&opts.HealthProbeBindAddress, "health-probe-bind-address", opts.HealthProbeBindAddress, "address of /healthz and /readyz (0 disables them)")
	fs.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file (in-cluster config when absent)")
	fs.StringVar(&kubecontext, "context", "", "kubeconfig context")
	fs.StringVar(&logLevel, "log-level", "info", "debug, info, warn, error, or a number (higher is more verbose)")
	fs.DurationVar(&opts.Timeout, "timeout", opts.Timeout, "time the checks of one request may take before it is allowed unchecked (or denied: --deny-unchecked)")
	fs.BoolVar(&opts.DenyUnchecked, "deny-unchecked", opts.DenyUnchecked, "in enforce mode, deny a request whose checks do not finish within --timeout instead of allowing it unchecked")
	fs.BoolVar(&opts.TenantIsolation, "tenant-isolation", opts.TenantIsolation, "name a resource of another namespace in a warning only when the requesting user may get it (a SubjectAccessReview, cached for 10s); otherwise say \"a Gateway in another namespace\" (needs create on subjectaccessreviews)")
	opts.Certs.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "meshlint webhook: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var err error
	if opts.Mode, err = webhook.ParseMode(mode); err != nil {
		fmt.Fprintf(stderr, "meshlint webhook: --mode: %v\n", err)
		return 2
	}
	if opts.EnforceSeverity, err = lint.ParseSeverity(enforce); err != nil || opts.EnforceSeverity == lint.SeverityNone {
		fmt.Fprintf(stderr, "meshlint webhook: --enforce-severity: want error, warning or info, got %q\n", enforce)
		return 2
	}
	log, err := webhook.NewLogger(stderr, logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "meshlint webhook: --log-level: %v\n", err)
		return 2
	}
	ctrllog.SetLogger(log)
	tuneWebhookGC(log)

	restCfg, err := cluster.RESTConfig(kubeconfig, kubecontext)
	if err != nil {
		log.Error(err, "unable to load the cluster config")
		return 1
	}
	if err := webhook.Run(ctx, restCfg, opts, log); err != nil {
		log.Error(err, "webhook stopped")
		return 1
	}
	return 0
}
