//lint:file-ignore SA1019 this check reads deprecated fields on purpose: it reports them

package checks

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// RejectedByIstio is ML027 rejected-by-istio: the resource fits the CRD
// schema, but Istio's own validation (istio/istio pkg/config/validation,
// the code behind istiod's validating webhook) refuses it. With the webhook
// on, kubectl apply fails; without it, istiod logs the error and ignores the
// resource, so none of its configuration reaches the proxies.
var RejectedByIstio = &lint.Check{
	ID:       "ML027",
	Name:     "rejected-by-istio",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindDestinationRule, lint.KindVirtualService, lint.KindGateway, lint.KindServiceEntry, lint.KindEnvoyFilter, lint.KindPeerAuthentication},
	Summary:  "The resource fits the CRD schema, but Istio's own validation rejects it.",
	Doc: `The resource decodes, but istiod's validation (istio/istio pkg/config/validation, the code of
its validating webhook) rejects it: with the webhook on, kubectl apply fails; without it, istiod
logs the error and ignores the whole resource. Each rule reports the field Istio objects to.
Only errors are reported, never what Istio merely warns about, and each rule names the Istio
function it follows. (IST0106.)

Gateway: no servers; a server without hosts; a host that is a short name, not a valid DNS name
or IP, a partial wildcard (*foo.example.com) or a ns/host with an invalid namespace; a server
without port, with a port number outside 1..65535, without a port name, with targetPort, or
with an unsupported protocol; a bind that is neither an IP nor unix://; two servers with the
same port name; an HTTPS or TLS server without tls settings; tls settings on a TCP (non-HTTP,
non-TLS) server; tls mode SIMPLE, MUTUAL or OPTIONAL_MUTUAL without credentialName(s) and
without serverCertificate and privateKey (and caCertificates for MUTUAL); ISTIO_MUTUAL with
certificates; more than one certificate source; a gateway name that is not a DNS label (a dot
in metadata.name).

VirtualService: no http, tcp or tls route (when it has hosts); an invalid host; * bound to the
mesh; the same host twice (wildcards included); a delegate (no hosts) with gateways, tls or tcp
routes; an http route with nothing to do (no route, redirect, directResponse or delegate), with
route and redirect, redirect and directResponse, route and directResponse, mirror and mirrors,
or a delegate and a route; a tls route without match, a tls match without sniHosts, an sniHost
that is not within the VirtualService's hosts (compared as strings, as Istio does: sniHost
reviews.prod.svc.cluster.local is not within host reviews); a tls or tcp route without route;
a route entry without destination, a negative weight, or several destinations whose weights
add up to 0; a destination host * or invalid, an invalid subset name, a destination port
outside 1..65535; a fault with neither abort nor delay; timeout, perTryTimeout, backoff or
fixedDelay under 1ms or not in whole milliseconds (0s included); negative retry attempts;
perTryTimeout, retryOn or retryRemoteLocalities with attempts 0 or unset; a retryOn entry that
is not an Envoy retry policy or an HTTP status (Istio does not trim spaces: "5xx, reset" is
rejected); a redirect that sets nothing, with a code other than 3xx or a scheme other than http
or https; a rewrite with both uri and uriRegexRewrite, or with nothing; a directResponse or
abort status outside 200..600; an http2Error abort; a fault percentage outside 0.0001..100
(0 aside); a CORS method Istio does not accept (methods are upper case); a CORS maxAge that is
not whole seconds; an empty prefix match (but on uri) or regex match; a regex that is not
valid RE2; a match port above 65535.

DestinationRule: no host or an invalid one; a subset without name, with an invalid name or a
name used twice; a trafficPolicy that sets nothing, a portLevelSettings entry without port or
that sets nothing but its port; a connectionPool with neither tcp nor http; durations under
1ms or not in whole milliseconds (a tcp idleTimeout of 0s disables the timeout and is fine);
consecutiveLocalOriginFailures without splitExternalLocalOriginErrors; ejection or health
percentages outside 0..100; client tls MUTUAL without credentialName and without
clientCertificate and privateKey; credentialName together with certificate files.

ServiceEntry: no hosts; host *; an invalid host; two ports with the same name or number; a port
without a valid name, outside 1..65535, with a targetPort above 65535 or an unsupported
protocol; endpoints with resolution NONE; a wildcard host with resolution DNS and no
endpoints; an endpoint address that is neither an IP nor a DNS name with resolution DNS;
several hosts with a TCP (or unset) protocol port when resolution is not NONE; an invalid
address, or a CIDR address with resolution DNS; workloadSelector together with endpoints.

VirtualService, DestinationRule and ServiceEntry: an exportTo entry listed twice (. and the
resource's own namespace included, when the resource names its namespace), ~ outside a
ServiceEntry, an entry that is not ., * or a namespace name, * or ~ together with other
entries.

PeerAuthentication: portLevelMtls without a selector (mesh- or namespace-wide policy), or on
port 0.

EnvoyFilter: a configPatch without applyTo, without patch, without operation, or without value
for an operation other than REMOVE; a proxyVersion that is not a valid regular expression; a
listener, route or cluster patch whose match is of another kind; a filter match without name;
a subFilter match on another applyTo than HTTP_FILTER or under another filter than the HTTP
connection manager. (A patch value Envoy's v3 API cannot decode is not checked; Envoy's v2 API
is ML028's.)

Quiet when the field did not decode: ML016 invalid-spec reports it, and a missing value is not
guessed at. Quiet for what Istio only warns about (partial wildcards in ServiceEntry hosts,
deprecated fields: ML028), and for delegate VirtualServices (no hosts) without routes, as the
catalog says.

Choices where the catalog is silent:
- Hosts that are template placeholders (<your-host>, ${HOST}, {{ .Values.host }}), left in docs
  and charts for the reader to fill in, are not validated.
- Route weights that do not add up to 100 are not reported: Istio's current validation no
  longer requires it (validateHTTPRouteDestinations rejects only a negative weight, or a total
  of 0 across several destinations), and traffic is split in proportion to the weights.
- Gateway servers may share a port number (one server per host on 443 is the usual setup); only
  a shared port name is rejected.
- Validation follows the current Istio release; a rule older releases did not have is still
  reported, since an upgrade would reject the resource.`,
	Example: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: public
  namespace: shop
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - shop.example.com
    tls:
      mode: SIMPLE
