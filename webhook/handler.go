// Package webhook is meshlint's validating admission webhook: an
// admission.Handler that lints every incoming Istio object (and core/v1
// Service) against an informer-fed lint.Index of the whole cluster, and the
// controller-runtime manager that serves it.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// Mode is what the webhook does with findings.
type Mode string

// Modes.
const (
	// ModeWarn always allows and returns findings as admission warnings.
	ModeWarn Mode = "warn"
	// ModeEnforce denies requests with findings at or above the enforce
	// severity and returns the others as warnings.
	ModeEnforce Mode = "enforce"
)

// ParseMode parses "warn" or "enforce".
func ParseMode(s string) (Mode, error) {
	switch Mode(strings.ToLower(s)) {
	case ModeWarn:
		return ModeWarn, nil
	case ModeEnforce:
		return ModeEnforce, nil
	}
	return "", fmt.Errorf("unknown mode %q (want warn or enforce)", s)
}

// Limits on what one admission returns and does.
const (
	// MaxWarningLength is the length each warning is kept under; Kubernetes
	// advises 120 characters and truncates long ones.
	MaxWarningLength = 120
	// MaxWarnings is how many findings come back as warnings; the rest are
	// summed up in one last warning.
	MaxWarnings = 20
	// MaxRelated caps the other resources a change is checked against
	// (a mesh-wide PeerAuthentication touches every DestinationRule).
	MaxRelated = 5000
	// DefaultTimeout is how long the checks of one request may take before
	// the request is allowed unchecked; it is well under the timeoutSeconds
	// a webhook configuration should set.
	DefaultTimeout = 2 * time.Second
)

// warnPrefix starts the warnings about meshlint itself, as opposed to
// findings.
const warnPrefix = "meshlint: "

// HandlerOptions configure a Handler.
type HandlerOptions struct {
	Mode Mode
	// EnforceSeverity is the lowest severity that denies in enforce mode
	// (error when zero).
	EnforceSeverity lint.Severity
	// Timeout bounds the work per request (DefaultTimeout when zero).
	Timeout time.Duration
	// Metrics records findings; nil records nothing.
	Metrics *Metrics
	// Checks are the checks to run (checks.Registry() when nil).
	Checks []*lint.Check
	// Live, when set, confirms with the API server what the cache says is
	// absent before a check reports it missing (see liveView).
	Live LiveGetter
	// DenyDeletes, in enforce mode, denies a DELETE whose removal causes
	// findings at or above EnforceSeverity on other resources. Otherwise a
	// delete is always allowed, with those findings as warnings.
	DenyDeletes bool
	// DenyUnchecked, in enforce mode, denies a request whose checks do not
	// finish within Timeout instead of allowing it unchecked: otherwise an
	// object made slow to check on purpose passes enforce. Internal
	// failures (a panic, a cache not synced) still fail open.
	DenyUnchecked bool
	// Access, when set, decides which names of other namespaces' resources
	// a warning may carry: those the requesting user may get (see
	// hiddenNames). Nil names every resource.
	Access AccessReviewer
}

// Handler is the admission.Handler behind POST /validate. It keeps a
// lint.Index of the cluster current through Upsert and Delete (called from
// informer events) and lints each request against it with the incoming
// object laid over its stored version.
type Handler struct {
	opts HandlerOptions

	// mu serialises index writes with engine swaps (config reloads), so that
	// no informer event is lost while the index is rebuilt.
	mu     sync.Mutex
	engine atomic.Pointer[engine]
	// tables are those of every check, enabled or not, so that a reload
	// that enables a check needs no new tables.
	tables []*lint.Table
	synced atomic.Bool
	// testHook, when set, runs at the start of every review (tests make it
	// panic).
	testHook func()
	// workers take reviews from Handle; see reviewWithTimeout.
	workers chan func()
}

// engine is what a config produces: the runner with its settings and the
// index of cluster resources built with the config's mesh settings.
type engine struct {
	runner *lint.Runner
	index  *lint.Index
	mesh   lint.Mesh
}

