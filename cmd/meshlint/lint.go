package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/zapr"
	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"
	"google.golang.org/protobuf/proto"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/meshlint/meshlint/cluster"
	"github.com/meshlint/meshlint/config"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
	"github.com/meshlint/meshlint/lint/load/render"
	"github.com/meshlint/meshlint/output"
)

// lintFlags are the flags of the lint command.
type lintFlags struct {
	output      string
	failOn      string
	minSeverity string
	config      string
	enable      []string
	disable     []string
	namespace   string
	allNS       bool
	cluster     bool
	kubeconfig  string
	context     string
	noColor     bool
	verbose     int
	exclude     []string
	values      []string
	set         []string
	all         bool
	istio       string
}

func newLintFlagSet(f *lintFlags) *pflag.FlagSet {
	fs := pflag.NewFlagSet("meshlint", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.Usage = func() {}
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text, json, sarif or github")
	fs.StringVar(&f.failOn, "fail-on", "warning", "lowest severity that makes the exit status 1: error, warning, info or none; overrides the config's failOn")
	fs.StringVar(&f.minSeverity, "min-severity", "info", "lowest severity shown: error, warning or info")
	fs.StringVarP(&f.config, "config", "c", "", "config file (default: "+config.DefaultFile+" or .meshlint.yml in the working directory, else in a parent up to the repository root)")
	fs.StringSliceVar(&f.enable, "enable", nil, "run only these checks (IDs or names; repeatable, comma lists allowed)")
	fs.StringSliceVar(&f.disable, "disable", nil, "do not run these checks (IDs or names; repeatable, comma lists allowed)")
	fs.StringVarP(&f.namespace, "namespace", "n", "default", "namespace of resources that have none; with --cluster, the only namespace reported on")
	fs.BoolVarP(&f.allNS, "all-namespaces", "A", false, "with --cluster, report on every namespace (the default)")
	fs.StringArrayVar(&f.exclude, "exclude", nil, "leave out files and directories matching this glob (repeatable; a glob without / matches names, one with / paths from the working directory; ** matches directories)")
	fs.StringArrayVarP(&f.values, "values", "f", nil, "values file for the Helm charts linted (repeatable, merged in order over the chart's values.yaml)")
	fs.StringArrayVar(&f.set, "set", nil, "value for the Helm charts linted, as helm's --set a.b=c (repeatable)")
	fs.BoolVar(&f.cluster, "cluster", false, "lint the resources of a live cluster instead of files; with PATHs, lint the files laid over the cluster")
	fs.BoolVar(&f.all, "all", false, "with --cluster and PATHs, report every finding, not only those the files cause")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "with --cluster, the kubeconfig file (default: in-cluster config, else $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&f.context, "context", "", "with --cluster, the kubeconfig context")
	fs.StringVar(&f.istio, "istio-version", "", "the mesh's Istio version, such as 1.24 or 1.24.2 (checks that depend on it: ML023, ML026); overrides the config's mesh.istioVersion")
	fs.BoolVar(&f.noColor, "no-color", false, "plain text even on a terminal (NO_COLOR is honoured too)")
	fs.CountVarP(&f.verbose, "verbose", "v", "log what meshlint does to stderr (-vv for more)")
	return fs
}

// lintUsage is the full help of the lint command.
func lintUsage() string {
	var f lintFlags
	return usage + newLintFlagSet(&f).FlagUsages() + lintNotes
}

func runLint(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f lintFlags
	fs := newLintFlagSet(&f)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, lintUsage())
			return exitOK
		}
		fmt.Fprintf(stderr, "meshlint: %v\n\n%s", err, lintUsage())
		return exitTrouble
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "meshlint: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run 'meshlint --help' for usage.")
		return exitTrouble
	}

	failOn, err := lint.ParseSeverity(f.failOn)
	if err != nil {
		return bad("--fail-on: %v", err)
	}
	minSev, err := lint.ParseSeverity(f.minSeverity)
	if err != nil || minSev == lint.SeverityNone {
		return bad("--min-severity: unknown severity %q (want error, warning or info)", f.minSeverity)
	}
	enable, err := resolveChecks("--enable", f.enable)
	if err != nil {
		return bad("%v", err)
	}
	disable, err := resolveChecks("--disable", f.disable)
	if err != nil {
		return bad("%v", err)
	}
	paths := fs.Args()
	if f.cluster {
		if f.allNS && fs.Changed("namespace") {
			return bad("-n and -A are mutually exclusive")
		}
	} else {
		for _, name := range []string{"kubeconfig", "context", "all-namespaces", "all"} {
			if fs.Changed(name) {
				return bad("--%s needs --cluster", name)
			}
		}
	}
	if f.all && len(paths) == 0 {
		return bad("--all needs PATHs to lay over the cluster")
	}
	whatIf := f.cluster && len(paths) > 0
	if len(paths) == 0 {
		paths = []string{"."}
	}

	useColor := !f.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(stdout)
	w, err := output.New(stdout, f.output, output.Options{Color: useColor, Version: version})
	if err != nil {
		return bad("--output: %v", err)
	}
	log := newLogger(stderr, f.verbose)

	rep := &output.Report{Cluster: f.cluster && !whatIf}
	status := func() int {
		if err := w.Write(rep); err != nil {
			fmt.Fprintf(stderr, "meshlint: writing the report: %v\n", err)
			return exitTrouble
		}
		return exitStatus(rep, failOn)
	}

	// The config file: -c, else .meshlint.yaml in the working directory.
	// An error in it is reported like an input error, in the chosen format,
	// and nothing is linted: a run with half a config would mislead.
	cfg, err := loadConfig(f.config)
	if err != nil {
		var ie load.InputError
		if errors.As(err, &ie) {
			rep.Errors = append(rep.Errors, ie)
		} else {
			rep.Errors = append(rep.Errors, load.InputError{File: f.config, Message: err.Error()})
		}
		return status()
	}
	if cfg.File != "" {
		log.V(1).Info("read config", "file", cfg.File)
	}
	if !fs.Changed("fail-on") && cfg.FailOn != 0 {
		failOn = cfg.FailOn
	}
	if f.istio != "" {
		if !config.ValidIstioVersion(f.istio) {
			return bad("--istio-version: %q is not an Istio version such as 1.24 or 1.24.2", f.istio)
		}
		cfg.Mesh.IstioVersion = f.istio
	}
	settings := applyEnableDisable(cfg.Settings(), enable, disable)
	rn, err := lint.NewRunner(checks.Registry(), settings)
	if err != nil {
		fmt.Fprintf(stderr, "meshlint: invalid check registry: %v\n", err)
		return exitTrouble
	}

	start := time.Now()
	var findings []lint.Finding
	ns := ""
	if f.cluster && fs.Changed("namespace") {
		ns = f.namespace
	}
	switch {
	case f.cluster && !whatIf:
		findings = lintCluster(rn, cfg, f, ns, rep, log)
	default:
		excl, err := exclusions(f.exclude, cfg)
		if err != nil {
			return bad("%v", err)
		}
		opts := load.Options{DefaultNamespace: f.namespace, Mesh: cfg.Mesh,
			Render: render.New(render.Options{ValueFiles: f.values, Set: f.set, Namespace: f.namespace}).Render}
		if excl.Len() > 0 {
			opts.Exclude = excl.Match
		}
		res := load.Paths(paths, stdin, opts)
		rep.Files, rep.Resources, rep.Errors, rep.Rendered = res.Files, len(res.Resources), res.Errors, res.Rendered
		log.V(1).Info("loaded inputs", "files", res.Files, "resources", len(res.Resources), "errors", len(res.Errors))
		for _, s := range res.Skipped {
			log.V(1).Info("skipped a document", "file", s.File, "line", s.Line, "reason", s.Reason)
		}
		if whatIf {
			// The files' resources with the kustomizations' builds; a
			// chart is laid over the cluster as its first rendering.
			files := res.Resources
			for _, v := range res.Variants {
				if len(v.Replaces) == 0 {
					files = append(files, v.Resources...)
				}
			}
			rep.Resources = len(files)
			findings = lintWhatIf(rn, cfg, f, ns, files, rep, log)
			break
		}
		resources := res.Resources
		if mr := cfg.MeshResource(); mr != nil {
			// The config file's mesh block is linted like a mesh config.
			resources = append(resources, mr)
		}
		findings = rn.Lint(cfg.Mesh, false, resources)
		for _, v := range res.Variants {
			findings = append(findings, lintVariant(rn, cfg, resources, v)...)
			rep.Resources += len(v.Resources)
		}
		if len(res.Variants) > 0 {
			lint.SortFindings(findings)
		}
		findings = oncePerSource(findings)
	}
	log.V(1).Info("linted", "checks", len(rn.Checks()), "findings", len(findings), "duration", time.Since(start))
	for _, fd := range findings {
		if fd.Severity >= minSev {
			rep.Findings = append(rep.Findings, fd)
		}
	}
	return status()
}

