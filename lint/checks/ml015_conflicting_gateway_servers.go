package checks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// ConflictingGatewayServers is ML015 conflicting-gateway-servers.
var ConflictingGatewayServers = &lint.Check{
	ID:       "ML015",
	Name:     "conflicting-gateway-servers",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindGateway},
	Reads:    []lint.Kind{lint.KindGateway},
	Summary:  "Gateways on the same workload declare the same port with overlapping hosts but different protocols or TLS settings.",
	Doc: `Two Gateways that select the same workload (one's spec.selector is a subset of the other's, in
any namespace) declare a server on the same port number with overlapping hosts, but the servers
cannot share the port: Envoy has one listener per port on the gateway pod, and Istio, merging the
Gateways in creation order, keeps one of the conflicting servers and drops the other. The dropped
server's clients get 404 or a failed TLS handshake, and nothing in the Gateway's status says so.

Fires, on each Gateway of the pair, when the servers have the same port number (and the same bind
address, when set) and overlapping hosts (the host part of ns/host, matched as Istio matches
hosts), and:
- their protocols are of different kinds: plaintext HTTP (HTTP, HTTP2, GRPC, GRPC-WEB), TLS (HTTPS,
  TLS) or plain TCP (TCP, MONGO and the other L4 protocols); or
- they name exactly the same host and differ in protocol (HTTPS against TLS) or in TLS settings
  (mode, credentialName, certificate paths, CA, subjectAltNames, TLS versions, cipher suites; for
  plaintext HTTP servers, httpsRedirect).

Quiet when: the selectors pick different workloads (neither is a subset of the other); the port
numbers or bind addresses differ; the hosts do not overlap; the settings are equal; both servers are
plaintext HTTP with the same httpsRedirect (HTTP and HTTP2 share one listener and route by Host
header), or with different httpsRedirect for different hosts (a redirect for shop.example.com next
to a catch-all "*"); the servers serve
TLS for different but overlapping hosts (*.example.com with one certificate and api.example.com with
another: Envoy picks the most specific SNI match, so both take effect).

Also fires when two such Gateways declare the same HTTPS or TLS server host on the same port with
identical settings: the gateway builds one filter chain per server name, the second Gateway's
server is dropped, and VirtualServices bound only to that Gateway get 404 (IST0145). In files,
only when both are in one file or one rendering (copies in separate files are usually
alternatives).

Choices where the catalog is silent: servers of one and the same Gateway are not compared with each
other; identical plaintext HTTP servers in two Gateways are not reported (their routes merge by
Host header); a server that
conflicts with several Gateways gets one finding, naming the first and counting the others.
Candidates come from a table keyed by port, protocol kind and host. Servers of another protocol kind
with an overlapping host are looked up directly. For the same kind and host, the table counts the
Gateways per exact settings: when all of them share this server's settings (a hundred teams behind
one "*" server, say), none is read; otherwise those Gateways are compared, exactly.`,
	Example: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: shop
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
      credentialName: shop-cert
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: shop-passthrough
  namespace: payments
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: tls
      protocol: TLS
    hosts:
    - shop.example.com
    tls:
      mode: PASSTHROUGH