// NewHandler returns a handler with the config's mesh settings and check
// settings. It is not ready until MarkSynced.
func NewHandler(mesh lint.Mesh, settings lint.Settings, opts HandlerOptions) (*Handler, error) {
	if opts.Mode == "" {
		opts.Mode = ModeWarn
	}
	if opts.EnforceSeverity == 0 {
		opts.EnforceSeverity = lint.SeverityError
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Checks == nil {
		opts.Checks = checks.Registry()
	}
	h := &Handler{opts: opts, workers: make(chan func())}
	for range 4 * runtime.GOMAXPROCS(0) {
		go func() {
			for job := range h.workers {
				job()
			}
		}()
	}
	all, err := lint.NewRunner(opts.Checks, lint.Settings{})
	if err != nil {
		return nil, fmt.Errorf("building the check runner: %w", err)
	}
	// The checks' tables serve both their lookups and their Affects.
	h.tables = all.Tables()
	e, err := h.newEngine(mesh, settings, nil)
	if err != nil {
		return nil, err
	}
	h.engine.Store(e)
	return h, nil
}

func (h *Handler) newEngine(mesh lint.Mesh, settings lint.Settings, from *lint.Index) (*engine, error) {
	rn, err := lint.NewRunner(h.opts.Checks, settings)
	if err != nil {
		return nil, fmt.Errorf("building the check runner: %w", err)
	}
	ix := lint.NewIndex(mesh, true, h.tables)
	if from != nil {
		for _, k := range lint.Kinds {
			for _, r := range from.List(k) {
				ix.Add(r)
			}
		}
	}
	return &engine{runner: rn, index: ix, mesh: mesh}, nil
}

// mergeAffected adds the resources of b that a does not hold, leaving out
// the changed resource's own key, in key order.
func mergeAffected(a, b []*lint.Resource, changed lint.Key) []*lint.Resource {
	seen := map[lint.Key]bool{changed: true}
	for _, r := range a {
		seen[r.Key()] = true
	}
	for _, r := range b {
		if !seen[r.Key()] {
			seen[r.Key()] = true
			a = append(a, r)
		}
	}
	lint.SortResources(a)
	return a
}

// Reconfigure applies a new config: new settings take effect at once; new
// mesh settings rebuild the index from the current one (tables depend on the
// domain suffix), once, not per request.
func (h *Handler) Reconfigure(mesh lint.Mesh, settings lint.Settings) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.engine.Load()
	var e *engine
	var err error
	if old.mesh.Equal(&mesh) {
		rn, rerr := lint.NewRunner(h.opts.Checks, settings)
		if rerr != nil {
			return fmt.Errorf("building the check runner: %w", rerr)
		}
		e = &engine{runner: rn, index: old.index, mesh: mesh}
	} else if e, err = h.newEngine(mesh, settings, old.index); err != nil {
		return err
	}
	h.engine.Store(e)
	return nil
}

// Upsert files a cluster resource in the index (informer add and update).
func (h *Handler) Upsert(r *lint.Resource) {
	h.mu.Lock()
	h.engine.Load().index.Add(r)
	h.mu.Unlock()
}

// Delete takes a cluster resource out of the index (informer delete).
func (h *Handler) Delete(k lint.Key) {
	h.mu.Lock()
	h.engine.Load().index.Remove(k)
	h.mu.Unlock()
}

// Len returns the number of cluster resources indexed.
func (h *Handler) Len() int { return h.engine.Load().index.Len() }

// MarkSynced tells the handler that the index holds the whole cluster.
func (h *Handler) MarkSynced() { h.synced.Store(true) }

// Synced reports whether MarkSynced was called.
func (h *Handler) Synced() bool { return h.synced.Load() }

