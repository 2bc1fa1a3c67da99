package checks

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// SharedGatewayCertificate is ML008 shared-gateway-certificate.
var SharedGatewayCertificate = &lint.Check{
	ID:       "ML008",
	Name:     "shared-gateway-certificate",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindGateway},
	Tables:   []*lint.Table{GatewaysByCertificate},
	Summary:  "Gateways on the same workload serve different hosts with the same certificate.",
	Doc: `Two or more Gateways that select the same gateway workload serve different hosts on HTTPS with
the same certificate (the same credentialName, or the same serverCertificate path). Browsers reuse an
HTTP/2 connection for every host the certificate covers when the hosts resolve to the same address:
after a connection to the first Gateway's host, requests for the second Gateway's host travel on
it, reach the first Gateway's routes, which have no route for that host, and get 404.

Fires on each Gateway of such a group, at the first server that uses the certificate, naming the
other Gateways (up to three). Two Gateways select the same workload when one's spec.selector is a
subset of the other's (equal selectors included), whatever their namespaces.

Quiet when: one Gateway holds all the hosts (the fix: a single Gateway with a wildcard host, to which
every VirtualService binds); the certificates differ; the selectors differ (neither is a subset of
the other); no host of one Gateway shares a registrable domain (by the public suffix list) with a
host of the other, as when per-cluster certificates for *.sjc.example.net and app.example.org are
mounted at the same path: no certificate is valid for both, so no browser reuses a connection.

Choices where the catalog is silent:
- A certificate is shared only on the same port number: browsers reuse a connection for the same
  port only.
- Only HTTPS servers that terminate TLS with their own certificate count (tls.mode SIMPLE, MUTUAL or
  OPTIONAL_MUTUAL); PASSTHROUGH servers present the backend's certificate and ISTIO_MUTUAL the
  mesh's.
- Each name in credentialNames counts as a certificate, like credentialName.
- Gateways with the same set of hosts for the certificate do not fire: that is the same hosts
  declared twice (conflicting-gateway-servers, ML015), not a certificate shared across hosts.
- Gateways are compared through an index by port and certificate, never all pairs.`,
	Example: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw1
  namespace: default
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - service1.test.com
    tls:
      mode: SIMPLE
      credentialName: wildcard-test-com
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw2
  namespace: default
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - service2.test.com
    tls:
      mode: SIMPLE
      credentialName: wildcard-test-com