`,
	Remediation: "Fix the field as the message says so that Istio's validation accepts the resource (kubectl apply --dry-run=server against a cluster with istiod tells you the same).",
	Run:         runRejectedByIstio,
}

// rejectConsequence ends every ML027 message.
const rejectConsequence = "istiod rejects the resource (or ignores it without its webhook)"

type ml027 struct{ pass *lint.Pass }

// report records a finding at path unless a schema problem sits at, under or
// above path: a field that did not decode is ML016's, and its zero value
// must not be read as what the user wrote.
func (c ml027) report(path, format string, args ...any) {
	if undecoded(c.pass.Resource, path) {
		return
	}
	c.pass.Report(path, "%s; %s", fmt.Sprintf(format, args...), rejectConsequence)
}

// written returns path.field when the source writes field, else path, so
// that a finding about an absent or empty field points at what is there.
func written(r *lint.Resource, path, field string) string {
	if fieldOmitted(r, path, field) {
		return path
	}
	return path + "." + field
}

func runRejectedByIstio(pass *lint.Pass) {
	c := ml027{pass}
	switch pass.Resource.Kind {
	case lint.KindGateway:
		c.gateway()
	case lint.KindVirtualService:
		c.virtualService()
	case lint.KindDestinationRule:
		c.destinationRule()
	case lint.KindServiceEntry:
		c.serviceEntry()
	case lint.KindPeerAuthentication:
		c.peerAuthentication()
	case lint.KindEnvoyFilter:
		c.envoyFilter()
	}
}

// Host names, as istio/istio pkg/config/labels and
// pkg/config/validation/agent check them. Upper case is accepted here:
// when unsure, meshlint stays quiet.
// isDNS1123Label reports whether s is a DNS label: letters, digits and
// dashes, not starting or ending with a dash, at most 63 characters
// (labels.IsDNS1123Label, written out: it runs on every host).
func isDNS1123Label(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isWildcardDNSLabel follows labels.IsWildcardDNS1123Label: *, or a DNS
// label optionally prefixed by * or *-.
func isWildcardDNSLabel(s string) bool {
	if len(s) > 63 {
		return false
	}
	switch {
	case s == "*":
		return true
	case strings.HasPrefix(s, "*-"):
		return isDNS1123Label(s[2:])
	case strings.HasPrefix(s, "*"):
		return isDNS1123Label(s[1:])
	}
	return isDNS1123Label(s)
}

// dnsLabelsProblem follows agent.ValidateDNS1123Labels: it returns why
// domain is not a dot-separated list of DNS labels, or "".
func dnsLabelsProblem(domain string) string {
	if isPlaceholder(domain) {
		return ""
	}
	parts := strings.Split(domain, ".")
	if isInteger(parts[len(parts)-1]) {
		return fmt.Sprintf("its top-level domain %q is all-numeric", parts[len(parts)-1])
	}
	for i, l := range parts {
		if i == len(parts)-1 && l == "" {
			return ""
		}
		if !isDNS1123Label(l) {
			if l == "" {
				return "it has an empty label"
			}
			return fmt.Sprintf("its label %q is not a DNS label", l)
		}
	}
	return ""
}

// isInteger reports whether strconv.Atoi would accept s (a sign, then
// digits), without Atoi's error allocation on every host name.
func isInteger(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// wildcardDomainProblem follows agent.ValidateWildcardDomain: a DNS name
// whose first label may be a wildcard.
func wildcardDomainProblem(domain string) string {
	if isPlaceholder(domain) {
		return ""
	}
	if domain == "" {
		return "it is empty"
	}
	if len(domain) > 255 {
		return "it is longer than 255 characters"
	}
	first, rest, more := strings.Cut(domain, ".")
	if !isWildcardDNSLabel(first) {
		if strings.Contains(first, "*") {
			return fmt.Sprintf("its first label %q is not a valid wildcard", first)
		}
		return fmt.Sprintf("its label %q is not a DNS label", first)
	}
	if more {
		if p := dnsLabelsProblem(rest); p != "" {
			if strings.Contains(rest, "*") {
				return "a wildcard may only be the first label"
			}
			return p
		}
	}
	return ""
}

// fqdnProblem follows agent.ValidateFQDN: no wildcard at all.
func fqdnProblem(domain string) string {
	if domain == "" {
		return "it is empty"
	}
	if len(domain) > 255 {
		return "it is longer than 255 characters"
	}
	return dnsLabelsProblem(domain)
}

func isIPAddress(s string) bool { return net.ParseIP(s) != nil }

// istioProtocols are the protocol names protocol.Parse knows (any case).
var istioProtocols = map[string]bool{
	"tcp": true, "udp": true, "grpc": true, "grpc-web": true, "http": true, "http_proxy": true,
	"http2": true, "https": true, "tls": true, "mongo": true, "redis": true, "mysql": true,
}

func protocolKnown(p string) bool { return istioProtocols[strings.ToLower(p)] }

func protocolIsHTTP(p string) bool {
	switch strings.ToLower(p) {
	case "http", "http2", "http_proxy", "grpc", "grpc-web":
		return true
	}
	return false
}

func protocolIsTLS(p string) bool {
	switch strings.ToLower(p) {
	case "https", "tls":
		return true
	}
	return false
}

// durationProblem follows agent.ValidateDuration.
func durationProblem(d *durationpb.Duration) string {
	v := d.AsDuration()
	if v < time.Millisecond {
		return "is under 1ms"
	}
	if v%time.Millisecond != 0 {
		return "is not a whole number of milliseconds"
	}
	return ""
}

// duration reports an invalid duration at parent.field; the path is built
// only for a finding, as this runs for every timeout of every route.
func (c ml027) duration(parent, field string, d *durationpb.Duration) {
	if d == nil {
		return
	}
	if p := durationProblem(d); p != "" {
		c.report(parent+"."+field, "duration %s %s %s", field[strings.LastIndexByte(field, '.')+1:], d.AsDuration(), p)
	}
}

// gateway follows validation.ValidateGateway, validateServer,
// validateServerPort, validateServerBind and validateTLSOptions.
func (c ml027) gateway() {
	r := c.pass.Resource
	gw := r.Gateway()
	if !isDNS1123Label(r.Name()) {
		c.report("metadata.name", "gateway name %q is not a DNS label (no dots)", r.Name())
	}
	servers := gw.Spec.GetServers()
	if len(servers) == 0 {
		c.report(written(r, "spec", "servers"), "the gateway has no servers")
		return
	}
	portNames := map[string]int{}
	for i, s := range servers {
		sp := fmt.Sprintf("spec.servers[%d]", i)
		c.gatewayServer(sp, s)
		if s.GetPort() != nil {
			name := s.GetPort().GetName()
			if first, dup := portNames[name]; dup && name != "" {
				c.report(sp+".port.name", "port name %q is already used by server %d; port names must be unique in a gateway", name, first)
			} else if !dup {
				portNames[name] = i
			}
		}
	}
}

func (c ml027) gatewayServer(sp string, s *networkingapi.Server) {
	r := c.pass.Resource
	if s == nil {
		return
	}
	if len(s.GetHosts()) == 0 {
		c.report(written(r, sp, "hosts"), "server %s has no hosts", sp)
	}
	for j, h := range s.GetHosts() {
		if why := gatewayHostProblem(h); why != "" {
			c.report(fmt.Sprintf("%s.hosts[%d]", sp, j), "gateway host %q is invalid: %s", h, why)
		}
	}
	port := s.GetPort()
	portOK := true
	if port == nil {
		c.report(sp, "server %s has no port", sp)
		portOK = false
	} else {
		pp := sp + ".port"
		if !protocolKnown(port.GetProtocol()) {
			c.report(written(r, pp, "protocol"), "port protocol %q is not one Istio supports (HTTP, HTTPS, GRPC, HTTP2, TLS, TCP, MONGO, REDIS, MYSQL)", port.GetProtocol())
			portOK = false
		}
		if (port.GetNumber() > 0 || !strings.HasPrefix(s.GetBind(), "unix://")) && (port.GetNumber() < 1 || port.GetNumber() > 65535) {
			c.report(written(r, pp, "number"), "port number %d is outside 1..65535", port.GetNumber())
			portOK = false
		}
		//nolint:staticcheck // targetPort is deprecated, which is why Istio rejects it here.
		if port.GetTargetPort() > 0 {
			c.report(pp+".targetPort", "targetPort %d has no effect on a gateway and Istio refuses it", port.GetTargetPort())
			portOK = false
		}
		if port.GetName() == "" {
			c.report(written(r, pp, "name"), "gateway port %d has no name", port.GetNumber())
			portOK = false
		}
	}
	if b := s.GetBind(); b != "" && !strings.HasPrefix(b, "unix://") && !isIPAddress(b) {
		c.report(sp+".bind", "bind %q is not an IP address or unix:// path", b)
	}
	tls := s.GetTls()
	c.serverTLS(sp+".tls", tls)
	if portOK {
		p := port.GetProtocol()
		switch {
		case protocolIsTLS(p) && tls == nil:
			c.report(sp, "server %s declares protocol %s without tls settings", sp, p)
		case !protocolIsTLS(p) && !protocolIsHTTP(p) && tls != nil:
			c.report(sp+".tls", "server %s declares protocol %s, which cannot have tls settings (use TLS or HTTPS)", sp, p)
		}
	}
}

// gatewayHostProblem follows agent.ValidateNamespaceSlashWildcardHostname
// for gateways.
func gatewayHostProblem(h string) string {
	if isPlaceholder(h) {
		return ""
	}
	ns, name, slash := strings.Cut(h, "/")
	if !slash {
		return gatewayHostnamePartProblem(h)
	}
	if ns == "" || name == "" {
		return "the namespace and the host name around the slash must not be empty"
	}
	if ns != "*" && ns != "." && ns != "~" && !isDNS1123Label(ns) {
		return fmt.Sprintf("namespace %q is not *, . or a namespace name", ns)
	}
	return gatewayHostnamePartProblem(name)
}

// gatewayHostnamePartProblem follows validateSidecarOrGatewayHostnamePart.
func gatewayHostnamePartProblem(h string) string {
	if p := wildcardDomainProblem(h); p != "" && !isIPAddress(h) {
		return p
	}
	if h != "*" && !strings.Contains(h, ".") {
		return "short names are not allowed; write a fully qualified name or *"
	}
	if strings.Contains(h, "*") && len(h) != 1 && !strings.HasPrefix(h, "*.") {
		return "partial wildcards are not allowed; a wildcard must be the whole first label (*.example.com)"
	}
	return ""
}

func (c ml027) serverTLS(tp string, tls *networkingapi.ServerTLSSettings) {
	if tls == nil {
		return
	}
	mode := tls.GetMode()
	files := tls.GetServerCertificate() != "" || tls.GetPrivateKey() != "" || tls.GetCaCertificates() != ""
	if mode == networkingapi.ServerTLSSettings_ISTIO_MUTUAL {
		if files || tls.GetCredentialName() != "" || len(tls.GetCredentialNames()) > 0 || len(tls.GetTlsCertificates()) > 0 {
			c.report(tp, "tls mode ISTIO_MUTUAL uses the mesh certificates and cannot name certificates of its own")
		}
		return
	}
	sources := 0
	if tls.GetServerCertificate() != "" && tls.GetPrivateKey() != "" {
		sources++
	}
	if tls.GetCredentialName() != "" {
		sources++
	}
	if len(tls.GetCredentialNames()) > 0 {
		sources++
	}
	if len(tls.GetTlsCertificates()) > 0 {
		sources++
	}
	if sources > 1 {
		c.report(tp, "tls names more than one certificate source; give only one of credentialName, credentialNames, serverCertificate/privateKey, tlsCertificates")
	}
	terminating := mode == networkingapi.ServerTLSSettings_SIMPLE || mode == networkingapi.ServerTLSSettings_MUTUAL || mode == networkingapi.ServerTLSSettings_OPTIONAL_MUTUAL
	if !terminating || tls.GetCredentialName() != "" || len(tls.GetCredentialNames()) > 0 {
		return
	}
	var missing []string
	if (mode == networkingapi.ServerTLSSettings_MUTUAL || mode == networkingapi.ServerTLSSettings_OPTIONAL_MUTUAL) && tls.GetCaCertificates() == "" {
		missing = append(missing, "caCertificates")
	}
	certs := tls.GetTlsCertificates()
	if len(certs) == 0 {
		certs = []*networkingapi.ServerTLSSettings_TLSCertificate{{ServerCertificate: tls.GetServerCertificate(), PrivateKey: tls.GetPrivateKey()}}
	}
	for _, cert := range certs {
		if cert.GetServerCertificate() == "" && !contains(missing, "serverCertificate") {
			missing = append(missing, "serverCertificate")
		}
		if cert.GetPrivateKey() == "" && !contains(missing, "privateKey") {
			missing = append(missing, "privateKey")
		}
	}
	if len(missing) > 0 {
		c.report(tp, "tls mode %s has no credentialName and no %s", mode, strings.Join(missing, " or "))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// virtualService follows validation.ValidateVirtualService, validateHTTPRoute
// (virtualservice.go), validateTLSRoute, validateTLSMatch, validateSniHost,
// validateTCPRoute, validateHTTPRouteDestinations, validateRouteDestinations,
// validateDestination and validateHTTPRetry.
func (c ml027) virtualService() {
	r := c.pass.Resource
	vs := &r.VirtualService().Spec
	hosts := vs.GetHosts()
	// No hosts makes a delegate, unless spec.hosts is there and did not
	// decode (a string, not a list): that is ML016's, not a delegate.
	delegate := len(hosts) == 0 && !pathUndecoded(r, "spec.hosts")
	toGateway := len(vs.GetGateways()) > 0 && !contains(vs.GetGateways(), "mesh")
	if delegate {
		if len(vs.GetGateways()) > 0 {
			c.report("spec.gateways", "a delegate VirtualService (no hosts) cannot name gateways")
		}
		if len(vs.GetTls()) > 0 {
			c.report("spec.tls", "a delegate VirtualService (no hosts) cannot have tls routes")
		}
		if len(vs.GetTcp()) > 0 {
			c.report("spec.tcp", "a delegate VirtualService (no hosts) cannot have tcp routes")
		}
	}
	allValid := true
	for i, h := range hosts {
		hp := fmt.Sprintf("spec.hosts[%d]", i)
		if toGateway && strings.HasPrefix(h, "outbound_") {
			continue // auto-passthrough SNI names have their own form
		}
		if why := wildcardDomainProblem(h); why != "" {
			if !isIPAddress(h) {
				c.report(hp, "host %q is invalid: %s", h, why)
				allValid = false
			}
		} else if !toGateway && h == "*" {
			c.report(hp, "host * is not allowed in a VirtualService bound to the mesh (sidecars)")
			allValid = false
		}
	}
	if allValid {
		for j := range hosts {
			for i := 0; i < j; i++ {
				if hostsOverlap(hosts[i], hosts[j]) {
					c.report(fmt.Sprintf("spec.hosts[%d]", j), "host %q duplicates host %q of the same VirtualService", hosts[j], hosts[i])
					break
				}
			}
		}
	}
	c.exportTo(vs.GetExportTo(), false)
	if !delegate && len(vs.GetHttp()) == 0 && len(vs.GetTcp()) == 0 && len(vs.GetTls()) == 0 {
		c.report("spec", "the VirtualService has no http, tcp or tls routes")
	}
	for i, h := range vs.GetHttp() {
		c.httpRoute(fmt.Sprintf("spec.http[%d]", i), i, h, delegate)
	}
	for i, t := range vs.GetTls() {
		tp := fmt.Sprintf("spec.tls[%d]", i)
		if t == nil {
			continue
		}
		if len(t.GetMatch()) == 0 {
			c.report(written(r, tp, "match"), "tls route %s has no match; tls routes must match on sniHosts", tp)
		}
		for j, m := range t.GetMatch() {
			mp := fmt.Sprintf("%s.match[%d]", tp, j)
			if m == nil {
				continue
			}
			if len(m.GetSniHosts()) == 0 {
				c.report(written(r, mp, "sniHosts"), "tls match %s has no sniHosts", mp)
			}
			for k, sni := range m.GetSniHosts() {
				c.sniHost(fmt.Sprintf("%s.sniHosts[%d]", mp, k), sni, hosts, toGateway)
			}
		}
		if len(t.GetRoute()) == 0 {
			c.report(written(r, tp, "route"), "tls route %s has no route", tp)
		}
		c.routeDestinations(tp, t.GetRoute())
	}
	for i, t := range vs.GetTcp() {
		tp := fmt.Sprintf("spec.tcp[%d]", i)
		if t == nil {
			continue
		}
		if len(t.GetRoute()) == 0 {
			c.report(written(r, tp, "route"), "tcp route %s has no route", tp)
		}
		c.routeDestinations(tp, t.GetRoute())
	}
}

// hostsOverlap follows host.Name.Matches.
func hostsOverlap(a, b string) bool {
	aw, bw := strings.HasPrefix(a, "*"), strings.HasPrefix(b, "*")
	switch {
	case aw && bw:
		if len(a) < len(b) {
			return strings.HasSuffix(b[1:], a[1:])
		}
		return strings.HasSuffix(a[1:], b[1:])
	case aw:
		return strings.HasSuffix(b, a[1:])
	case bw:
		return strings.HasSuffix(a, b[1:])
	}
	return a == b
}

// hostSubsetOf follows host.Name.SubsetOf.
func hostSubsetOf(n, o string) bool {
	nw, ow := strings.HasPrefix(n, "*"), strings.HasPrefix(o, "*")
	switch {
	case nw:
		return ow && strings.HasSuffix(n[1:], o[1:])
	case ow:
		return strings.HasSuffix(n, o[1:])
	}
	return n == o
}

func (c ml027) sniHost(path, sni string, hosts []string, toGateway bool) {
	if toGateway && strings.HasPrefix(sni, "outbound_") {
		return
	}
	if why := wildcardDomainProblem(sni); why != "" {
		if !isIPAddress(sni) { // an IP is only a warning
			c.report(path, "sniHost %q is invalid: %s", sni, why)
		}
		return
	}
	for _, h := range hosts {
		if hostSubsetOf(sni, h) {
			return
		}
	}
	c.report(path, "sniHost %q is not within the VirtualService's hosts [%s]", sni, strings.Join(hosts, ", "))
}

func (c ml027) httpRoute(hp string, i int, h *networkingapi.HTTPRoute, delegateVS bool) {
	label := lazyLabel{h, i}
	r := c.pass.Resource
	if h == nil {
		return
	}
	switch {
	case h.GetDelegate() != nil && !delegateVS:
		if h.GetRedirect() != nil {
			c.report(hp+".redirect", "http route %s delegates and cannot also redirect", label)
		}
		if h.GetRoute() != nil {
			c.report(hp+".route", "http route %s delegates and cannot also route", label)
		}
	case h.GetRedirect() != nil:
		if len(h.GetRoute()) > 0 {
			c.report(hp+".redirect", "http route %s has both route and redirect", label)
		}
		if h.GetDirectResponse() != nil {
			c.report(hp+".directResponse", "http route %s has both redirect and directResponse", label)
		}
	case h.GetDirectResponse() != nil:
		if len(h.GetRoute()) > 0 {
			c.report(hp+".directResponse", "http route %s has both route and directResponse", label)
		}
	case len(h.GetRoute()) == 0:
		if h.GetDelegate() == nil {
			c.report(written(r, hp, "route"), "http route %s has no route, redirect or directResponse", label)
		}
	}
	if delegateVS && h.GetDelegate() != nil {
		c.report(hp+".delegate", "a delegate VirtualService cannot delegate again")
	}
	if h.GetMirror() != nil && len(h.GetMirrors()) > 0 {
		c.report(hp+".mirrors", "http route %s has both mirror and mirrors", label)
	}
	c.destination(func() string { return hp + ".mirror" }, h.GetMirror())
	for i, m := range h.GetMirrors() {
		c.destination(func() string { return fmt.Sprintf("%s.mirrors[%d].destination", hp, i) }, m.GetDestination())
	}
	c.duration(hp, "timeout", h.GetTimeout())
	if d := h.GetFault().GetDelay(); d != nil {
		c.duration(hp, "fault.delay.fixedDelay", d.GetFixedDelay())
	}
	if f := h.GetFault(); f != nil && f.GetAbort() == nil && f.GetDelay() == nil {
		c.report(hp+".fault", "fault of http route %s has neither abort nor delay", label)
	}
	if rt := h.GetRetries(); rt != nil {
		c.retries(hp+".retries", rt)
	}
	c.httpRouteExtras(hp, h)
	var total int32
	for i, d := range h.GetRoute() {
		dp := func() string { return fmt.Sprintf("%s.route[%d]", hp, i) }
		if d.GetDestination() == nil {
			c.report(dp(), "route destination %s has no destination", dp())
		}
		c.destination(func() string { return dp() + ".destination" }, d.GetDestination())
		if d.GetWeight() < 0 {
			c.report(dp()+".weight", "weight %d is negative", d.GetWeight())
		}
		total += d.GetWeight()
	}
	if len(h.GetRoute()) > 1 && total == 0 && !undecoded(r, hp+".route") {
		c.report(hp+".route", "the weights of the %d destinations of http route %s add up to 0", len(h.GetRoute()), label)
	}
}

func (c ml027) routeDestinations(rp string, ds []*networkingapi.RouteDestination) {
	var total int32
	for i, d := range ds {
		dp := func() string { return fmt.Sprintf("%s.route[%d]", rp, i) }
		if d.GetDestination() == nil {
			c.report(dp(), "route destination %s has no destination", dp())
		}
		c.destination(func() string { return dp() + ".destination" }, d.GetDestination())
		if d.GetWeight() < 0 {
			c.report(dp()+".weight", "weight %d is negative", d.GetWeight())
		}
		total += d.GetWeight()
	}
	if len(ds) > 1 && total == 0 && !undecoded(c.pass.Resource, rp+".route") {
		c.report(rp+".route", "the weights of the %d destinations of %s add up to 0", len(ds), rp)
	}
}

// destination checks a route destination; at returns its path, built only
// for a finding.
func (c ml027) destination(at func() string, d *networkingapi.Destination) {
	if d == nil {
		return
	}
	if h, s, p := d.GetHost(), d.GetSubset(), d.GetPort(); h != "*" && wildcardDomainProblem(h) == "" &&
		(s == "" || isDNS1123Label(s)) && (p == nil || p.GetNumber() >= 1 && p.GetNumber() <= 65535) {
		return
	}
	dp := at()
	h := d.GetHost()
	if h == "*" {
		c.report(written(c.pass.Resource, dp, "host"), "destination host * is not allowed")
	} else if why := wildcardDomainProblem(h); why != "" {
		c.report(written(c.pass.Resource, dp, "host"), "destination host %q is invalid: %s", h, why)
	}
	if s := d.GetSubset(); s != "" && !isDNS1123Label(s) {
		c.report(dp+".subset", "subset name %q is not a DNS label", s)
	}
	if p := d.GetPort(); p != nil && (p.GetNumber() < 1 || p.GetNumber() > 65535) {
		c.report(dp+".port", "destination port %d is outside 1..65535", p.GetNumber())
	}
}

// httpRouteExtras follows validateHTTPRedirect, validateHTTPRewrite,
// validateHTTPDirectResponse, validateHTTPFaultInjection, validateCORSPolicy
// and validateHTTPRouteMatchRequest (virtualservice.go).
func (c ml027) httpRouteExtras(hp string, h *networkingapi.HTTPRoute) {
	if rd := h.GetRedirect(); rd != nil {
		rp := hp + ".redirect"
		switch {
		case rd.GetUri() == "" && rd.GetAuthority() == "" && rd.GetRedirectPort() == nil && rd.GetScheme() == "":
			c.report(rp, "the redirect sets none of uri, authority, scheme or port")
		case rd.GetRedirectCode() != 0 && (rd.GetRedirectCode() < 300 || rd.GetRedirectCode() > 399):
			c.report(rp+".redirectCode", "redirectCode %d is not a 3xx code", rd.GetRedirectCode())
		case rd.GetScheme() != "" && rd.GetScheme() != "http" && rd.GetScheme() != "https":
			c.report(rp+".scheme", "redirect scheme %q is not http or https", rd.GetScheme())
		}
	}
	if rw := h.GetRewrite(); rw != nil {
		switch {
		case rw.GetUri() != "" && rw.GetUriRegexRewrite() != nil:
			c.report(hp+".rewrite", "the rewrite sets both uri and uriRegexRewrite")
		case rw.GetUri() == "" && rw.GetUriRegexRewrite() == nil && rw.GetAuthority() == "":
			c.report(hp+".rewrite", "the rewrite sets none of uri, uriRegexRewrite or authority")
		case rw.GetUriRegexRewrite() != nil && (rw.GetUriRegexRewrite().GetMatch() == "" || rw.GetUriRegexRewrite().GetRewrite() == ""):
			c.report(hp+".rewrite.uriRegexRewrite", "uriRegexRewrite needs both match and rewrite")
		case rw.GetUriRegexRewrite() != nil:
			c.regex(hp+".rewrite.uriRegexRewrite.match", rw.GetUriRegexRewrite().GetMatch())
		}
	}
	if dr := h.GetDirectResponse(); dr != nil && (dr.GetStatus() < 200 || dr.GetStatus() > 600) {
		c.report(hp+".directResponse.status", "directResponse status %d is outside 200..600", dr.GetStatus())
	}
	if a := h.GetFault().GetAbort(); a != nil {
		ap := hp + ".fault.abort"
		if a.GetHttp2Error() != "" {
			c.report(ap+".http2Error", "http2Error abort faults are not supported")
		}
		if st, ok := a.GetErrorType().(*networkingapi.HTTPFaultInjection_Abort_HttpStatus); ok && (st.HttpStatus < 200 || st.HttpStatus > 600) {
			c.report(ap+".httpStatus", "abort httpStatus %d is outside 200..600", st.HttpStatus)
		}
		c.percentage(ap+".percentage", a.GetPercentage())
	}
	if d := h.GetFault().GetDelay(); d != nil {
		c.percentage(hp+".fault.delay.percentage", d.GetPercentage())
	}
	if cors := h.GetCorsPolicy(); cors != nil {
		for i, m := range cors.GetAllowMethods() {
			if !corsMethods[m] {
				c.report(fmt.Sprintf("%s.corsPolicy.allowMethods[%d]", hp, i), "corsPolicy method %q is not one Istio accepts (%s, in upper case)", m, "GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE or *")
			}
		}
		c.duration(hp, "corsPolicy.maxAge", cors.GetMaxAge())
		if ma := cors.GetMaxAge(); ma != nil && ma.GetNanos() > 0 && durationProblem(ma) == "" {
			c.report(hp+".corsPolicy.maxAge", "corsPolicy maxAge %s is not a whole number of seconds", ma.AsDuration())
		}
	}
	for i, m := range h.GetMatch() {
		if m == nil {
			continue
		}
		mp := fmt.Sprintf("%s.match[%d]", hp, i)
		c.stringMatch(mp+".uri", m.GetUri(), true)
		c.stringMatch(mp+".scheme", m.GetScheme(), false)
		c.stringMatch(mp+".method", m.GetMethod(), false)
		c.stringMatch(mp+".authority", m.GetAuthority(), false)
		for _, k := range sortedKeys(m.GetHeaders()) {
			c.stringMatch(mapEntryPath(mp+".headers", k), m.GetHeaders()[k], false)
		}
		for _, k := range sortedKeys(m.GetQueryParams()) {
			c.stringMatch(mapEntryPath(mp+".queryParams", k), m.GetQueryParams()[k], false)
		}
		for _, k := range sortedKeys(m.GetWithoutHeaders()) {
			if sm := m.GetWithoutHeaders()[k]; sm.GetRegex() != "*" {
				c.stringMatch(mapEntryPath(mp+".withoutHeaders", k), sm, false)
			}
		}
		if p := m.GetPort(); p > 65535 {
			c.report(mp+".port", "match port %d is outside 1..65535", p)
		}
	}
}

// corsMethods is validation.supportedCORSMethods.
var corsMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
	"CONNECT": true, "OPTIONS": true, "TRACE": true, "*": true,
}

// stringMatch follows validateStringMatch (allowEmptyPrefix for uri, as
// Envoy allows an empty path prefix).
func (c ml027) stringMatch(path string, sm *networkingapi.StringMatch, allowEmptyPrefix bool) {
	switch mt := sm.GetMatchType().(type) {
	case *networkingapi.StringMatch_Prefix:
		if mt.Prefix == "" && !allowEmptyPrefix {
			c.report(path+".prefix", "the prefix match is empty")
		}
	case *networkingapi.StringMatch_Regex:
		if mt.Regex == "" {
			c.report(path+".regex", "the regex match is empty")
			return
		}
		c.regex(path+".regex", mt.Regex)
	}
}

// regex follows validateStringRegexp: Envoy's RE2, at most 1024 characters.
func (c ml027) regex(path, re string) {
	if len(re) > 1024 {
		c.report(path, "the regex is longer than 1024 characters")
		return
	}
	if _, err := regexp.Compile(re); err != nil {
		c.report(path, "regex %q is not valid RE2 syntax (%v)", re, err)
	}
}

// percentage follows validatePercentage: 0, or 0.0001..100.
func (c ml027) percentage(path string, p *networkingapi.Percent) {
	if p == nil {
		return
	}
	if v := p.GetValue(); v < 0 || v > 100 || (v > 0 && v < 0.0001) {
		c.report(path+".value", "percentage %v is neither 0 nor within 0.0001..100", v)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mapEntryPath is the path of a map entry, as the loader writes it.
func mapEntryPath(parent, key string) string {
	if strings.ContainsAny(key, ".[]") {
		return parent + "[" + key + "]"
	}
	return parent + "." + key
}

// exportTo follows validateExportTo. "." stands for the resource's own
// namespace, which is unknown for a file resource without one: then "."
// and a namespace name are never called duplicates.
func (c ml027) exportTo(list []string, serviceEntry bool) {
	r := c.pass.Resource
	if len(list) == 0 {
		return
	}
	// A resource given without namespace is applied into one of its user's
	// choosing: "." and a namespace name may then be different namespaces.
	ownKnown := !r.DefaultNamespace
	seen := map[string]string{} // key -> the entry that named it
	for i, e := range list {
		ep := fmt.Sprintf("spec.exportTo[%d]", i)
		key := e
		if e == "." && ownKnown {
			key = r.Namespace()
		}
		prev, dup := seen[key]
		switch {
		case dup && prev != e:
			c.report(ep, "exportTo lists both . and the resource's own namespace %s", r.Namespace())
		case dup:
			c.report(ep, "exportTo lists %q twice", e)
		case serviceEntry && e == "~":
			seen[key] = e
		case e == "~":
			c.report(ep, "exportTo ~ (no one) is allowed only in ServiceEntries")
		case e != "." && e != "*" && !isDNS1123Label(e):
			c.report(ep, "exportTo entry %q is not ., * or a namespace name", e)
		default:
			seen[key] = e
		}
	}
	if _, all := seen["*"]; all && len(list) > 1 {
		c.report("spec.exportTo", "exportTo lists * (everyone) together with other entries")
	}
	if _, none := seen["~"]; none && len(list) > 1 {
		c.report("spec.exportTo", "exportTo lists ~ (no one) together with other entries")
	}
}

// lazyLabel names an http route in a message (its name, else its index),
// formatted only when a message is.
type lazyLabel struct {
	route *networkingapi.HTTPRoute
	index int
}

func (l lazyLabel) String() string { return retryRouteLabel(l.route, l.index) }

// supportedRetryOn is validation.supportedRetryOnPolicies.
var supportedRetryOn = map[string]bool{
	"5xx": true, "gateway-error": true, "reset": true, "reset-before-request": true,
	"connect-failure": true, "retriable-4xx": true, "refused-stream": true,
	"retriable-status-codes": true, "retriable-headers": true, "envoy-ratelimited": true,
	"http3-post-connect-failure": true, "cancelled": true, "deadline-exceeded": true,
	"internal": true, "resource-exhausted": true, "unavailable": true,
}

func (c ml027) retries(rp string, rt *networkingapi.HTTPRetry) {
	if rt == nil {
		return
	}
	if rt.GetAttempts() < 0 {
		c.report(rp+".attempts", "retry attempts %d is negative", rt.GetAttempts())
	}
	if rt.GetAttempts() == 0 && (rt.GetPerTryTimeout() != nil || rt.GetRetryOn() != "" || rt.GetRetryRemoteLocalities() != nil) {
		c.report(written(c.pass.Resource, rp, "attempts"), "retries set perTryTimeout, retryOn or retryRemoteLocalities while attempts is 0 or unset (retries disabled)")
	}
	c.duration(rp, "perTryTimeout", rt.GetPerTryTimeout())
	if on := rt.GetRetryOn(); on != "" {
		for _, p := range strings.Split(on, ",") {
			i, _ := strconv.Atoi(p)
			if http.StatusText(i) == "" && !supportedRetryOn[p] {
				if t := strings.TrimSpace(p); t != p && supportedRetryOn[t] {
					c.report(rp+".retryOn", "retryOn entry %q has spaces around %s, which Istio does not trim", p, t)
				} else {
					c.report(rp+".retryOn", "retryOn entry %q is not an Envoy retry policy or an HTTP status", p)
				}
			}
		}
	}
	c.duration(rp, "backoff", rt.GetBackoff())
}

// destinationRule follows validation.ValidateDestinationRule,
// validateTrafficPolicy, validatePortTrafficPolicies, validateConnectionPool,
// validateOutlierDetection, validateSubset and agent.ValidateTLS.
func (c ml027) destinationRule() {
	r := c.pass.Resource
	dr := &r.DestinationRule().Spec
	if h := dr.GetHost(); h == "" {
		c.report(written(r, "spec", "host"), "the DestinationRule has no host")
	} else if why := wildcardDomainProblem(h); why != "" {
		c.report("spec.host", "host %q is invalid: %s", h, why)
	}
	c.trafficPolicy("spec.trafficPolicy", dr.GetTrafficPolicy())
	c.exportTo(dr.GetExportTo(), false)
	names := map[string]int{}
	for i, s := range dr.GetSubsets() {
		sp := fmt.Sprintf("spec.subsets[%d]", i)
		if s == nil {
			continue
		}
		n := s.GetName()
		switch {
		case n == "":
			c.report(written(r, sp, "name"), "subset %s has no name", sp)
		case !isDNS1123Label(n):
			c.report(sp+".name", "subset name %q is not a DNS label", n)
		}
		if first, dup := names[n]; dup {
			c.report(sp+".name", "subset name %q is already used by subsets[%d]", n, first)
		} else {
			names[n] = i
		}
		c.trafficPolicy(sp+".trafficPolicy", s.GetTrafficPolicy())
	}
}

func (c ml027) trafficPolicy(tp string, p *networkingapi.TrafficPolicy) {
	if p == nil {
		return
	}
	if setFields(p.ProtoReflect(), "") == 0 {
		c.report(tp, "trafficPolicy %s is empty", tp)
		return
	}
	if p.GetConnectionPool() != nil {
		c.connectionPool(tp+".connectionPool", p.GetConnectionPool())
	}
	if p.GetOutlierDetection() != nil {
		c.outlier(tp+".outlierDetection", p.GetOutlierDetection())
	}
	if p.GetTls() != nil {
		c.clientTLS(tp+".tls", p.GetTls())
	}
	for i, pl := range p.GetPortLevelSettings() {
		pp := fmt.Sprintf("%s.portLevelSettings[%d]", tp, i)
		if pl == nil {
			continue
		}
		if pl.GetPort() == nil {
			c.report(written(c.pass.Resource, pp, "port"), "port-level setting %s has no port", pp)
		}
		if setFields(pl.ProtoReflect(), "port") == 0 {
			c.report(pp, "port-level setting %s sets nothing", pp)
			continue
		}
		if pl.GetConnectionPool() != nil {
			c.connectionPool(pp+".connectionPool", pl.GetConnectionPool())
		}
		if pl.GetOutlierDetection() != nil {
			c.outlier(pp+".outlierDetection", pl.GetOutlierDetection())
		}
		if pl.GetTls() != nil {
			c.clientTLS(pp+".tls", pl.GetTls())
		}
	}
}

// setFields counts the fields set in m, but for the one named except. A
// policy is empty when it sets nothing, whatever fields newer API versions
// add.
func setFields(m protoreflect.Message, except protoreflect.Name) int {
	n := 0
	m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if fd.Name() != except {
			n++
		}
		return true
	})
	return n
}

func (c ml027) connectionPool(cp string, s *networkingapi.ConnectionPoolSettings) {
	if s == nil {
		return
	}
	if s.GetHttp() == nil && s.GetTcp() == nil {
		c.report(cp, "connectionPool %s sets neither tcp nor http", cp)
		return
	}
	if h := s.GetHttp(); h != nil {
		c.duration(cp, "http.idleTimeout", h.GetIdleTimeout())
	}
	if t := s.GetTcp(); t != nil {
		c.duration(cp, "tcp.connectTimeout", t.GetConnectTimeout())
		c.duration(cp, "tcp.maxConnectionDuration", t.GetMaxConnectionDuration())
		if it := t.GetIdleTimeout(); it != nil && it.AsDuration().Milliseconds() != 0 {
			c.duration(cp, "tcp.idleTimeout", it)
		}
		if ka := t.GetTcpKeepalive(); ka != nil {
			c.duration(cp, "tcp.tcpKeepalive.time", ka.GetTime())
			c.duration(cp, "tcp.tcpKeepalive.interval", ka.GetInterval())
		}
	}
}

func (c ml027) outlier(op string, o *networkingapi.OutlierDetection) {
	if o == nil {
		return
	}
	c.duration(op, "baseEjectionTime", o.GetBaseEjectionTime())
	c.duration(op, "interval", o.GetInterval())
	if !o.GetSplitExternalLocalOriginErrors() && o.GetConsecutiveLocalOriginFailures().GetValue() > 0 {
		c.report(op+".consecutiveLocalOriginFailures", "consecutiveLocalOriginFailures is set but splitExternalLocalOriginErrors is false")
	}
	if v := o.GetMaxEjectionPercent(); v < 0 || v > 100 {
		c.report(op+".maxEjectionPercent", "maxEjectionPercent %d is outside 0..100", v)
	}
	if v := o.GetMinHealthPercent(); v < 0 || v > 100 {
		c.report(op+".minHealthPercent", "minHealthPercent %d is outside 0..100", v)
	}
}

func (c ml027) clientTLS(tp string, t *networkingapi.ClientTLSSettings) {
	if t == nil {
		return
	}
	mode := t.GetMode()
	if mode != networkingapi.ClientTLSSettings_SIMPLE && mode != networkingapi.ClientTLSSettings_MUTUAL {
		return
	}
	if t.GetCredentialName() != "" {
		if t.GetClientCertificate() != "" || t.GetCaCertificates() != "" || t.GetPrivateKey() != "" || t.GetCaCrl() != "" {
			c.report(tp+".credentialName", "tls sets credentialName together with certificate files")
		}
		return
	}
	if mode == networkingapi.ClientTLSSettings_MUTUAL {
		var missing []string
		if t.GetClientCertificate() == "" {
			missing = append(missing, "clientCertificate")
		}
		if t.GetPrivateKey() == "" {
			missing = append(missing, "privateKey")
		}
		if len(missing) > 0 {
			c.report(tp, "tls mode MUTUAL has no credentialName and no %s", strings.Join(missing, " or "))
		}
	}
}

// serviceEntry follows validation.ValidateServiceEntry.
func (c ml027) serviceEntry() {
	r := c.pass.Resource
	se := &r.ServiceEntry().Spec
	if se.GetWorkloadSelector() != nil && se.GetEndpoints() != nil {
		c.report("spec.workloadSelector", "the ServiceEntry has both workloadSelector and endpoints")
	}
	c.exportTo(se.GetExportTo(), true)
	hosts := se.GetHosts()
	if len(hosts) == 0 {
		c.report(written(r, "spec", "hosts"), "the ServiceEntry has no hosts")
	}
	for i, h := range hosts {
		hp := fmt.Sprintf("spec.hosts[%d]", i)
		if h == "*" {
			c.report(hp, "host * is not allowed in a ServiceEntry")
		} else if why := wildcardDomainProblem(h); why != "" {
			c.report(hp, "host %q is invalid: %s", h, why)
		}
	}
	cidr := false
	for i, a := range se.GetAddresses() {
		if strings.Count(a, "/") == 1 {
			cidr = true
			if _, _, err := net.ParseCIDR(a); err != nil {
				c.report(fmt.Sprintf("spec.addresses[%d]", i), "address %q is not a valid CIDR block", a)
			}
		} else if !isIPAddress(a) {
			c.report(fmt.Sprintf("spec.addresses[%d]", i), "address %q is not an IP address or CIDR block", a)
		}
	}
	res := se.GetResolution()
	if cidr && res != networkingapi.ServiceEntry_NONE && res != networkingapi.ServiceEntry_STATIC {
		c.report("spec.resolution", "CIDR addresses need resolution NONE or STATIC, not %s", res)
	}
	names, numbers := map[string]int{}, map[uint32]int{}
	for i, p := range se.GetPorts() {
		pp := fmt.Sprintf("spec.ports[%d]", i)
		if p == nil {
			continue
		}
		if first, dup := names[p.GetName()]; dup && p.GetName() != "" {
			c.report(pp+".name", "port name %q is already used by ports[%d]", p.GetName(), first)
		} else {
			names[p.GetName()] = i
		}
		if first, dup := numbers[p.GetNumber()]; dup {
			c.report(pp+".number", "port %d is already declared by ports[%d]", p.GetNumber(), first)
		} else {
			numbers[p.GetNumber()] = i
		}
		if !isDNS1123Label(p.GetName()) {
			if p.GetName() == "" {
				c.report(written(r, pp, "name"), "port %d has no name", p.GetNumber())
			} else {
				c.report(pp+".name", "port name %q is not a DNS label", p.GetName())
			}
		}
		if pr := p.GetProtocol(); pr != "" && !protocolKnown(pr) {
			c.report(pp+".protocol", "port protocol %q is not one Istio supports (HTTP, HTTPS, GRPC, HTTP2, TLS, TCP, MONGO, REDIS, MYSQL)", pr)
		}
		if n := p.GetNumber(); n < 1 || n > 65535 {
			c.report(written(r, pp, "number"), "port number %d is outside 1..65535", n)
		}
		if t := p.GetTargetPort(); t > 65535 {
			c.report(pp+".targetPort", "targetPort %d is outside 1..65535", t)
		}
	}
	switch res {
	case networkingapi.ServiceEntry_NONE:
		if len(se.GetEndpoints()) > 0 {
			c.report("spec.endpoints", "endpoints are not allowed with resolution NONE")
		}
	case networkingapi.ServiceEntry_DNS, networkingapi.ServiceEntry_DNS_ROUND_ROBIN:
		if len(se.GetEndpoints()) == 0 {
			for i, h := range hosts {
				if h != "*" && wildcardDomainProblem(h) == "" && fqdnProblem(h) != "" {
					c.report(fmt.Sprintf("spec.hosts[%d]", i), "host %q is not a fully qualified name, which resolution %s without endpoints needs", h, res)
				}
			}
		}
		for i, e := range se.GetEndpoints() {
			if a := e.GetAddress(); a != "" && !isIPAddress(a) && !strings.HasPrefix(a, "unix://") && fqdnProblem(a) != "" {
				c.report(fmt.Sprintf("spec.endpoints[%d].address", i), "endpoint address %q is not an IP address or a fully qualified name", a)
			}
		}
	}
	if res != networkingapi.ServiceEntry_NONE && len(hosts) > 1 {
		for i, p := range se.GetPorts() {
			if pr := p.GetProtocol(); !protocolIsHTTP(pr) && !protocolIsTLS(pr) {
				if pr == "" {
					pr = "unset"
				}
				c.report(fmt.Sprintf("spec.ports[%d]", i), "port %d (protocol %s) cannot serve %d hosts with resolution %s: plain TCP cannot tell the hosts apart", p.GetNumber(), pr, len(hosts), res)
				break
			}
		}
	}
}

// peerAuthentication follows validation.ValidatePeerAuthentication.
func (c ml027) peerAuthentication() {
	pa := &c.pass.Resource.PeerAuthentication().Spec
	if len(pa.GetPortLevelMtls()) > 0 && len(pa.GetSelector().GetMatchLabels()) == 0 {
		c.report("spec.portLevelMtls", "portLevelMtls needs a selector: a mesh- or namespace-wide PeerAuthentication cannot set port-level mTLS")
	}
	for port := range pa.GetPortLevelMtls() {
		if port == 0 || port > 65535 {
			c.report(fmt.Sprintf("spec.portLevelMtls.%d", port), "portLevelMtls port %d is outside 1..65535", port)
		}
	}
}

// envoyFilter follows envoyfilter.validateEnvoyFilter.
func (c ml027) envoyFilter() {
	r := c.pass.Resource
	ef := &r.EnvoyFilter().Spec
	for i, cp := range ef.GetConfigPatches() {
		pp := fmt.Sprintf("spec.configPatches[%d]", i)
		if cp == nil {
			continue
		}
		if cp.GetApplyTo() == networkingapi.EnvoyFilter_INVALID {
			c.report(written(r, pp, "applyTo"), "config patch %s has no applyTo", pp)
			continue
		}
		if cp.GetPatch() == nil {
			c.report(pp, "config patch %s has no patch", pp)
			continue
		}
		if cp.GetPatch().GetOperation() == networkingapi.EnvoyFilter_Patch_INVALID {
			c.report(written(r, pp+".patch", "operation"), "config patch %s has no patch operation", pp)
			continue
		}
		if cp.GetPatch().GetOperation() != networkingapi.EnvoyFilter_Patch_REMOVE && cp.GetPatch().GetValue() == nil {
			c.report(written(r, pp+".patch", "value"), "config patch %s has no value for operation %s", pp, cp.GetPatch().GetOperation())
			continue
		}
		if v := cp.GetMatch().GetProxy().GetProxyVersion(); v != "" {
			if _, err := regexp.Compile(v); err != nil {
				c.report(pp+".match.proxy.proxyVersion", "proxyVersion %q is not a valid regular expression", v)
				continue
			}
		}
		switch cp.GetApplyTo() {
		case networkingapi.EnvoyFilter_LISTENER, networkingapi.EnvoyFilter_FILTER_CHAIN,
			networkingapi.EnvoyFilter_NETWORK_FILTER, networkingapi.EnvoyFilter_HTTP_FILTER:
			m := cp.GetMatch()
			if m == nil || m.GetObjectTypes() == nil {
				continue
			}
			if m.GetListener() == nil {
				c.report(pp+".match", "applyTo %s needs a listener match", cp.GetApplyTo())
				continue
			}
			f := m.GetListener().GetFilterChain().GetFilter()
			if f == nil {
				continue
			}
			fp := pp + ".match.listener.filterChain.filter"
			if f.GetName() == "" {
				c.report(fp, "the filter match has no name")
				continue
			}
			if f.GetSubFilter() != nil {
				if cp.GetApplyTo() != networkingapi.EnvoyFilter_HTTP_FILTER {
					c.report(fp+".subFilter", "a subFilter match works only with applyTo HTTP_FILTER, not %s", cp.GetApplyTo())
				} else if f.GetName() != "envoy.filters.network.http_connection_manager" && f.GetName() != "envoy.http_connection_manager" {
					c.report(fp+".name", "a subFilter match needs the filter match envoy.filters.network.http_connection_manager, not %q", f.GetName())
				} else if f.GetSubFilter().GetName() == "" {
					c.report(fp+".subFilter", "the subFilter match has no name")
				}
			}
		case networkingapi.EnvoyFilter_ROUTE_CONFIGURATION, networkingapi.EnvoyFilter_VIRTUAL_HOST, networkingapi.EnvoyFilter_HTTP_ROUTE:
			if m := cp.GetMatch(); m != nil && m.GetObjectTypes() != nil && m.GetRouteConfiguration() == nil {
				c.report(pp+".match", "applyTo %s needs a routeConfiguration match", cp.GetApplyTo())
			}
		case networkingapi.EnvoyFilter_CLUSTER:
			if m := cp.GetMatch(); m != nil && m.GetObjectTypes() != nil && m.GetCluster() == nil {
				c.report(pp+".match", "applyTo CLUSTER needs a cluster match")
			}
		}
	}
}
