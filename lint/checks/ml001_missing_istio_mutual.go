package checks

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/meshlint/meshlint/lint"
)

// MissingIstioMutual is ML001 missing-istio-mutual: a DestinationRule for
// an in-mesh host whose client TLS mode is not ISTIO_MUTUAL where the server
// requires mutual TLS. The client sidecar sends plaintext (DISABLE) or its
// own TLS (SIMPLE, MUTUAL) and the server sidecar rejects it: 503s start the
// moment the rule is applied.
var MissingIstioMutual = &lint.Check{
	ID:       "ML001",
	Name:     "missing-istio-mutual",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindDestinationRule},
	Reads:    []lint.Kind{lint.KindPeerAuthentication, lint.KindServiceEntry, lint.KindService, lint.KindWorkload, lint.KindNamespace},
	Tables: append(append([]*lint.Table{ServiceEntriesByHost, ServicesByHost, WorkloadPeerAuthentications, RelaxingPeerAuthentications,
		DestinationRulesByHost, ByNamespace(lint.KindServiceEntry)}, MTLSTables...), OutsideMeshTables...),
	Summary: "A DestinationRule for an in-mesh host sends plaintext or its own TLS where the server requires mutual TLS.",
	Doc: `Looks at every traffic-policy level of the DestinationRule: spec.trafficPolicy,
spec.trafficPolicy.portLevelSettings[*], spec.subsets[*].trafficPolicy and
spec.subsets[*].trafficPolicy.portLevelSettings[*].

Fires (error) when the effective mTLS mode of the host's namespace is STRICT (the
namespace-wide PeerAuthentication without selector in that namespace, else the
mesh-wide one in the root namespace, else the config's mesh.mtls) and a level
has tls.mode DISABLE, SIMPLE or MUTUAL (a tls block without mode is DISABLE).
Also fires when auto mTLS is off (mesh.enableAutoMtls: false) and a level
exists without a tls block: the mode then defaults to DISABLE.

When no mTLS mode is known at all, an explicit DISABLE, SIMPLE or MUTUAL is a
warning saying it breaks under STRICT mTLS.

Quiet when the host is not in the mesh (a ServiceEntry that is not
MESH_INTERNAL declares it, it is an external name such as *.googleapis.com, it
is an ExternalName Service or a Service without a selector, or it is the API
server's kubernetes.default); when the mode is ISTIO_MUTUAL; when auto mTLS is
on and tls is absent; when the effective mode is PERMISSIVE or DISABLE.

Why: the client sidecar sends plaintext or its own TLS, the server sidecar
expects Istio mTLS and resets the connection (503 UC) or fails the handshake
(503 UF). The 503s start the moment the rule is applied.

Choices where the catalog is silent:
  - The host's namespace is the namespace part of a Kubernetes service name
    (reviews.prod.svc.cluster.local, *.prod.svc.cluster.local), or the
    namespace of the MESH_INTERNAL ServiceEntry that declares the host. A
    wildcard spanning namespaces (*.svc.cluster.local, *.local, *) uses the
    mesh-wide mode of the root namespace.
  - Inheritance follows Istio: a subset's trafficPolicy without tls inherits
    the top-level tls, so with auto mTLS off it is reported only when the top
    level has no tls and does not carry the finding itself; port-level
    settings never inherit. A traffic policy that holds
    nothing but portLevelSettings is not reported for its missing tls: the
    port levels say what each port does.
  - An ExternalName Service (type: ExternalName) is a DNS alias for a host
    outside the mesh: no sidecar answers it and no PeerAuthentication applies,
    so a rule for it (often DISABLE, to keep a mesh-wide "*.local"
    ISTIO_MUTUAL rule away from a managed database) is not reported.
  - A Service without a selector has hand-made Endpoints, usually addresses
    outside the mesh (the mesh's docs use one for an external service): no
    sidecar answers them, so a rule for it is not reported.
  - A PeerAuthentication that selects workloads by label overrides the
    namespace's mode for them, and Istio applies it first. When the host's
    Service is visible and the policy selects all its pods (its matchLabels
    are part of the Service's selector), a DISABLE or PERMISSIVE mode there
    quiets the check; a portLevelMtls entry quiets the DestinationRule's
    settings for the Service port whose targetPort it names (and the
    rule-wide settings when it covers every port). When the Service is not
    visible, a relaxing policy that selects the app the host is named after
    (app: httpbin for httpbin.foo, as Istio's authentication task pairs
    them) quiets the check; any other relaxing policy in the namespace may
    or may not cover the host: the finding is a warning that names it.
  - SIMPLE or MUTUAL carrying their own client certificate, credentialName or
    caCertificates are a deliberate origination to a server that terminates
    TLS itself, which has no sidecar, so no PeerAuthentication applies to
    it: quiet whatever the mode (the catalog says so for an unknown mode;
    Istio's egress TLS origination task does it under a STRICT mesh, to an
    nginx in a namespace without injection). When no mode is known at all,
    a rule next to a PeerAuthentication in the input that accepts plaintext
    for the host's namespace (or the root namespace; anywhere, for a host
    spanning namespaces) is the pairing Istio's own tasks use: quiet too.
  - Namespace-wide policies that disagree and whose age does not say which
    applies (two variants of one policy in the files) leave the mode
    unknown.
  - The input may show the server outside the mesh: the workloads that the
    host's Service selects (when it is not visible, those whose app label is
    the service's name) all opt out with sidecar.istio.io/inject: "false",
    or the host's Namespace is labelled istio-injection: disabled, or has no
    injection label while another Namespace in the input has one. No
    sidecar answers there, so plaintext is right: quiet.
  - The root namespace holds the control plane, and Istio's add-ons
    (prometheus, grafana, tracing, zipkin, jaeger-query, jaeger-collector,
    kiali, loki) run without sidecars as Istio installs them: rules for
    hosts there are not reported.
  - kubernetes.default is the Kubernetes API server, which never runs a sidecar.
    Meshes with a mesh-wide "*.local" ISTIO_MUTUAL rule need a DISABLE rule for
    it (the mesh's mTLS migration docs call it api-server); it is not reported.
  - A host with a single dot whose last label is a public top-level domain
    (httpbin.org, example.com) is an external name, not name.namespace: the
    mesh's own TLS-origination examples use such hosts.`,
	Example: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: STRICT
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: prod
spec:
  host: reviews
  trafficPolicy:
    tls:
      mode: DISABLE