// Handle implements admission.Handler. It never denies because of its own
// trouble: a cache that is not synced, a malformed object, a panic or a
// timeout allow the request with a warning that the checks did not run.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	start := time.Now()
	log := logf.FromContext(ctx)
	if req.UID == "" && req.Kind.Kind == "" && req.Operation == "" {
		return admission.Errored(http.StatusBadRequest, errors.New("the AdmissionReview carries no request"))
	}
	kind, ok := admittedKind(req.Kind.Group, req.Kind.Kind)
	if !ok || (req.Operation != admissionv1.Create && req.Operation != admissionv1.Update && req.Operation != admissionv1.Delete) {
		return admission.Allowed("")
	}
	var resp admission.Response
	var outcome string
	if !h.synced.Load() {
		resp, outcome = h.failOpen(log, req, "cluster-cache-not-synced", errors.New("the cluster cache has not synced yet")), "fail-open"
	} else {
		resp, outcome = h.reviewWithTimeout(ctx, log, req, kind)
	}
	if log.V(1).Enabled() {
		// The request's logger already carries its namespace, name and resource
		// (admission.DefaultLogConstructor).
		log.V(1).Info("admission reviewed", "kind", req.Kind.Kind,
			"operation", req.Operation, "decision", outcome, "allowed", resp.Allowed,
			"warnings", len(resp.Warnings), "duration", time.Since(start))
	}
	return resp
}

// reviewResult is what the checks of one request came to. Its metrics are
// counted only if it is the answer the request gets: a review that
// finishes after the timeout answered must not count a deny that never
// happened.
type reviewResult struct {
	resp    admission.Response
	outcome string
	// failReason is set when the review could not check the object.
	failReason string
	// tally is the decision taken on each finding.
	tally []tallied
}

type tallied struct {
	finding  lint.Finding
	decision string
}

func (h *Handler) reviewWithTimeout(ctx context.Context, log logr.Logger, req admission.Request, kind lint.Kind) (admission.Response, string) {
	done := make(chan reviewResult, 1)
	deadline := time.Now().Add(h.opts.Timeout)
	job := func() {
		defer func() {
			if p := recover(); p != nil {
				log.Error(fmt.Errorf("panic: %v", p), "checks panicked; allowing the request", "stack", string(debug.Stack()))
				done <- h.failOpenResult(log, req, "panic", fmt.Errorf("internal error: %v", p))
			}
		}()
		done <- h.review(log, req, kind, deadline)
	}
	// The checks run apart from the request so that a timeout can answer
	// while they go on; an idle worker (its stack already grown) takes
	// them, else a goroutine of their own.
	select {
	case h.workers <- job:
	default:
		go job()
	}
	timer := time.NewTimer(h.opts.Timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.failReason != "" {
			h.opts.Metrics.failOpenCount(r.failReason)
		}
		for _, t := range r.tally {
			h.opts.Metrics.finding(t.finding, string(kind), t.decision)
		}
		return r.resp, r.outcome
	case <-timer.C:
		err := fmt.Errorf("the checks took longer than %s", h.opts.Timeout)
		if h.denyUnchecked() {
			log.Error(err, "checks did not finish in time; denying the request", "kind", req.Kind.Kind)
			return h.deniedUnchecked(req, err), "deny-unchecked"
		}
		return h.failOpen(log, req, "timeout", err), "fail-open"
	case <-ctx.Done():
		return h.failOpen(log, req, "canceled", fmt.Errorf("the request was canceled: %w", ctx.Err())), "fail-open"
	}
}

// denyUnchecked reports whether an object that cannot be checked (in time,
// or at all for its size) is denied rather than allowed.
func (h *Handler) denyUnchecked() bool {
	return h.opts.Mode == ModeEnforce && h.opts.DenyUnchecked
}

// deniedUnchecked is the answer to an object that could not be checked, in
// enforce mode with DenyUnchecked.
func (h *Handler) deniedUnchecked(req admission.Request, err error) admission.Response {
	return admission.Denied(fmt.Sprintf("meshlint denied this %s: it could not be checked: %v; enforce mode denies what it cannot check", req.Kind.Kind, err))
}

// failOpen allows the request, says why the checks did not run, logs it and
// counts it.
func (h *Handler) failOpen(log logr.Logger, req admission.Request, reason string, err error) admission.Response {
	r := h.failOpenResult(log, req, reason, err)
	h.opts.Metrics.failOpenCount(reason)
	return r.resp
}

// failOpenResult is failOpen inside a review: the count waits until the
// result is the request's answer.
func (h *Handler) failOpenResult(log logr.Logger, req admission.Request, reason string, err error) reviewResult {
	log.Error(err, "checks could not run; allowing the request", "reason", reason, "kind", req.Kind.Kind)
	resp := admission.Allowed("").WithWarnings(truncate(warnPrefix + "checks could not run: " + err.Error()))
	return reviewResult{resp: resp, outcome: "fail-open", failReason: reason}
}

