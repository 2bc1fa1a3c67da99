package webhook

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"golang.org/x/tools/txtar"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
	"github.com/meshlint/meshlint/lint/load"
)

// tenantCluster: a platform team's Gateway in istio-system with the
// VirtualServices of two tenants bound to it.
var tenantCluster = []string{`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: ["*.example.com"]
    tls: {mode: PASSTHROUGH}
`, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: payroll, namespace: hr}
spec:
  hosts: [payroll.example.com]
  gateways: [istio-system/public]
  tls:
  - match: [{port: 443, sniHosts: [payroll.example.com]}]
    route: [{destination: {host: payroll}}]
`}

// shopVS routes HTTP through the passthrough Gateway (ML002 names it).
const shopVS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web.example.com]
  gateways: [istio-system/public]
  http:
  - route: [{destination: {host: web}}]
`

// gatewayToHTTPS turns the shared Gateway into a terminating one, which
// breaks hr's tls routes (ML006, a finding caused in another namespace).
const gatewayToHTTPS = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*.example.com"]
    tls: {mode: SIMPLE, credentialName: wildcard}
`

// grants is an AccessReviewer that allows what is listed, per user, and
// counts the questions.
type grants struct {
	allowed map[string]map[lint.Key]bool
	asked   atomic.Int32
	err     error
}

func (g *grants) review(_ context.Context, user authenticationv1.UserInfo, ref lint.Key) (bool, error) {
	g.asked.Add(1)
	if g.err != nil {
		return false, g.err
	}
	return g.allowed[user.Username][ref], nil
}

// tenantHandler enforces at info, so that every finding comes back whole
// in the denial (warnings are cut at MaxWarningLength).
func tenantHandler(t *testing.T, access AccessReviewer) *Handler {
	t.Helper()
	h := newTestHandler(t, handlerConfig{mode: ModeEnforce, severity: lint.SeverityInfo, checks: checks.Registry()}, tenantCluster...)
	h.opts.Access = access
	return h
}

func as(req admission.Request, user string) admission.Request {
	req.UserInfo = authenticationv1.UserInfo{Username: user, Groups: []string{"system:authenticated"}}
	return req
}

// reply is all a response says: its warnings and its denial.
func reply(resp admission.Response) string {
	msg := ""
	if resp.Result != nil {
		msg = resp.Result.Message
	}
	return strings.Join(append(resp.Warnings, msg), "\n")
}

func TestWarningsHideNamesTheUserMayNotGet(t *testing.T) {
	gw := lint.Key{Kind: lint.KindGateway, Namespace: "istio-system", Name: "public"}
	vs := lint.Key{Kind: lint.KindVirtualService, Namespace: "hr", Name: "payroll"}
	g := &grants{allowed: map[string]map[lint.Key]bool{
		"alice": {gw: true},
		"admin": {gw: true, vs: true},
	}}

	t.Run("own finding, referenced Gateway hidden", func(t *testing.T) {
		h := tenantHandler(t, g.review)
		for _, dryRun := range []bool{false, true} {
			req := as(request(t, admissionv1.Create, shopVS), "bob")
			req.DryRun = &dryRun
			w := reply(handle(h, req))
			if !strings.Contains(w, "ML002") || !strings.Contains(w, "a Gateway in another namespace") {
				t.Fatalf("dry-run %v: want ML002 naming no Gateway, got %q", dryRun, w)
			}
			if strings.Contains(w, "istio-system/public") {
				t.Errorf("dry-run %v: bob may not get Gateway istio-system/public, the warning names it: %q", dryRun, w)
			}
		}
	})
	t.Run("own finding, referenced Gateway readable", func(t *testing.T) {
		h := tenantHandler(t, g.review)
		w := reply(handle(h, as(request(t, admissionv1.Create, shopVS), "alice")))
		if !strings.Contains(w, "gateway istio-system/public") {
			t.Errorf("alice may get the Gateway; want it named, got %q", w)
		}
	})
	t.Run("caused finding on another namespace's resource", func(t *testing.T) {
		h := tenantHandler(t, g.review)
		w := reply(handle(h, as(request(t, admissionv1.Update, gatewayToHTTPS), "alice")))
		if !strings.Contains(w, "ML006") || !strings.Contains(w, "a VirtualService in another namespace, spec.tls") {
			t.Fatalf("want ML006 on a VirtualService in another namespace, got %q", w)
		}
		if strings.Contains(w, "hr/payroll") {
			t.Errorf("alice may not get hr/payroll, the warning names it: %q", w)
		}
		w = reply(handle(h, as(request(t, admissionv1.Update, gatewayToHTTPS), "admin")))
		if !strings.Contains(w, "VirtualService hr/payroll spec.tls") {
			t.Errorf("admin may get hr/payroll; want it named, got %q", w)
		}
	})
	t.Run("warn mode: the warnings hide them too", func(t *testing.T) {
		h := newTestHandler(t, handlerConfig{mode: ModeWarn, checks: checks.Registry()}, tenantCluster...)
		h.opts.Access = g.review
		resp := handle(h, as(request(t, admissionv1.Update, gatewayToHTTPS), "alice"))
		if w := reply(resp); !resp.Allowed || !strings.Contains(w, "ML006 tls-routes-on-terminating-gateway: a VirtualService in another namespace") || strings.Contains(w, "payroll") {
			t.Errorf("want allowed with hr/payroll unnamed, got allowed=%v %q", resp.Allowed, w)
		}
	})
	t.Run("deleting a resource others depend on", func(t *testing.T) {
		h := tenantHandler(t, g.review)
		h.Upsert(decodeAll(t, shopVS)[0])
		w := reply(handle(h, as(deleteRequest(t, tenantCluster[0]), "alice")))
		if !strings.Contains(w, "a VirtualService in another namespace") || strings.Contains(w, "hr/payroll") || strings.Contains(w, "shop/web") {
			t.Errorf("want the broken VirtualServices unnamed for alice, got %q", w)
		}
	})
	t.Run("an access review that fails hides the name and never fails the request", func(t *testing.T) {
		h := tenantHandler(t, (&grants{err: errors.New("connection refused")}).review)
		w := reply(handle(h, as(request(t, admissionv1.Create, shopVS), "alice")))
		if strings.Contains(w, "istio-system/public") || !strings.Contains(w, "a Gateway in another namespace") {
			t.Errorf("want the name hidden, got %q", w)
		}
	})
	t.Run("same namespace asks nothing", func(t *testing.T) {
		g := &grants{}
		h := tenantHandler(t, g.review)
		local := strings.ReplaceAll(shopVS, "namespace: shop", "namespace: istio-system")
		w := reply(handle(h, as(request(t, admissionv1.Create, local), "bob")))
		if !strings.Contains(w, "gateway istio-system/public") || g.asked.Load() != 0 {
			t.Errorf("want the same namespace's Gateway named without a review (asked %d), got %q", g.asked.Load(), w)
		}
	})
	t.Run("off", func(t *testing.T) {
		h := tenantHandler(t, nil)
		if w := reply(handle(h, as(request(t, admissionv1.Create, shopVS), "bob"))); !strings.Contains(w, "gateway istio-system/public") {
			t.Errorf("without an access reviewer every name is kept, got %q", w)
		}
	})
}

// TestEveryCrossNamespaceNameIsRedactable holds every check's messages to
// the form redaction relies on: a resource of another namespace is named
// as "<kind> namespace/name". It lints the examples and, when ../shared is
// beside the repository, the real-world corpus, and hides every resource
// of another namespace than the finding's: no message may still carry one.
func TestEveryCrossNamespaceNameIsRedactable(t *testing.T) {
	dirs := append([]string{"../examples"}, fixtureDirs(t)...)
	corpus := "../../shared/corpus/real-world"
	if entries, err := os.ReadDir(corpus); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(corpus, e.Name()))
			}
		}
	} else {
		t.Logf("skipping the real-world corpus: %v", err)
	}
	rn, err := lint.NewRunner(checks.Registry(), lint.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range dirs {
		res := load.Paths([]string{dir}, nil, load.Options{})
		for _, f := range rn.Lint(lint.DefaultMesh(), false, res.Resources) {
			hidden := map[lint.Key]bool{}
			var names []string
			for _, r := range res.Resources {
				if r.Namespace() == f.Resource.Namespace() || r.Namespace() == "" {
					continue
				}
				name := r.Namespace() + "/" + r.Name()
				if containsName(f.Message, name) {
					hidden[lint.Key{Kind: lint.Kind(r.SourceKind()), Namespace: r.Namespace(), Name: r.Name()}] = true
					names = append(names, name)
				}
			}
			if len(names) == 0 {
				continue
			}
			checked++
			got := redact(f.Message, hidden)
			for _, name := range names {
				if containsName(got, name) {
					t.Errorf("%s %s (%s): %q still names %s after redaction: %q", f.Check.ID, f.Resource, dir, f.Message, name, got)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no finding named a resource of another namespace: the test checks nothing")
	}
	t.Logf("%d findings naming another namespace's resources, all redactable", checked)
}

// fixtureDirs writes the inputs of every check's firing fixtures into a
// directory each.
func fixtureDirs(t *testing.T) []string {
	paths, err := filepath.Glob("../lint/checks/testdata/*/fire_*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no firing fixtures found (%v)", err)
	}
	var dirs []string
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, f := range a.Files {
			if f.Name == "want" || f.Name == "options" {
				continue
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(f.Name)), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

// containsName reports whether s carries name as a whole token.
func containsName(s, name string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], name)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isNameByte(s[j-1])
		end := j + len(name)
		after := end == len(s) || !isNameByte(s[end]) || s[end] == '.' && (end+1 == len(s) || !isNameByte(s[end+1]))
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '/'
}

func TestNamesIn(t *testing.T) {
	msg := `server 443 of gateway passthrough/public passes TLS through; from PeerAuthentication istio-system/default; gateway "missing/public-gw" is not in the input; uri prefix /api/v1; serviceentry ex-ml024-legacy/payments-api-legacy; VirtualService a/b.`
	got := namesIn(msg)
	want := []lint.Key{
		{Kind: lint.KindGateway, Namespace: "passthrough", Name: "public"},
		{Kind: lint.KindPeerAuthentication, Namespace: "istio-system", Name: "default"},
		{Kind: lint.KindGateway, Namespace: "missing", Name: "public-gw"},
		{Kind: lint.KindServiceEntry, Namespace: "ex-ml024-legacy", Name: "payments-api-legacy"},
		{Kind: lint.KindVirtualService, Namespace: "a", Name: "b"},
	}
	if len(got) != len(want) {
		t.Fatalf("namesIn = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("namesIn[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	list := namesIn("is shared with gateways a/x, b/y and c/z (other hosts); serviceentries d/e, f/g")
	if len(list) != 5 || list[2] != (lint.Key{Kind: lint.KindGateway, Namespace: "c", Name: "z"}) || list[4].Kind != lint.KindServiceEntry {
		t.Errorf("lists of names: %v", list)
	}
	red := redact(msg, map[lint.Key]bool{want[1]: true, want[2]: true})
	for _, s := range []string{"from a PeerAuthentication in another namespace;", "; a Gateway in another namespace is not in the input", "gateway passthrough/public", "VirtualService a/b."} {
		if !strings.Contains(red, s) {
			t.Errorf("redacted message lacks %q: %q", s, red)
		}
	}
}