// oncePerSource keeps one of the findings that renderings of one source
// document make alike: the overlays of a kustomize base build its
// resources once each (dev-web, prod-web), and a mistake on a line of the
// base is one mistake to fix. Two findings are alike when the check, the
// file, the field path and the message are the same, the resources are of
// one kind, and their specs are equal (the overlays changed names or
// namespaces only); a patched copy is another resource and keeps its own.
func oncePerSource(fs []lint.Finding) []lint.Finding {
	type at struct{ check, file, path, message, kind string }
	kept := map[at][]*lint.Resource{}
	out := fs[:0]
	for _, f := range fs {
		if f.Resource.Unit == "" {
			out = append(out, f)
			continue
		}
		k := at{f.Check.ID, f.Position().File, f.Path, f.Message, string(f.Resource.Kind)}
		if slices.ContainsFunc(kept[k], func(r *lint.Resource) bool { return sameSpec(r, f.Resource) }) {
			continue
		}
		kept[k] = append(kept[k], f.Resource)
		out = append(out, f)
	}
	return out
}

// sameSpec reports whether two resources of an Istio kind have equal specs.
func sameSpec(a, b *lint.Resource) bool {
	if a.Kind != b.Kind {
		return false
	}
	for _, k := range lint.KindTable() {
		if k.Kind != a.Kind || k.Spec == nil || k.New == nil {
			continue
		}
		oa, okA := a.Object.(lint.Object)
		ob, okB := b.Object.(lint.Object)
		if t := reflect.TypeOf(k.New()); okA && okB && reflect.TypeOf(oa) == t && reflect.TypeOf(ob) == t {
			return proto.Equal(k.Spec(oa), k.Spec(ob))
		}
	}
	return false
}