// review lints one request. Findings on the incoming object are all
// reported; findings on other resources only when the change causes them
// (present with the change, absent without it).
//
// deadline is when the request is answered without the review; the access
// reviews that decide which names a warning may carry stop well before it.
func (h *Handler) review(log logr.Logger, req admission.Request, kind lint.Kind, deadline time.Time) reviewResult {
	if h.testHook != nil {
		h.testHook()
	}
	e := h.engine.Load()
	if req.Operation == admissionv1.Delete {
		return h.reviewDelete(log, req, kind, e, deadline)
	}
	incoming, err := decode(req, kind, e.mesh)
	if errors.Is(err, errUncheckable) && h.denyUnchecked() {
		log.Error(err, "object too large to check; denying the request", "kind", req.Kind.Kind)
		return reviewResult{resp: h.deniedUnchecked(req, err), outcome: "deny-unchecked"}
	}
	if err != nil {
		return h.failOpenResult(log, req, "malformed-object", err)
	}
	key := incoming.Key()
	old := e.index.Get(key)
	liveCtx, cancel := context.WithTimeout(context.Background(), LiveTimeout)
	defer cancel()
	view := newLiveView(liveCtx, lint.Overlay(e.index, []*lint.Resource{incoming}), h.opts.Live)

	// The resources whose findings the change can alter, as each check
	// declares (Check.Affects): those the new version speaks to, and those
	// the stored version did.
	others := e.runner.Affected(view, incoming)
	if old != nil {
		others = mergeAffected(others, e.runner.Affected(e.index, old), key)
	}
	truncated := 0
	if len(others) > MaxRelated {
		truncated = len(others) - MaxRelated
		log.Info("change touches too many resources; checking some of them", "kind", req.Kind.Kind,
			"namespace", incoming.Namespace(), "name", incoming.Name(), "related", len(others), "checked", MaxRelated)
		others = others[:MaxRelated]
	}

	after := e.runner.Run(view, append([]*lint.Resource{incoming}, others...))
	// What the other resources showed before the change, to tell the
	// findings it causes from those they had anyway. Only the others are
	// run: the stored version's own findings are never compared.
	var before map[findingKey]bool
	for _, f := range after {
		if f.Resource.Key() != key {
			before = findingSet(e.runner.Run(e.index, others))
			break
		}
	}
	var own, caused []lint.Finding
	for _, f := range after {
		switch {
		case f.Resource.Key() == key:
			own = append(own, f)
		case !before[keyOf(f)]:
			caused = append(caused, f)
		}
	}
	r := h.decide(incoming, own, caused, h.hidden(req, deadline, own, caused))
	if truncated > 0 {
		r.resp.Warnings = append(r.resp.Warnings, truncate(fmt.Sprintf("%sthis change touches %d more resources that were not checked", warnPrefix, truncated)))
	}
	return r
}

// reviewDelete answers a DELETE with what the removal breaks elsewhere:
// the findings that appear on the resources the deleted one affects once it
// is gone (a VirtualService's Gateway, a DestinationRule's subsets).
func (h *Handler) reviewDelete(log logr.Logger, req admission.Request, kind lint.Kind, e *engine, deadline time.Time) reviewResult {
	key := lint.Key{Kind: kind, Namespace: req.Namespace, Name: req.Name}
	stored := e.index.Get(key)
	if stored == nil && len(req.OldObject.Raw) > 0 {
		old := req
		old.Object = req.OldObject
		r, err := decode(old, kind, e.mesh)
		if err != nil {
			return h.failOpenResult(log, req, "malformed-object", err)
		}
		stored, key = r, r.Key()
	}
	if stored == nil {
		return reviewResult{resp: admission.Allowed(""), outcome: "allow"}
	}
	others := e.runner.Affected(e.index, stored)
	truncated := 0
	if len(others) > MaxRelated {
		truncated, others = len(others)-MaxRelated, others[:MaxRelated]
	}
	if len(others) == 0 {
		return reviewResult{resp: admission.Allowed(""), outcome: "allow"}
	}
	before := findingSet(e.runner.Run(e.index, others))
	var caused []lint.Finding
	for _, f := range e.runner.Run(lint.Overlay(e.index, nil, key), others) {
		if !before[keyOf(f)] {
			caused = append(caused, f)
		}
	}
	r := h.decideDelete(stored, caused, h.hidden(req, deadline, nil, caused))
	if truncated > 0 {
		r.resp.Warnings = append(r.resp.Warnings, truncate(fmt.Sprintf("%sthis removal touches %d more resources that were not checked", warnPrefix, truncated)))
	}
	return r
}

