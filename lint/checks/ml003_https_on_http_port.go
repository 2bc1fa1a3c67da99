package checks

import (
	"fmt"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// HTTPSOnHTTPPort is ML003 https-on-http-port: a port that carries TLS (443,
// or a port listed in the config's tlsPorts) declared as plain HTTP. The
// sidecar or gateway parses the encrypted bytes as HTTP and fails.
var HTTPSOnHTTPPort = &lint.Check{
	ID:       "ML003",
	Name:     "https-on-http-port",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindServiceEntry, lint.KindService, lint.KindGateway},
	Reads:    []lint.Kind{lint.KindDestinationRule, lint.KindVirtualService},
	Tables:   []*lint.Table{DestinationRulesByHost, VirtualServicesByHost, ServiceEntriesByHost, ServicesByHost, GatewaysByServerHost},
	Summary:  "A port that carries TLS (443 or a configured tlsPort) is declared as plain HTTP.",
	Doc: `A TLS port is 443, plus every number in the config's tlsPorts. Fires on:
  - a ServiceEntry port with a TLS port number and protocol HTTP, HTTP2 or GRPC
    (spec.ports[i].protocol);
  - a Service port with a TLS port number whose appProtocol is http, http2 or grpc
    (spec.ports[i].appProtocol), or, when appProtocol is not set, whose name is
    http, http2 or grpc or starts with http-, http2- or grpc- (spec.ports[i].name);
  - a Gateway server with a TLS port number and protocol HTTP
    (spec.servers[i].port.protocol).

Quiet when a DestinationRule for the same host originates TLS (mode SIMPLE or
MUTUAL) on that port or at the top level: that is the documented setup in which
the application deliberately sends plaintext to 443 and the sidecar encrypts it.

Why: the proxy parses the encrypted bytes as HTTP and fails. The client sees
"wrong version number" from its TLS library, the access log 400 DPE.

Choices where the catalog is silent:
  - Protocol names are compared case-insensitively, as Istio does.
  - A Service port's appProtocol wins over its name, as in Istio: a port named
    http-web with appProtocol: https is HTTPS and stays quiet.
  - The DestinationRule's port-level setting for the port decides when it has a
    tls block; otherwise its top-level tls does.
  - For a ServiceEntry, each host must have such a DestinationRule; the finding
    names the first that has none. For a Gateway server, each of its hosts must;
    a "*" host is covered by any DestinationRule originating TLS on that port.
  - A ServiceEntry port that is not a TLS port but whose targetPort is (number:
    80, protocol: HTTP, targetPort: 443) sends the application's plaintext to
    the endpoint's TLS port: the server answers 400 "plain HTTP request sent to
    HTTPS port". It fires at targetPort only for a ServiceEntry that stands
    alone: quiet when a DestinationRule for the host originates TLS on any port
    (the mesh's TLS-origination tasks), when a VirtualService for the host
    exists (it may send the port elsewhere, as egress-gateway setups do), and
    for resolution NONE, where the original destination port is used.`,
	Example: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin.org
  ports:
  - number: 443
    name: http
    protocol: HTTP
  resolution: DNS
`,
	Remediation: "Declare the port as HTTPS (or TLS), or originate TLS with a DestinationRule (tls.mode: SIMPLE) if the application deliberately sends plaintext to it.",
	Run:         runHTTPSOnHTTPPort,
	Affects:     affectsHTTPSOnHTTPPort,
}

const wrongVersionConsequence = `clients get "wrong version number", the access log shows 400 DPE`

func runHTTPSOnHTTPPort(pass *lint.Pass) {
	switch pass.Resource.Kind {
	case lint.KindServiceEntry:
		httpsOnHTTPPortServiceEntry(pass)
	case lint.KindService:
		httpsOnHTTPPortService(pass)
	case lint.KindGateway:
		httpsOnHTTPPortGateway(pass)
	}
}

func httpsOnHTTPPortServiceEntry(pass *lint.Pass) {
	r := pass.Resource
	se := r.ServiceEntry()
	for i, p := range se.Spec.GetPorts() {
		switch strings.ToUpper(strings.TrimSpace(p.GetProtocol())) {
		case "HTTP", "HTTP2", "GRPC":
		default:
			continue
		}
		// The port itself carries TLS, or it forwards to a TLS targetPort.
		viaTarget := false
		switch t := p.GetTargetPort(); {
		case pass.Mesh.IsTLSPort(p.GetNumber()):
		case t != 0 && pass.Mesh.IsTLSPort(t) && se.Spec.GetResolution() != networkingapi.ServiceEntry_NONE:
			viaTarget = true
		default:
			continue
		}
		for _, h := range se.Spec.GetHosts() {
			host := ExpandHost(h, r.Namespace(), pass.Mesh.DomainSuffix)
			if tlsOriginatedFor(pass.View, host, p.GetNumber()) {
				continue
			}
			if !viaTarget {
				pass.Report(fmt.Sprintf("spec.ports[%d].protocol", i),
					"port %d of %q is declared %s but carries TLS: %s", p.GetNumber(), h, p.GetProtocol(), wrongVersionConsequence)
				break
			}
			// Only a ServiceEntry that stands alone: see the Doc.
			if tlsOriginatedOnAnyPort(pass.View, host) || len(lint.LookupHost(pass.View, VirtualServicesByHost, host)) > 0 {
				continue
			}
			pass.Report(fmt.Sprintf("spec.ports[%d].targetPort", i),
				"port %d of %q is declared %s and forwards to targetPort %d, which carries TLS: the application's plaintext reaches a TLS port (400 plain HTTP request sent to HTTPS port)",
				p.GetNumber(), h, p.GetProtocol(), p.GetTargetPort())
			break
		}
	}
}

func httpsOnHTTPPortService(pass *lint.Pass) {
	r := pass.Resource
	svc := r.Service()
	host := lint.ServiceHost(r.Name(), r.Namespace(), pass.Mesh.DomainSuffix)
	for i, p := range svc.Spec.Ports {
		if p.Port <= 0 || !pass.Mesh.IsTLSPort(uint32(p.Port)) {
			continue
		}
		var path, by string
		if p.AppProtocol != nil && *p.AppProtocol != "" {
			switch strings.ToLower(*p.AppProtocol) {
			case "http", "http2", "grpc":
				path, by = fmt.Sprintf("spec.ports[%d].appProtocol", i), fmt.Sprintf("appProtocol %q", *p.AppProtocol)
			}
		} else if httpPortName(p.Name) {
			path, by = fmt.Sprintf("spec.ports[%d].name", i), fmt.Sprintf("name %q", p.Name)
		}
		if path == "" || tlsOriginatedFor(pass.View, host, uint32(p.Port)) {
			continue
		}
		pass.Report(path, "port %d of service %q is HTTP by its %s but carries TLS: %s", p.Port, r.Name(), by, wrongVersionConsequence)
	}
}

// httpPortName reports whether a Service port name declares HTTP, HTTP2 or
// gRPC by Istio's naming convention.
func httpPortName(name string) bool {
	name = strings.ToLower(name)
	switch name {
	case "http", "http2", "grpc":
		return true
	}
	for _, p := range []string{"http-", "http2-", "grpc-"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func httpsOnHTTPPortGateway(pass *lint.Pass) {
	r := pass.Resource
	gw := r.Gateway()
	for i, srv := range gw.Spec.GetServers() {
		port := srv.GetPort().GetNumber()
		if !pass.Mesh.IsTLSPort(port) || !strings.EqualFold(strings.TrimSpace(srv.GetPort().GetProtocol()), "HTTP") {
			continue
		}
		covered := len(srv.GetHosts()) > 0
		for _, h := range srv.GetHosts() {
			sh := ParseServerHost(h, r.Namespace())
			if !tlsOriginatedFor(pass.View, ExpandHost(sh.Host, r.Namespace(), pass.Mesh.DomainSuffix), port) {
				covered = false
				break
			}
		}
		if covered {
			continue
		}
		pass.Report(fmt.Sprintf("spec.servers[%d].port.protocol", i),
			"server port %d is declared HTTP but carries TLS: %s", port, wrongVersionConsequence)
	}
}

// tlsOriginatedOnAnyPort reports whether a DestinationRule for host
// originates TLS at its top level or on any port.
func tlsOriginatedOnAnyPort(v lint.View, host string) bool {
	for _, dr := range lint.LookupHost(v, DestinationRulesByHost, host) {
		tp := dr.DestinationRule().Spec.GetTrafficPolicy()
		if originatesTLS(tp.GetTls().GetMode()) {
			return true
		}
		for _, pl := range tp.GetPortLevelSettings() {
			if originatesTLS(pl.GetTls().GetMode()) {
				return true
			}
		}
	}
	return false
}

// tlsOriginatedFor reports whether a DestinationRule for host originates TLS
// (SIMPLE or MUTUAL) on port: its port-level setting for the port when that
// has a tls block, else its top-level tls.
func tlsOriginatedFor(v lint.View, host string, port uint32) bool {
	for _, dr := range lint.LookupHost(v, DestinationRulesByHost, host) {
		tp := dr.DestinationRule().Spec.GetTrafficPolicy()
		tls := tp.GetTls()
		for _, pl := range tp.GetPortLevelSettings() {
			if pl.GetPort().GetNumber() == port && pl.GetTls() != nil {
				tls = pl.GetTls()
				break
			}
		}
		if originatesTLS(tls.GetMode()) {
			return true
		}
	}
	return false
}

// GatewaysByServerHost files Gateways by the expanded hosts of their servers.
var GatewaysByServerHost = lint.HostTable("gateways-by-server-host", lint.KindGateway, func(r *lint.Resource, m *lint.Mesh) []string {
	var out []string
	for _, s := range r.Gateway().Spec.GetServers() {
		for _, h := range s.GetHosts() {
			out = append(out, ExpandHost(ParseServerHost(h, r.Namespace()).Host, r.Namespace(), m.DomainSuffix))
		}
	}
	return out
})

// affectsHTTPSOnHTTPPort: a DestinationRule's TLS origination, or a
// VirtualService for the host, quiets the ports of the ServiceEntries,
// Services and Gateway servers for its host.
func affectsHTTPSOnHTTPPort(v lint.View, r *lint.Resource) []*lint.Resource {
	m := v.Mesh()
	var hosts []string
	switch r.Kind {
	case lint.KindDestinationRule:
		if h := r.DestinationRule().Spec.GetHost(); h != "" {
			hosts = []string{ExpandHost(h, r.Namespace(), m.DomainSuffix)}
		}
	case lint.KindVirtualService:
		hosts = hostsOf(r.VirtualService().Spec.GetHosts(), r.Namespace(), m)
	}
	out := lookupHosts(v, ServiceEntriesByHost, hosts)
	if r.Kind == lint.KindDestinationRule {
		out = append(out, lookupHosts(v, ServicesByHost, hosts)...)
		out = append(out, lookupHosts(v, GatewaysByServerHost, hosts)...)
	}
	return out
}