`,
	Remediation: "Serve all the hosts that share the certificate from one Gateway (a wildcard host such as *.test.com) and bind every VirtualService to it, or give each Gateway its own certificate.",
	Run:         runSharedGatewayCertificate,
	Affects:     affectsSharedGatewayCertificate,
}

// GatewaysByCertificate files Gateways by the certificates their
// TLS-terminating HTTPS servers present, with the port: "443|secret:name"
// for a credentialName, "443|file:/etc/certs/tls.crt" for a
// serverCertificate.
var GatewaysByCertificate = &lint.Table{Name: "gateways-by-certificate", Kind: lint.KindGateway, Keys: func(r *lint.Resource, m *lint.Mesh) []string {
	var keys []string
	for _, s := range r.Gateway().Spec.GetServers() {
		for _, c := range serverCertificates(s) {
			if !slices.Contains(keys, c.key) {
				keys = append(keys, c.key)
			}
		}
	}
	return keys
}}

// serverCert is one certificate a Gateway server presents.
type serverCert struct {
	key   string // table key: port|secret:name or port|file:path
	name  string // as written
	field string // path relative to the server: tls.credentialName, ...
}

func serverCertificates(s *networkingapi.Server) []serverCert {
	if !strings.EqualFold(s.GetPort().GetProtocol(), "HTTPS") {
		return nil
	}
	tls := s.GetTls()
	switch tls.GetMode() {
	case networkingapi.ServerTLSSettings_SIMPLE, networkingapi.ServerTLSSettings_MUTUAL, networkingapi.ServerTLSSettings_OPTIONAL_MUTUAL:
	default:
		return nil
	}
	port := fmt.Sprint(s.GetPort().GetNumber())
	var out []serverCert
	if n := tls.GetCredentialName(); n != "" {
		out = append(out, serverCert{port + "|secret:" + n, n, "tls.credentialName"})
	}
	for i, n := range tls.GetCredentialNames() {
		if n != "" {
			out = append(out, serverCert{port + "|secret:" + n, n, fmt.Sprintf("tls.credentialNames[%d]", i)})
		}
	}
	if f := tls.GetServerCertificate(); f != "" {
		out = append(out, serverCert{port + "|file:" + f, f, "tls.serverCertificate"})
	}
	return out
}

// certHosts returns the sorted host parts of the servers of gw that present
// the certificate key, and the path of the first such certificate field.
func certHosts(gw *lint.Resource, key string) (hosts []string, path string) {
	for i, s := range gw.Gateway().Spec.GetServers() {
		for _, c := range serverCertificates(s) {
			if c.key != key {
				continue
			}
			if path == "" {
				path = fmt.Sprintf("spec.servers[%d].%s", i, c.field)
			}
			for _, h := range s.GetHosts() {
				h = ParseServerHost(h, gw.Namespace()).Host
				if !slices.Contains(hosts, h) {
					hosts = append(hosts, h)
				}
			}
		}
	}
	slices.Sort(hosts)
	return hosts, path
}

func runSharedGatewayCertificate(pass *lint.Pass) {
	gw := pass.Resource.Gateway()
	if gw == nil {
		return
	}
	sel := gw.Spec.GetSelector()
	done := map[string]bool{}
	for _, s := range gw.Spec.GetServers() {
		for _, c := range serverCertificates(s) {
			if done[c.key] {
				continue
			}
			done[c.key] = true
			mine, path := certHosts(pass.Resource, c.key)
			var others []string
			seen := map[lint.Key]bool{}
			for _, o := range pass.View.Lookup(GatewaysByCertificate, c.key) {
				if o.Key() == pass.Resource.Key() || seen[o.Key()] {
					continue
				}
				seen[o.Key()] = true
				// Every variant of the other Gateway in the files must share
				// the certificate for other hosts.
				if EveryVariant(pass.View, o, func(o *lint.Resource) bool {
					theirs, _ := certHosts(o, c.key)
					return SameWorkload(sel, o.Gateway().Spec.GetSelector()) && len(theirs) > 0 && !slices.Equal(mine, theirs) && oneCertificateCovers(mine, theirs)
				}) {
					others = append(others, o.Namespace()+"/"+o.Name())
				}
			}
			if len(others) == 0 {
				continue
			}
			what := "credentialName"
			if strings.HasSuffix(path, "serverCertificate") {
				what = "serverCertificate"
			}
			port := strings.SplitN(c.key, "|", 2)[0]
			pass.Report(path, "%s %q on port %s is shared with %s %s (other hosts, same workload): browsers reusing HTTP/2 connections get 404",
				what, c.name, port, gatewaysWord(len(others)), listRefs(others, 3))
		}
	}
}

// oneCertificateCovers reports whether one certificate can plausibly be
// valid for a host of each list: two hosts under one registrable domain
// (a.example.com and b.example.com; the public suffix list decides what is
// registrable), or a host that is not a public DNS name (a bare name, *).
// A certificate is not valid for app.sjc.example.net and app.example.org
// at once, so browsers never reuse one connection for both: two Gateways
// that mount per-cluster certificates at one path are not sharing one.
func oneCertificateCovers(mine, theirs []string) bool {
	for _, a := range mine {
		da, okA := registrableDomain(a)
		for _, b := range theirs {
			db, okB := registrableDomain(b)
			if !okA || !okB || da == db {
				return true
			}
		}
	}
	return false
}

// registrableDomain returns the public suffix plus one label of a host
// (example.com for *.shop.example.com), false when it has none.
func registrableDomain(host string) (string, bool) {
	h := strings.TrimPrefix(strings.ToLower(host), "*.")
	if h == "*" || !strings.Contains(h, ".") {
		return "", false
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(h)
	return d, err == nil
}

func gatewaysWord(n int) string {
	if n == 1 {
		return "gateway"
	}
	return "gateways"
}

// affectsSharedGatewayCertificate: the Gateways presenting one of the
// changed Gateway's certificates.
func affectsSharedGatewayCertificate(v lint.View, r *lint.Resource) []*lint.Resource {
	if r.Kind != lint.KindGateway {
		return nil
	}
	var out []*lint.Resource
	for _, key := range GatewaysByCertificate.Keys(r, v.Mesh()) {
		out = append(out, v.Lookup(GatewaysByCertificate, key)...)
	}
	return out
}