// hidden returns the names the review's warnings must not carry: those of
// resources in other namespaces the requesting user may not get. The
// access reviews stop at AccessTimeout or a quarter of the time left
// before deadline, whichever is sooner.
func (h *Handler) hidden(req admission.Request, deadline time.Time, own, caused []lint.Finding) map[lint.Key]bool {
	if h.opts.Access == nil || len(own)+len(caused) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(AccessTimeout, time.Until(deadline)/4))
	defer cancel()
	return hiddenNames(ctx, h.opts.Access, req.UserInfo, req.Namespace, own, caused)
}

// decideDelete allows a removal with the findings it causes as warnings, or
// denies it when enforce mode and DenyDeletes say so.
func (h *Handler) decideDelete(deleted *lint.Resource, caused []lint.Finding, hidden map[lint.Key]bool) reviewResult {
	var deny, warn []string
	var tally []tallied
	for _, f := range caused {
		full := "deleting this " + string(deleted.Kind) + ": " + formatFinding(f, true, hidden)
		if h.opts.Mode == ModeEnforce && h.opts.DenyDeletes && f.Check.ID != lint.InternalError.ID && f.Severity >= h.opts.EnforceSeverity {
			deny = append(deny, formatFinding(f, true, hidden))
			tally = append(tally, tallied{f, "deny"})
			continue
		}
		warn = append(warn, truncate(full))
		tally = append(tally, tallied{f, "warn"})
	}
	if len(warn) > MaxWarnings {
		n := len(warn) - (MaxWarnings - 1)
		warn = append(warn[:MaxWarnings-1], fmt.Sprintf("%s%d more findings not shown; run meshlint --cluster for all of them", warnPrefix, n))
	}
	switch {
	case len(deny) > 0:
		msg := fmt.Sprintf("meshlint denied deleting this %s: %s", deleted.Kind, strings.Join(deny, "; "))
		return reviewResult{resp: admission.Denied(msg).WithWarnings(warn...), outcome: "deny", tally: tally}
	case len(warn) > 0:
		return reviewResult{resp: admission.Allowed("").WithWarnings(warn...), outcome: "warn", tally: tally}
	}
	return reviewResult{resp: admission.Allowed(""), outcome: "allow"}
}

type findingKey struct {
	check, path, message string
	resource             lint.Key
}

func keyOf(f lint.Finding) findingKey {
	return findingKey{check: f.Check.ID, path: f.Path, message: f.Message, resource: f.Resource.Key()}
}

func findingSet(fs []lint.Finding) map[findingKey]bool {
	m := make(map[findingKey]bool, len(fs))
	for _, f := range fs {
		m[keyOf(f)] = true
	}
	return m
}