`,
	Remediation: "Set tls.mode: ISTIO_MUTUAL on every traffic policy of the DestinationRule (or drop the tls block and let auto mTLS choose).",
	Run:         runMissingIstioMutual,
	Affects:     affectsMissingIstioMutual,
}

func runMissingIstioMutual(pass *lint.Pass) {
	r := pass.Resource
	dr := r.DestinationRule()
	written := strings.TrimSpace(dr.Spec.GetHost())
	if written == "" {
		return
	}
	host := ExpandHost(written, r.Namespace(), pass.Mesh.DomainSuffix)
	ns, inMesh := mtlsServerNamespace(pass.View, pass.Mesh, written, host)
	if !inMesh {
		return
	}
	if outsideMeshService(pass.View, host) || host == lint.ServiceHost("kubernetes", "default", pass.Mesh.DomainSuffix) {
		return // outside the mesh: an alias for an external host, hand-made endpoints, or the API server
	}
	if ns == pass.Mesh.RootNamespace || istioAddOns[serviceName(host)] {
		// The control plane's namespace and Istio's add-ons (Prometheus,
		// Grafana, Jaeger, Kiali) run without sidecars as Istio installs them:
		// plaintext is what they take.
		return
	}
	if ns != "" && serviceName(host) != "" {
		var selector map[string]string
		for _, r := range pass.View.Lookup(ServicesByHost, host) {
			selector = r.Service().Spec.Selector
		}
		if out, _ := OutsideMesh(pass.View, ns, selector, serviceName(host)); out {
			return // the input shows the server without a sidecar: plaintext is right
		}
	}
	spans := ns == ""
	if spans {
		ns = pass.Mesh.RootNamespace
	}
	mode, source := EffectiveMTLS(pass.View, ns)
	if mode != lint.MTLSStrict && mode != "" {
		return // PERMISSIVE or DISABLE: plaintext and TLS are both accepted
	}
	autoOff := !pass.Mesh.AutoMtls()
	wl := workloadPolicies(pass.View, ns, host)
	if wl.all {
		return // a workload policy relaxes every port of the host's pods
	}

	// level checks one traffic-policy level; port is its port number, 0 for
	// a level that applies to every port.
	level := func(path string, port uint32, tls *networkingapi.ClientTLSSettings, reportMissing bool) {
		if wl.relaxes(port) {
			return
		}
		report := func(path, format string, args ...any) {
			if wl.maybe != nil && mode == lint.MTLSStrict {
				pass.ReportSeverity(lint.SeverityWarning, path, format+" unless workload policy PeerAuthentication %s/%s covers its pods",
					append(args, wl.maybe.Namespace(), wl.maybe.Name())...)
				return
			}
			pass.Report(path, format, args...)
		}
		if tls == nil {
			if reportMissing && autoOff && mode == lint.MTLSStrict {
				report(path,
					"without tls this policy sends plaintext to %q (auto mTLS is off) under STRICT mTLS from %s: requests fail with 503 UC", written, source)
			}
			return
		}
		var what, flag string
		switch m := tls.GetMode(); m {
		case networkingapi.ClientTLSSettings_ISTIO_MUTUAL:
			return
		case networkingapi.ClientTLSSettings_DISABLE:
			what, flag = fmt.Sprintf("tls mode %s sends plaintext to %q", m, written), "503 UC"
		default:
			if ownTLS(tls) {
				// Deliberate: TLS to a server that terminates it itself (no
				// sidecar there, so STRICT does not apply to it either).
				return
			}
			what, flag = fmt.Sprintf("tls mode %s replaces Istio mTLS to %q", m, written), "503 UF"
		}
		if mode == "" {
			if relaxedInInput(pass.View, ns, spans) {
				// Deliberate: plaintext paired with a policy in the input
				// that accepts it.
				return
			}
			pass.ReportSeverity(lint.SeverityWarning, path+".tls.mode", "%s; it breaks under STRICT mTLS with %s", what, flag)
			return
		}
		report(path+".tls.mode", "%s under STRICT mTLS from %s: requests fail with %s", what, source, flag)
	}

	top := dr.Spec.GetTrafficPolicy()
	// A subset's policy without tls inherits the top-level tls; when that is
	// missing too, the top level carries the finding if it applies to ports
	// itself, else the subset does.
	topMissing := top != nil && top.GetTls() == nil && setsMoreThanPortLevels(top)
	if top != nil {
		level("spec.trafficPolicy", 0, top.GetTls(), topMissing)
		for j, pl := range top.GetPortLevelSettings() {
			level(fmt.Sprintf("spec.trafficPolicy.portLevelSettings[%d]", j), pl.GetPort().GetNumber(), pl.GetTls(), true)
		}
	}
	for i, s := range dr.Spec.GetSubsets() {
		tp := s.GetTrafficPolicy()
		if tp == nil {
			continue
		}
		base := fmt.Sprintf("spec.subsets[%d].trafficPolicy", i)
		level(base, 0, tp.GetTls(), top.GetTls() == nil && !topMissing && setsMoreThanPortLevels(tp))
		for j, pl := range tp.GetPortLevelSettings() {
			level(fmt.Sprintf("%s.portLevelSettings[%d]", base, j), pl.GetPort().GetNumber(), pl.GetTls(), true)
		}
	}
}

// istioAddOns are the service names of the add-ons Istio ships
// (samples/addons), which it installs without sidecars.
var istioAddOns = map[string]bool{
	"prometheus": true, "grafana": true, "tracing": true, "zipkin": true,
	"jaeger-query": true, "jaeger-collector": true, "kiali": true, "loki": true,
}

// ownTLS reports whether client TLS settings carry what a deliberate
// origination to a server that terminates TLS itself needs: a client
// certificate, a credentialName or CA certificates.
func ownTLS(tls *networkingapi.ClientTLSSettings) bool {
	return tls.GetClientCertificate() != "" || tls.GetCredentialName() != "" || tls.GetCaCertificates() != ""
}

// RelaxingPeerAuthentications files the PeerAuthentications that accept
// plaintext (DISABLE or PERMISSIVE, at the top or for a port) by namespace,
// and every one of them under "*".
var RelaxingPeerAuthentications = &lint.Table{Name: "peerauthentications-relaxing", Kind: lint.KindPeerAuthentication, Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
	relaxing := func(m securityapi.PeerAuthentication_MutualTLS_Mode) bool {
		return m == securityapi.PeerAuthentication_MutualTLS_DISABLE || m == securityapi.PeerAuthentication_MutualTLS_PERMISSIVE
	}
	spec := &r.PeerAuthentication().Spec
	ok := relaxing(spec.GetMtls().GetMode())
	for _, m := range spec.GetPortLevelMtls() {
		ok = ok || relaxing(m.GetMode())
	}
	if !ok {
		return nil
	}
	return []string{r.Namespace(), "*"}
}}

// relaxedInInput reports whether the input holds a PeerAuthentication that
// accepts plaintext for servers in namespace ns (in ns or the root
// namespace), or anywhere when the DestinationRule's host spans namespaces:
// with no mTLS mode known, a DISABLE DestinationRule next to it is the
// pairing Istio's own authentication task uses, not a mistake.
func relaxedInInput(v lint.View, ns string, spans bool) bool {
	if spans {
		return v.Count(RelaxingPeerAuthentications, "*") > 0
	}
	return v.Count(RelaxingPeerAuthentications, ns) > 0 || v.Count(RelaxingPeerAuthentications, v.Mesh().RootNamespace) > 0
}

// outsideMeshService reports whether an expanded host is the name of a
// visible Service that no sidecar answers: an ExternalName Service (a DNS
// alias for a host outside the mesh) or a Service without a selector (its
// Endpoints are made by hand, usually for addresses outside the mesh).
func outsideMeshService(v lint.View, host string) bool {
	if strings.HasPrefix(host, "*") {
		return false
	}
	for _, r := range v.Lookup(ServicesByHost, host) {
		if svc := r.Service(); svc != nil && (svc.Spec.Type == corev1.ServiceTypeExternalName || len(svc.Spec.Selector) == 0) {
			return true
		}
	}
	return false
}

// hostWorkloadPolicies is what PeerAuthentications selecting workloads by
// label change for the pods behind a host, under a STRICT namespace.
type hostWorkloadPolicies struct {
	// all: a policy that selects every pod of the host's Service relaxes
	// every port it serves.
	all bool
	// svc is the host's Service, when visible; relaxed holds the target
	// ports that selecting policies relax (DISABLE or PERMISSIVE).
	svc     *corev1.Service
	relaxed map[uint32]bool
	// maybe is a relaxing policy of the namespace whose reach is unknown:
	// the host's Service is not visible.
	maybe *lint.Resource
}

// relaxes reports whether the DestinationRule settings for service port
// port (0: every port) are quieted by a selecting policy.
func (w hostWorkloadPolicies) relaxes(port uint32) bool {
	if w.svc == nil || len(w.relaxed) == 0 {
		return false
	}
	covered := 0
	for _, p := range w.svc.Spec.Ports {
		if port != 0 && uint32(p.Port) != port {
			continue
		}
		target := uint32(p.Port)
		if p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal != 0 {
			target = uint32(p.TargetPort.IntVal)
		} else if p.TargetPort.Type == intstr.String && p.TargetPort.StrVal != "" {
			return false // a named container port: its number is not known here
		}
		if !w.relaxed[target] {
			return false
		}
		covered++
	}
	return covered > 0
}

// workloadPolicies reads the PeerAuthentications of namespace ns that
// select workloads by label, for the pods behind host.
func workloadPolicies(v lint.View, ns, host string) hostWorkloadPolicies {
	var w hostWorkloadPolicies
	pas := v.Lookup(WorkloadPeerAuthentications, ns)
	if len(pas) == 0 {
		return w
	}
	relaxing := func(m securityapi.PeerAuthentication_MutualTLS_Mode) bool {
		return m == securityapi.PeerAuthentication_MutualTLS_DISABLE || m == securityapi.PeerAuthentication_MutualTLS_PERMISSIVE
	}
	if !strings.HasPrefix(host, "*") {
		for _, r := range v.Lookup(ServicesByHost, host) {
			w.svc = r.Service()
		}
	}
	for _, r := range pas {
		spec := &r.PeerAuthentication().Spec
		top := relaxing(spec.GetMtls().GetMode())
		var ports []uint32
		for port, m := range spec.GetPortLevelMtls() {
			if relaxing(m.GetMode()) || (top && m.GetMode() == securityapi.PeerAuthentication_MutualTLS_UNSET) {
				ports = append(ports, port)
			}
		}
		if !top && len(ports) == 0 {
			continue
		}
		if w.svc == nil {
			if top && len(spec.GetPortLevelMtls()) == 0 && selectsService(spec.GetSelector().GetMatchLabels(), serviceName(host)) {
				// The policy selects the app the host is named after (app:
				// kiali for kiali.istio-system): the pairing of a relaxing
				// workload policy with this rule.
				w.all = true
				return w
			}
			if w.maybe == nil {
				w.maybe = r
			}
			continue
		}
		if !SelectorSubset(spec.GetSelector().GetMatchLabels(), w.svc.Spec.Selector) {
			continue
		}
		if top && len(spec.GetPortLevelMtls()) == 0 {
			w.all = true
			return w
		}
		if w.relaxed == nil {
			w.relaxed = map[uint32]bool{}
		}
		if top {
			// Every port but those set back to STRICT at port level.
			for _, p := range w.svc.Spec.Ports {
				t := uint32(p.TargetPort.IntValue())
				if t == 0 {
					t = uint32(p.Port)
				}
				if m, ok := spec.GetPortLevelMtls()[t]; !ok || m.GetMode() != securityapi.PeerAuthentication_MutualTLS_STRICT {
					w.relaxed[t] = true
				}
			}
		}
		for _, port := range ports {
			w.relaxed[port] = true
		}
	}
	return w
}

// selectsService reports whether a workload selector picks pods by the
// conventional app label set to the service's name.
func selectsService(sel map[string]string, svc string) bool {
	if svc == "" {
		return false
	}
	for _, k := range []string{"app", "app.kubernetes.io/name"} {
		if sel[k] == svc {
			return true
		}
	}
	return false
}

// setsMoreThanPortLevels reports whether a traffic policy sets a field other
// than portLevelSettings, i.e. applies to some port itself.
func setsMoreThanPortLevels(tp *networkingapi.TrafficPolicy) bool {
	more := false
	tp.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if fd.Name() != "port_level_settings" {
			more = true
			return false
		}
		return true
	})
	return more
}

// publicTLDs are top-level domains that make a one-dot host an external
// name rather than name.namespace.
var publicTLDs = map[string]bool{
	"com": true, "org": true, "net": true, "io": true, "dev": true, "app": true,
	"co": true, "ai": true, "cloud": true, "info": true, "biz": true, "edu": true,
	"gov": true,
}

// mtlsServerNamespace returns whether an expanded DestinationRule host (written
// is how the rule spells it) is in the mesh, and the namespace whose mTLS
// mode applies to it; "" means the host spans namespaces.
func mtlsServerNamespace(v lint.View, m *lint.Mesh, written, host string) (ns string, inMesh bool) {
	external, coversInternal := false, false
	for _, r := range lint.LookupHost(v, ServiceEntriesByHost, host) {
		se := r.ServiceEntry()
		for _, h := range se.Spec.GetHosts() {
			seHost := ExpandHost(h, r.Namespace(), m.DomainSuffix)
			switch {
			case se.Spec.GetLocation() != networkingapi.ServiceEntry_MESH_INTERNAL:
				external = external || HostCovers(seHost, host)
			case HostCovers(seHost, host):
				return r.Namespace(), true
			case HostsOverlap(seHost, host):
				// A wildcard rule over internal hosts of possibly several
				// namespaces: the mesh-wide mode applies.
				coversInternal = true
			}
		}
	}
	if external && !coversInternal {
		return "", false
	}
	if ns, in := mtlsServiceHostNamespace(m, written, host); in {
		return ns, true
	}
	return "", coversInternal
}

// mtlsServiceHostNamespace returns whether an expanded host names Kubernetes
// services, and their namespace ("" when it spans namespaces).
func mtlsServiceHostNamespace(m *lint.Mesh, written, host string) (ns string, inMesh bool) {
	w := strings.ToLower(written)
	if strings.Count(w, ".") == 1 && publicTLDs[w[strings.IndexByte(w, '.')+1:]] {
		return "", false
	}
	suffix := ".svc." + m.DomainSuffix
	switch {
	case host == "*":
		return "", true
	case strings.HasPrefix(host, "*"):
		if strings.HasSuffix(suffix, host[1:]) {
			return "", true // *.svc.cluster.local, *.cluster.local, *.local
		}
		if !strings.HasSuffix(host, suffix) {
			return "", false
		}
	case !strings.HasSuffix(host, suffix):
		return "", false
	}
	rest := strings.TrimSuffix(host, suffix)
	return rest[strings.LastIndexByte(rest, '.')+1:], true
}

// affectsMissingIstioMutual: the DestinationRules whose servers a change
// describes: a policy's namespace (every rule, for the root namespace), a
// ServiceEntry's or Service's hosts, a workload's or Namespace's services;
// a relaxing policy anywhere also speaks to rules whose host spans
// namespaces.
func affectsMissingIstioMutual(v lint.View, r *lint.Resource) []*lint.Resource {
	m := v.Mesh()
	switch r.Kind {
	case lint.KindPeerAuthentication:
		if r.Namespace() == m.RootNamespace {
			return v.List(lint.KindDestinationRule)
		}
		out := destinationRulesInNamespace(v, r.Namespace())
		for _, se := range v.Lookup(ByNamespace(lint.KindServiceEntry), r.Namespace()) {
			out = append(out, lookupHosts(v, DestinationRulesByHost, hostsOf(se.ServiceEntry().Spec.GetHosts(), se.Namespace(), m))...)
		}
		return out
	case lint.KindServiceEntry:
		return lookupHosts(v, DestinationRulesByHost, hostsOf(r.ServiceEntry().Spec.GetHosts(), r.Namespace(), m))
	case lint.KindService:
		return lint.LookupHost(v, DestinationRulesByHost, lint.ServiceHost(r.Name(), r.Namespace(), m.DomainSuffix))
	case lint.KindWorkload:
		return destinationRulesInNamespace(v, r.Namespace())
	case lint.KindNamespace:
		return destinationRulesInNamespace(v, r.Name())
	}
	return nil
}
