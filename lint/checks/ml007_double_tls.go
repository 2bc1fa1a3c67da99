package checks

import (
	"fmt"
	"slices"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// DoubleTLS is ML007 double-tls.
var DoubleTLS = &lint.Check{
	ID:       "ML007",
	Name:     "double-tls",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindDestinationRule},
	Reads:    []lint.Kind{lint.KindServiceEntry, lint.KindVirtualService, lint.KindGatewayAPIRoute},
	Tables:   []*lint.Table{ServiceEntriesByHost, VirtualServicesByHTTPDestination, HTTPRoutesByBackend, DestinationRulesByHost},
	Summary:  "A DestinationRule originates TLS to a port where the application already speaks TLS.",
	Doc: `A DestinationRule originates TLS (tls.mode SIMPLE or MUTUAL) to a host and port that a
ServiceEntry declares with protocol HTTPS or TLS. That protocol means the application itself already
speaks TLS on the port, so the sidecar wraps the application's TLS in its own: the client sees
"wrong version number" (curl: (35) ... ssl3_get_record:wrong version number).

Fires when the mode applies to a port that a ServiceEntry with a host matching the DestinationRule's
host declares HTTPS or TLS. The mode applies to a port when it is set in the port-level setting for
that port number, or at the top level and no port-level setting names that port (a port-level
setting replaces the top-level policy for its port and does not inherit its tls). Subsets are
checked the same way where they set their own tls (at their top level or for the port); a subset
that sets nothing inherits the DestinationRule's policy, which is reported once, at the top level.
The finding points at the tls.mode that applies, and lists every affected port.

Quiet when: the ServiceEntry declares HTTP for that port (the application sends plaintext and the
sidecar originates TLS: the correct setup); an http route of a VirtualService sends requests to that
host and port (spec.http[*].route[*].destination with port.number set): the proxy forwards them as
plaintext HTTP, so the origination is what they need (the mesh's TLS origination through an egress
gateway, where sidecars send http:// to the gateway and its http route goes on to port 443), and so
does a Kubernetes Gateway API HTTPRoute or GRPCRoute whose backendRef names that host (a Service, or
kind Hostname for a ServiceEntry host) and port; the mode is DISABLE or ISTIO_MUTUAL; a port-level setting for the port overrides the top-level mode
(with DISABLE, or without tls); no ServiceEntry for the host is visible.

Choices where the catalog is silent: hosts match as Istio matches them, wildcards included
(a DestinationRule for *.example.com covers a ServiceEntry for api.example.com); the ServiceEntry
may be in any namespace (exportTo is not evaluated); when the files define the ServiceEntry several
times, every variant must declare the port HTTPS or TLS.`,
	Example: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin.org
  ports:
  - number: 443
    name: https
    protocol: HTTPS
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: originate-tls
spec:
  host: httpbin.org
  trafficPolicy:
    tls:
      mode: SIMPLE
`,
	Remediation: "Declare the ServiceEntry port as protocol HTTP so that the application sends plaintext for the sidecar to encrypt (a port 80 with targetPort 443 keeps plain http:// URLs working), or drop the DestinationRule's TLS origination.",
	Run:         runDoubleTLS,
	Affects:     affectsDoubleTLS,
}

// tlsPort is a ServiceEntry port that already carries the application's TLS.
type tlsPort struct {
	number   uint32
	protocol string
	se       *lint.Resource
}

func runDoubleTLS(pass *lint.Pass) {
	dr := pass.Resource.DestinationRule()
	if dr == nil || dr.Spec.GetHost() == "" {
		return
	}
	host := ExpandHost(dr.Spec.GetHost(), pass.Resource.Namespace(), pass.Mesh.DomainSuffix)
	var ports []tlsPort
	seen := map[uint32]bool{}
	for _, se := range lint.LookupHost(pass.View, ServiceEntriesByHost, host) {
		for _, p := range se.ServiceEntry().Spec.GetPorts() {
			proto := strings.ToUpper(p.GetProtocol())
			if (proto == "HTTPS" || proto == "TLS") && !seen[p.GetNumber()] && EveryVariant(pass.View, se, func(v *lint.Resource) bool { return declaresTLSPort(v, p.GetNumber()) }) {
				seen[p.GetNumber()] = true
				ports = append(ports, tlsPort{p.GetNumber(), proto, se})
			}
		}
	}
	ports = slices.DeleteFunc(ports, func(p tlsPort) bool {
		return httpRouteSendsPlaintext(pass, host, p)
	})
	if len(ports) == 0 {
		return
	}
	slices.SortFunc(ports, func(a, b tlsPort) int { return int(a.number) - int(b.number) })

	// A finding per tls.mode field, listing the ports it wrongly applies to.
	type hit struct {
		mode  networkingapi.ClientTLSSettings_TLSmode
		ports []tlsPort
	}
	hits := map[string]*hit{}
	var paths []string
	check := func(tp *networkingapi.TrafficPolicy, prefix string, p tlsPort) {
		path, mode := policyTLSForPort(tp, prefix, p.number)
		if path == "" || !originatesTLS(mode) {
			return
		}
		h := hits[path]
		if h == nil {
			h = &hit{mode: mode}
			hits[path] = h
			paths = append(paths, path)
		}
		h.ports = append(h.ports, p)
	}
	for _, p := range ports {
		check(dr.Spec.GetTrafficPolicy(), "spec.trafficPolicy", p)
		// A subset that sets no tls for the port inherits the top level,
		// reported there.
		for i, ss := range dr.Spec.GetSubsets() {
			check(ss.GetTrafficPolicy(), fmt.Sprintf("spec.subsets[%d].trafficPolicy", i), p)
		}
	}
	for _, path := range paths {
		h := hits[path]
		nums := make([]string, len(h.ports))
		var protos []string
		for i, p := range h.ports {
			nums[i] = fmt.Sprint(p.number)
			if !slices.Contains(protos, p.protocol) {
				protos = append(protos, p.protocol)
			}
		}
		portWord := "port"
		if len(nums) > 1 {
			portWord = "ports"
		}
		first := h.ports[0]
		pass.Report(path, "mode %s encrypts again what ServiceEntry %s/%s declares %s on %s %s: requests fail with \"wrong version number\"",
			h.mode, first.se.Namespace(), first.se.Name(), strings.Join(protos, "/"), portWord, strings.Join(nums, ", "))
	}
}

// declaresTLSPort reports whether ServiceEntry se declares port number as
// HTTPS or TLS.
func declaresTLSPort(se *lint.Resource, number uint32) bool {
	for _, p := range se.ServiceEntry().Spec.GetPorts() {
		if proto := strings.ToUpper(p.GetProtocol()); p.GetNumber() == number && (proto == "HTTPS" || proto == "TLS") {
			return true
		}
	}
	return false
}

// VirtualServicesByHTTPDestination files VirtualServices by the expanded
// hosts of their http route destinations.
var VirtualServicesByHTTPDestination = lint.HostTable("virtualservices-by-http-destination", lint.KindVirtualService, func(r *lint.Resource, m *lint.Mesh) []string {
	var out []string
	for _, h := range r.VirtualService().Spec.GetHttp() {
		for _, rd := range h.GetRoute() {
			if d := rd.GetDestination().GetHost(); d != "" {
				if e := ExpandHost(d, r.Namespace(), m.DomainSuffix); !slices.Contains(out, e) {
					out = append(out, e)
				}
			}
		}
	}
	return out
})

// httpRouteSendsPlaintext reports whether an http route of some
// VirtualService sends requests to port p of a host that both the
// DestinationRule host drHost and p's ServiceEntry cover: the proxy forwards
// them as plaintext HTTP, so originating TLS on that port is right.
func httpRouteSendsPlaintext(pass *lint.Pass, drHost string, p tlsPort) bool {
	suffix := pass.Mesh.DomainSuffix
	seCovers := func(dest string) bool {
		for _, seh := range p.se.ServiceEntry().Spec.GetHosts() {
			if HostCovers(ExpandHost(seh, p.se.Namespace(), suffix), dest) {
				return true
			}
		}
		return false
	}
	// A Gateway API HTTPRoute to the port is plaintext HTTP too.
	for _, r := range lint.LookupHost(pass.View, HTTPRoutesByBackend, drHost) {
		for _, b := range r.GatewayAPI().Backends {
			if dest := b.Host(suffix); b.Port == p.number && HostCovers(drHost, dest) && seCovers(dest) {
				return true
			}
		}
	}
	for _, r := range lint.LookupHost(pass.View, VirtualServicesByHTTPDestination, drHost) {
		for _, h := range r.VirtualService().Spec.GetHttp() {
			for _, rd := range h.GetRoute() {
				d := rd.GetDestination()
				if d.GetPort().GetNumber() != p.number {
					continue
				}
				dest := ExpandHost(d.GetHost(), r.Namespace(), suffix)
				if !HostCovers(drHost, dest) {
					continue
				}
				for _, seh := range p.se.ServiceEntry().Spec.GetHosts() {
					if HostCovers(ExpandHost(seh, p.se.Namespace(), suffix), dest) {
						return true
					}
				}
			}
		}
	}
	return false
}

// policyTLSForPort returns the path of the tls.mode that a traffic policy
// applies to port, and the mode: the port-level setting for that port
// number if there is one (even without tls: port-level settings do not
// inherit), else the policy's own tls. path is "" when the policy sets no
// tls for the port.
func policyTLSForPort(tp *networkingapi.TrafficPolicy, prefix string, port uint32) (string, networkingapi.ClientTLSSettings_TLSmode) {
	for i, pl := range tp.GetPortLevelSettings() {
		if pl.GetPort().GetNumber() == port {
			if pl.GetTls() == nil {
				return "", networkingapi.ClientTLSSettings_DISABLE
			}
			return fmt.Sprintf("%s.portLevelSettings[%d].tls.mode", prefix, i), pl.GetTls().GetMode()
		}
	}
	if tp.GetTls() == nil {
		return "", networkingapi.ClientTLSSettings_DISABLE
	}
	return prefix + ".tls.mode", tp.GetTls().GetMode()
}

// affectsDoubleTLS: the DestinationRules for a ServiceEntry's hosts, and
// for the hosts an http route or HTTPRoute sends plaintext to.
func affectsDoubleTLS(v lint.View, r *lint.Resource) []*lint.Resource {
	m := v.Mesh()
	var hosts []string
	switch r.Kind {
	case lint.KindServiceEntry:
		hosts = hostsOf(r.ServiceEntry().Spec.GetHosts(), r.Namespace(), m)
	case lint.KindVirtualService:
		hosts = VirtualServicesByHTTPDestination.Keys(r, m)
	case lint.KindGatewayAPIRoute:
		for _, b := range r.GatewayAPI().Backends {
			hosts = append(hosts, b.Host(m.DomainSuffix))
		}
	}
	return lookupHosts(v, DestinationRulesByHost, hosts)
}