// decide turns findings into the admission response.
func (h *Handler) decide(incoming *lint.Resource, own, caused []lint.Finding, hidden map[lint.Key]bool) reviewResult {
	var deny, warn []string
	var tally []tallied
	kind := string(incoming.Kind)
	for _, group := range []struct {
		fs    []lint.Finding
		other bool
	}{{own, false}, {caused, true}} {
		for _, f := range group.fs {
			full := formatFinding(f, group.other, hidden)
			// A check that panicked tells nothing about the object: never deny for it.
			if h.opts.Mode == ModeEnforce && f.Check.ID != lint.InternalError.ID && f.Severity >= h.opts.EnforceSeverity {
				deny = append(deny, full)
				tally = append(tally, tallied{f, "deny"})
				continue
			}
			warn = append(warn, truncate(full))
			tally = append(tally, tallied{f, "warn"})
		}
	}
	if len(warn) > MaxWarnings {
		n := len(warn) - (MaxWarnings - 1)
		warn = append(warn[:MaxWarnings-1], fmt.Sprintf("%s%d more findings not shown; run meshlint --cluster for all of them", warnPrefix, n))
	}
	if len(deny) > 0 {
		msg := fmt.Sprintf("meshlint denied this %s: %s", kind, strings.Join(deny, "; "))
		return reviewResult{resp: admission.Denied(msg).WithWarnings(warn...), outcome: "deny", tally: tally}
	}
	if len(warn) > 0 {
		return reviewResult{resp: admission.Allowed("").WithWarnings(warn...), outcome: "warn", tally: tally}
	}
	return reviewResult{resp: admission.Allowed(""), outcome: "allow"}
}

// Warning is the admission warning for a finding, as kubectl prints it
// after "Warning: ", with every name kept: on the admitted object when
// other is false, else naming the other resource. It is kept under
// MaxWarningLength.
func Warning(f lint.Finding, other bool) string { return truncate(formatFinding(f, other, nil)) }

// formatFinding renders a finding as kubectl shows a warning:
// "ML002 http-routes-on-passthrough-gateway: spec.http: <message>", with the
// resource named when it is not the incoming one. The names in hidden are
// replaced by what kind of resource they are (see hiddenNames).
func formatFinding(f lint.Finding, other bool, hidden map[lint.Key]bool) string {
	var b strings.Builder
	b.WriteString(f.Check.ID)
	b.WriteByte(' ')
	b.WriteString(f.Check.Name)
	b.WriteString(": ")
	if other {
		if k := subjectKey(f); hidden[k] {
			b.WriteString(hiddenName(k.Kind))
			b.WriteString(", ")
		} else {
			fmt.Fprintf(&b, "%s %s/%s ", f.Resource.SourceKind(), f.Resource.Namespace(), f.Resource.Name())
		}
	}
	if f.Path != "" {
		b.WriteString(f.Path)
		b.WriteString(": ")
	}
	b.WriteString(redact(f.Message, hidden))
	return b.String()
}

// truncate keeps s under MaxWarningLength characters, cutting at a word
// boundary when one is near.
func truncate(s string) string {
	if len(s) <= MaxWarningLength || utf8.RuneCountInString(s) <= MaxWarningLength {
		return s
	}
	// The byte offset of the rune that would be the last one kept.
	cut := 0
	for range MaxWarningLength - 1 {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
	}
	head := s[:cut]
	if i := strings.LastIndexByte(head, ' '); i > MaxWarningLength*3/4 {
		return strings.TrimRight(head[:i], " ,;:") + "…"
	}
	return head + "…"
}

// decode reads the incoming object with the same decoder the CLI uses,
// straight from its JSON (see decodeJSON).
func decode(req admission.Request, kind lint.Kind, mesh lint.Mesh) (*lint.Resource, error) {
	raw := req.Object.Raw
	if len(raw) == 0 {
		return nil, errors.New("the request carries no object")
	}
	name := fmt.Sprintf("%s %s/%s", req.Kind.Kind, req.Namespace, req.Name)
	rs, errs, err := decodeJSON(name, raw, load.Options{DefaultNamespace: req.Namespace, Mesh: mesh})
	if err != nil {
		return nil, fmt.Errorf("decoding the object: %w", err)
	}
	for _, r := range rs {
		if r.Kind == kind {
			if r.Object.GetNamespace() == "" && kind != lint.KindMeshConfig {
				r.Object.SetNamespace(req.Namespace)
			}
			return r, nil
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("decoding the object: %s", errs[0].Message)
	}
	return nil, fmt.Errorf("the object is not a %s", kind)
}

// admittedKind maps a request's group and kind to the lint kind, or false
// for a kind meshlint does not validate (lint.KindTable's Webhook rows).
func admittedKind(group, kind string) (lint.Kind, bool) {
	if k, ok := lint.LookupKind(group, kind); ok && k.Webhook {
		return k.Kind, true
	}
	return "", false
}