// exitStatus is 2 when an input could not be read, else 1 when a shown
// finding is at or above failOn, else 0.
func exitStatus(rep *output.Report, failOn lint.Severity) int {
	if len(rep.Errors) > 0 {
		return exitTrouble
	}
	for _, f := range rep.Findings {
		if f.Severity >= failOn {
			return exitFindings
		}
	}
	return exitOK
}

// lintCluster lints the resources of a live cluster with all of it
// visible. A cluster that cannot be read, and kinds that cannot be listed
// for lack of permission, are input errors (exit 2, still reported in the
// chosen format); kinds whose CRD is not installed have nothing to lint.
func lintCluster(rn *lint.Runner, cfg *config.Config, f lintFlags, ns string, rep *output.Report, log logr.Logger) []lint.Finding {
	snap := readCluster(cfg, f, ns, rep, log)
	if snap == nil {
		return nil
	}
	rep.Resources = len(snap.Targets)
	return cluster.Lint(rn, cfg.Mesh, snap)
}

// readCluster reads a live cluster, recording why it could not in rep.
func readCluster(cfg *config.Config, f lintFlags, ns string, rep *output.Report, log logr.Logger) *cluster.Snapshot {
	restCfg, err := cluster.RESTConfig(f.kubeconfig, f.context)
	if err != nil {
		rep.Errors = append(rep.Errors, load.InputError{File: f.kubeconfig, Message: err.Error()})
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	snap, err := listCluster(ctx, restCfg, cluster.Options{Namespace: ns, Mesh: cfg.Mesh})
	if err != nil {
		rep.Errors = append(rep.Errors, load.InputError{Message: fmt.Sprintf("reading the cluster at %s: %v", restCfg.Host, err)})
		return nil
	}
	for _, err := range snap.Skipped {
		if apierrors.IsForbidden(err) {
			rep.Errors = append(rep.Errors, load.InputError{Message: err.Error()})
			continue
		}
		log.Info("kind not served by the cluster; skipped", "reason", err.Error())
	}
	log.V(1).Info("read cluster", "host", restCfg.Host, "resources", len(snap.All), "targets", len(snap.Targets))
	return snap
}

// lintVariant lints one more rendering of a chart (a ci/*-values.yaml
// file) in place of its first rendering, and returns the findings on it.
func lintVariant(rn *lint.Runner, cfg *config.Config, resources []*lint.Resource, v load.Variant) []lint.Finding {
	replaced := map[*lint.Resource]bool{}
	for _, r := range v.Replaces {
		replaced[r] = true
	}
	mine := map[*lint.Resource]bool{}
	unit := make([]*lint.Resource, 0, len(resources)+len(v.Resources))
	for _, r := range resources {
		if !replaced[r] {
			unit = append(unit, r)
		}
	}
	for _, r := range v.Resources {
		mine[r] = true
		unit = append(unit, r)
	}
	var out []lint.Finding
	for _, fd := range rn.Lint(cfg.Mesh, false, unit) {
		if mine[fd.Resource] {
			out = append(out, fd)
		}
	}
	return out
}

// lintWhatIf lints files laid over what a cluster holds: a file's
// resource replaces the live one of the same name. Unless --all, it
// returns only the findings the files cause: those on the files' own
// resources, and those on live resources that the cluster alone does not
// have.
func lintWhatIf(rn *lint.Runner, cfg *config.Config, f lintFlags, ns string, files []*lint.Resource, rep *output.Report, log logr.Logger) []lint.Finding {
	snap := readCluster(cfg, f, ns, rep, log)
	if snap == nil {
		return nil
	}
	return cluster.WhatIf(rn, cfg.Mesh, snap, files, f.all)
}

// exclusions gathers --exclude (relative to the working directory) and
// the config's exclude key (relative to the config file).
func exclusions(flags []string, cfg *config.Config) (*load.Exclusions, error) {
	var e load.Exclusions
	for _, g := range flags {
		if err := e.Add(g, "."); err != nil {
			return nil, fmt.Errorf("--exclude: %w", err)
		}
	}
	base := "."
	if cfg.File != "" {
		base = filepath.Dir(cfg.File)
	}
	for _, g := range cfg.Exclude {
		if err := e.Add(g, base); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.File, err)
		}
	}
	return &e, nil
}