`,
	Remediation: "Serve the host from one Gateway, or give the conflicting servers different port numbers, hosts or gateway workloads.",
	Tables:      []*lint.Table{GatewayServersByPortHost},
	Run:         runConflictingGatewayServers,
	Affects:     affectsConflictingGatewayServers,
}

// GatewayServersByPortHost files Gateways by their servers, so that a
// lookup returns only the Gateways whose servers may conflict with a given
// one, never every Gateway on a port. For a server on port P, of protocol
// class C (see serverProtocolClass), with host H (namespace part dropped),
// the keys are:
//
//	P|C|<host key>   for each key a HostTable files H under: overlap lookups
//	P|C|~            every server of class C on P: lookups for host "*"
//
// and, for classes whose same-host servers can differ (http, tls):
//
//	P|C|=H           every Gateway with such a server for exactly H
//	P|C|=H#<fp>      those whose server for H has settings fp (see
//	                 serverSettings), counted to learn whether any differ
//	P|C|=H#*         those with servers of several settings for H
var GatewayServersByPortHost = &lint.Table{Name: "gateway-servers-by-port-host", Kind: lint.KindGateway, Keys: func(r *lint.Resource, m *lint.Mesh) []string {
	var keys []string
	add := func(k string) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	// The settings seen per exact key ("P|C|=H"), to tell when one Gateway
	// has several for a host.
	var settings map[string]string
	for _, s := range r.Gateway().Spec.GetServers() {
		class := serverProtocolClass(s.GetPort().GetProtocol())
		prefix := serverKeyPrefix(s.GetPort().GetNumber(), class)
		add(prefix + "~")
		fp := ""
		if class != "tcp" {
			fp = serverSettings(s)
		}
		for _, h := range s.GetHosts() {
			host := ParseServerHost(h, r.Namespace()).Host
			for _, k := range lint.HostFileKeys(host) {
				add(prefix + k)
			}
			if class == "tcp" {
				continue
			}
			exact := prefix + "=" + host
			add(exact)
			add(exact + "#" + fp)
			if prev, ok := settings[exact]; ok && prev != fp {
				add(exact + "#*")
			}
			if settings == nil {
				settings = map[string]string{}
			}
			settings[exact] = fp
		}
	}
	return keys
}}

func serverKeyPrefix(port uint32, class string) string {
	return strconv.FormatUint(uint64(port), 10) + "|" + class + "|"
}

// conflictCandidates returns the Gateways that may hold a server conflicting
// with server s (host host): servers of another protocol class with an
// overlapping host, and servers of the same class with the same host and
// other settings.
func conflictCandidates(v lint.View, s *networkingapi.Server, host string) []*lint.Resource {
	port, class := s.GetPort().GetNumber(), serverProtocolClass(s.GetPort().GetProtocol())
	var out []*lint.Resource
	seen := map[lint.Key]bool{}
	add := func(rs []*lint.Resource) {
		for _, r := range rs {
			if !seen[r.Key()] {
				seen[r.Key()] = true
				out = append(out, r)
			}
		}
	}
	for _, other := range []string{"http", "tls", "tcp"} {
		if other == class {
			continue
		}
		prefix := serverKeyPrefix(port, other)
		if host == "*" {
			add(v.Lookup(GatewayServersByPortHost, prefix+"~"))
			continue
		}
		for _, k := range hostLookupKeys(host) {
			add(v.Lookup(GatewayServersByPortHost, prefix+k))
		}
	}
	// Servers of the same class conflict only for exactly the same host and
	// other settings: read the Gateways with that host only when the counts
	// say that some of them differ.
	if class != "tcp" {
		same := serverKeyPrefix(port, class) + "=" + host
		identical := v.Count(GatewayServersByPortHost, same+"#"+serverSettings(s))
		if v.Count(GatewayServersByPortHost, same) > identical ||
			v.Count(GatewayServersByPortHost, same+"#*") > 0 ||
			class == "tls" && identical > 1 { // an identical TLS server elsewhere is a duplicate
			add(v.Lookup(GatewayServersByPortHost, same))
		}
	}
	lint.SortResources(out)
	return out
}

func runConflictingGatewayServers(pass *lint.Pass) {
	gw := pass.Resource.Gateway()
	if gw == nil {
		return
	}
	self := pass.Resource.Key()
	selector := gw.Spec.GetSelector()
	for i, s := range gw.Spec.GetServers() {
		port := s.GetPort().GetNumber()
		// One finding per server, naming the first conflicting Gateway and
		// counting the others: a server at odds with a thousand Gateways is
		// one thing to fix.
		type conflict struct {
			other    *lint.Resource
			server   *networkingapi.Server
			host, oh string
			field    string
		}
		var first *conflict
		others := map[lint.Key]bool{}
		for _, h := range s.GetHosts() {
			host := ParseServerHost(h, pass.Resource.Namespace()).Host
			for _, other := range conflictCandidates(pass.View, s, host) {
				ok := other.Key()
				if ok == self || others[ok] || other.Gateway() == nil {
					continue
				}
				// conflictIn finds the conflicting server of one variant of
				// the other Gateway.
				conflictIn := func(o *lint.Resource) *conflict {
					if o.Gateway() == nil || !SameWorkload(selector, o.Gateway().Spec.GetSelector()) {
						return nil
					}
					// A server that differs is the conflict to report; a
					// duplicate only when nothing differs.
					var dup *conflict
					for _, os := range o.Gateway().Spec.GetServers() {
						if os.GetPort().GetNumber() != port || os.GetBind() != s.GetBind() {
							continue
						}
						for _, h2 := range os.GetHosts() {
							oh := ParseServerHost(h2, o.Namespace()).Host
							found, field := serversConflict(s, os, host, oh)
							switch {
							case found && field != duplicateServer:
								return &conflict{o, os, host, oh, field}
							case found && dup == nil:
								dup = &conflict{o, os, host, oh, field}
							}
						}
					}
					return dup
				}
				c := conflictIn(other)
				if c == nil || !EveryVariant(pass.View, other, func(o *lint.Resource) bool { return conflictIn(o) != nil }) {
					continue // every variant of the other Gateway in the files must conflict
				}
				if c.field == duplicateServer && !AppliedTogether(pass.View, pass.Resource, other) {
					continue // in files, copies of a server in separate files are usually alternatives
				}
				others[ok] = true
				if first == nil {
					first = c
				}
			}
		}
		if first == nil {
			continue
		}
		if first.field == duplicateServer {
			more := ""
			if n := len(others) - 1; n > 0 {
				more = fmt.Sprintf(" and %d more", n)
			}
			pass.Report(fmt.Sprintf("spec.servers[%d].hosts", i),
				"port %d host %q: gateway %s/%s%s on the same workload declares the same TLS server; the gateway keeps one filter chain per server name, so one of them is dropped and VirtualServices bound only to its Gateway get 404",
				port, first.host, first.other.Namespace(), first.other.Name(), more)
			continue
		}
		here, there := serverDifference(s, first.server)
		if first.oh != first.host {
			there += fmt.Sprintf(" for %q", first.oh)
		}
		more := ""
		if n := len(others) - 1; n > 0 {
			more = fmt.Sprintf(" and %d more", n)
		}
		pass.Report(fmt.Sprintf("spec.servers[%d].%s", i, first.field),
			"port %d host %q: %s here, %s in gateway %s/%s%s; only one takes effect (404 or TLS errors)",
			port, first.host, here, there, first.other.Namespace(), first.other.Name(), more)
	}
}

// serverProtocolClass groups protocols that can share a gateway port.
func serverProtocolClass(p string) string {
	switch strings.ToUpper(p) {
	case "HTTP", "HTTP2", "GRPC", "GRPC-WEB":
		return "http"
	case "HTTPS", "TLS":
		return "tls"
	}
	return "tcp"
}

// serversConflict reports whether servers a and b, on the same port, with
// hosts ha and hb, cannot both take effect, and the field of a to point at.
func serversConflict(a, b *networkingapi.Server, ha, hb string) (bool, string) {
	if !HostsOverlap(ha, hb) {
		return false, ""
	}
	pa, pb := strings.ToUpper(a.GetPort().GetProtocol()), strings.ToUpper(b.GetPort().GetProtocol())
	ca := serverProtocolClass(pa)
	if ca != serverProtocolClass(pb) {
		return true, "port.protocol"
	}
	if ha != hb {
		return false, ""
	}
	switch ca {
	case "tls":
		if pa != pb {
			return true, "port.protocol"
		}
		if !sameServerTLS(a.GetTls(), b.GetTls()) {
			return true, "tls"
		}
		// The same TLS server twice: the gateway builds one filter chain
		// per server name and drops the second (IST0145).
		return true, duplicateServer
	case "http":
		if a.GetTls().GetHttpsRedirect() != b.GetTls().GetHttpsRedirect() {
			return true, "tls.httpsRedirect"
		}
	}
	return false, ""
}

// duplicateServer is what serversConflict returns for two identical TLS
// servers: not a field that differs, the whole server repeated.
const duplicateServer = "hosts"

// serverTLSFields are the TLS settings that shape a gateway filter chain,
// each with its field name and its value as a string (lists quoted, so that
// two lists have one string only when they are equal; tlsCertificates
// counted): sameServerTLS compares them, serverDifference names the first
// that differs, serverSettings sums them up.
var serverTLSFields = []struct {
	name  string
	value func(*networkingapi.ServerTLSSettings) string
}{
	{"mode", func(t *networkingapi.ServerTLSSettings) string { return t.GetMode().String() }},
	{"credentialName", (*networkingapi.ServerTLSSettings).GetCredentialName},
	{"credentialNames", func(t *networkingapi.ServerTLSSettings) string { return quoteList(t.GetCredentialNames()) }},
	{"serverCertificate", (*networkingapi.ServerTLSSettings).GetServerCertificate},
	{"privateKey", (*networkingapi.ServerTLSSettings).GetPrivateKey},
	{"caCertificates", (*networkingapi.ServerTLSSettings).GetCaCertificates},
	{"caCrl", (*networkingapi.ServerTLSSettings).GetCaCrl},
	{"caCertCredentialName", (*networkingapi.ServerTLSSettings).GetCaCertCredentialName},
	{"tlsCertificates", func(t *networkingapi.ServerTLSSettings) string { return strconv.Itoa(len(t.GetTlsCertificates())) }},
	{"subjectAltNames", func(t *networkingapi.ServerTLSSettings) string { return quoteList(t.GetSubjectAltNames()) }},
	{"verifyCertificateSpki", func(t *networkingapi.ServerTLSSettings) string { return quoteList(t.GetVerifyCertificateSpki()) }},
	{"verifyCertificateHash", func(t *networkingapi.ServerTLSSettings) string { return quoteList(t.GetVerifyCertificateHash()) }},
	{"minProtocolVersion", func(t *networkingapi.ServerTLSSettings) string { return t.GetMinProtocolVersion().String() }},
	{"maxProtocolVersion", func(t *networkingapi.ServerTLSSettings) string { return t.GetMaxProtocolVersion().String() }},
	{"cipherSuites", func(t *networkingapi.ServerTLSSettings) string { return quoteList(t.GetCipherSuites()) }},
}

func quoteList(l []string) string {
	if len(l) == 0 {
		return ""
	}
	return fmt.Sprintf("%q", l)
}

// sameServerTLS compares the TLS settings that shape a gateway filter chain.
func sameServerTLS(a, b *networkingapi.ServerTLSSettings) bool {
	for _, f := range serverTLSFields {
		if f.value(a) != f.value(b) {
			return false
		}
	}
	return true
}

// serverDifference names what differs between two conflicting servers,
// briefly: "HTTPS SIMPLE" against "TLS PASSTHROUGH", "credential a-cert"
// against "b-cert".
func serverDifference(a, b *networkingapi.Server) (string, string) {
	pa, pb := strings.ToUpper(a.GetPort().GetProtocol()), strings.ToUpper(b.GetPort().GetProtocol())
	ta, tb := a.GetTls(), b.GetTls()
	withMode := func(p string, t *networkingapi.ServerTLSSettings) string {
		if serverProtocolClass(p) == "tls" && t != nil {
			return p + " " + t.GetMode().String()
		}
		return p
	}
	switch {
	case pa != pb:
		return withMode(pa, ta), withMode(pb, tb)
	case serverProtocolClass(pa) == "http":
		if ta.GetHttpsRedirect() {
			return "httpsRedirect", "no redirect"
		}
		return "no redirect", "httpsRedirect"
	case ta.GetMode() != tb.GetMode():
		return "mode " + ta.GetMode().String(), tb.GetMode().String()
	case ta.GetCredentialName() != tb.GetCredentialName() && ta.GetCredentialName() != "" && tb.GetCredentialName() != "":
		return "credential " + ta.GetCredentialName(), tb.GetCredentialName()
	case ta.GetServerCertificate() != tb.GetServerCertificate() && ta.GetServerCertificate() != "" && tb.GetServerCertificate() != "":
		return "certificate " + ta.GetServerCertificate(), tb.GetServerCertificate()
	case ta.GetMinProtocolVersion() != tb.GetMinProtocolVersion():
		return "minProtocolVersion " + ta.GetMinProtocolVersion().String(), tb.GetMinProtocolVersion().String()
	case ta.GetMaxProtocolVersion() != tb.GetMaxProtocolVersion():
		return "maxProtocolVersion " + ta.GetMaxProtocolVersion().String(), tb.GetMaxProtocolVersion().String()
	}
	// Mode and protocol versions differ in none of the cases above: the
	// first field that differs is another one.
	field := "TLS settings"
	for _, f := range serverTLSFields {
		if f.value(ta) != f.value(tb) {
			field = f.name
			break
		}
	}
	return field, "different " + field
}

// serverSettings sums up the settings that decide whether two servers of
// one class with the same host conflict: for plaintext HTTP the redirect,
// for TLS the protocol and every TLS setting sameServerTLS compares.
func serverSettings(s *networkingapi.Server) string {
	t := s.GetTls()
	if serverProtocolClass(s.GetPort().GetProtocol()) == "http" {
		if t.GetHttpsRedirect() {
			return "redirect"
		}
		return "plain"
	}
	parts := make([]string, 1, 1+len(serverTLSFields))
	parts[0] = strings.ToUpper(s.GetPort().GetProtocol())
	for _, f := range serverTLSFields {
		parts = append(parts, f.value(t))
	}
	return strings.Join(parts, "\x00")
}

// affectsConflictingGatewayServers: the Gateways whose servers may conflict
// with one of the changed Gateway's (conflicts are symmetric).
func affectsConflictingGatewayServers(v lint.View, r *lint.Resource) []*lint.Resource {
	if r.Kind != lint.KindGateway {
		return nil
	}
	var out []*lint.Resource
	for _, s := range r.Gateway().Spec.GetServers() {
		for _, h := range s.GetHosts() {
			out = append(out, conflictCandidates(v, s, ParseServerHost(h, r.Namespace()).Host)...)
		}
	}
	return out
}

// hostLookupKeys returns the keys under which GatewayServersByPortHost
// files the server hosts that match a concrete or wildcard host, whose
// records are filed under lint.HostFileKeys.
func hostLookupKeys(host string) []string {
	keys := []string{host}
	if host == "*" {
		return keys
	}
	// Wildcard records that match host: *.b.c, *.c, *.
	rest := host
	if strings.HasPrefix(rest, "*.") {
		rest = rest[2:]
		// Records more specific than a wildcard query are filed under ~suffix.
		keys = append(keys, "~"+rest)
	}
	for {
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		keys = append(keys, "*."+rest)
	}
	keys = append(keys, "*")
	return keys
}