// listCluster reads a cluster; tests replace it with a fake client.
var listCluster = cluster.List

// loadConfig reads the config file named by -c, else .meshlint.yaml or
// .meshlint.yml in the working directory or a parent up to the repository
// root, else returns the defaults.
func loadConfig(file string) (*config.Config, error) {
	if file == "" {
		if file = config.Find("."); file == "" {
			return config.Default(), nil
		}
	}
	return config.Load(file, checks.Registry())
}

// resolveChecks turns the IDs and names given to a flag into check IDs.
func resolveChecks(flag string, names []string) (map[string]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	ids := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		c := checks.Lookup(checks.Registry(), n)
		if c == nil {
			return nil, fmt.Errorf("%s: unknown check %q (run 'meshlint checks' for the list)", flag, n)
		}
		ids[c.ID] = true
	}
	return ids, nil
}

// applyEnableDisable applies --enable and --disable over the config's
// settings: --enable limits the run to its checks and turns them on even
// when the config turns them off; --disable then removes checks.
func applyEnableDisable(s lint.Settings, enable, disable map[string]bool) lint.Settings {
	disabled := map[string]bool{}
	for id, off := range s.Disabled {
		disabled[id] = off
	}
	if enable != nil {
		for _, c := range checks.Registry() {
			disabled[c.ID] = !enable[c.ID]
		}
	}
	for id := range disable {
		disabled[id] = true
	}
	s.Disabled = disabled
	return s
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newLogger returns a logr.Logger through zap to stderr at -v, or a logger
// that discards everything.
func newLogger(stderr io.Writer, verbosity int) logr.Logger {
	if verbosity <= 0 {
		return logr.Discard()
	}
	enc := zap.NewDevelopmentEncoderConfig()
	enc.TimeKey = ""
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(stderr),
		zapcore.Level(-verbosity))
	return zapr.NewLogger(zap.New(core))
}
