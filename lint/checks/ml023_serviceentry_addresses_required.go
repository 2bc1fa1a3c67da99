package checks

import (
	"fmt"
	"strconv"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// ServiceEntryAddressesRequired is ML023 serviceentry-addresses-required: a
// ServiceEntry with a TCP port and no address, so the sidecar listens for
// that port on 0.0.0.0 and every TCP connection to the port goes to it.
var ServiceEntryAddressesRequired = &lint.Check{
	ID:       "ML023",
	Name:     "serviceentry-addresses-required",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindServiceEntry},
	Summary:  "A ServiceEntry with a TCP port has no addresses, so every TCP connection to that port number is sent to it.",
	Doc: `Fires on spec.ports[i] of a ServiceEntry that has no spec.addresses, whose
resolution is not NONE (an unset resolution is NONE), and whose port i has protocol TCP or none, unless IP
auto-allocation gives the entry an address:
  - the ServiceEntry does not opt out (label
    networking.istio.io/enable-autoallocate-ip: "false") and the mesh config's
    defaultConfig.proxyMetadata has ISTIO_META_DNS_CAPTURE
    "true" and ISTIO_META_DNS_AUTO_ALLOCATE (or PILOT_ENABLE_IP_AUTOALLOCATE)
    "true", as istioctl analyze reads it;
  - the ServiceEntry carries the networking.istio.io/enable-autoallocate-ip
    label "true" (Istio 1.25 and later allocate through istiod);
  - the mesh's Istio version is 1.25 or later (mesh.istioVersion in the
    meshlint config file), where istiod allocates by default, and the entry does
    not opt out with that label set to "false";
  - the status already lists allocated addresses (seen in the cluster).
On Istio 1.25 and later set mesh.istioVersion: the webhook sees a new
ServiceEntry before istiod has written the addresses it allocates to its
status, and files carry no status at all.

Quiet when the ServiceEntry has addresses, when resolution is NONE, for ports
with any protocol other than TCP (HTTP, HTTPS, TLS, GRPC, MONGO, ...: they are
matched by host or SNI), and when addresses, resolution or the port's protocol
did not decode (ML016 reports it).

Why: without an address the sidecar cannot tell connections to this host from
connections to any other host on the same port, so it builds a listener on
0.0.0.0:<port> for the entry, and every outbound TCP connection to that port
number from the workload (to a database, another external service) is routed to
this entry's endpoints. (IST0134.)

Choices where the catalog is silent:
  - Hosts with wildcards get no auto-allocated address either, so they are
    reported like the others even when auto-allocation is on.
  - A port without a protocol is sniffed: HTTP on it is still routed by Host,
    so the message says that only the connections that are not HTTP go to the
    entry.
  - Unlike istioctl analyze (IST0134), resolution NONE (also the default when
    resolution is not written) is quiet, as the catalog says: such a listener
    forwards each connection to its original destination, so nothing is sent
    to the wrong endpoints.`,
	Example: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-mysql
  namespace: shop
spec:
  hosts:
  - mysql.example.com
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - number: 3306
    name: tcp
    protocol: TCP
`,
	Remediation: "Add spec.addresses with the service's IPs or a CIDR (or any unused virtual IP), or turn on DNS auto-allocation (ISTIO_META_DNS_CAPTURE and ISTIO_META_DNS_AUTO_ALLOCATE in proxyMetadata, or the networking.istio.io/enable-autoallocate-ip label on Istio 1.25 and later).",
	Run:         runServiceEntryAddressesRequired,
}

// labelAutoallocateIP is the ServiceEntry label that turns istiod's IP
// auto-allocation on or off for one entry.
const labelAutoallocateIP = "networking.istio.io/enable-autoallocate-ip"

func runServiceEntryAddressesRequired(pass *lint.Pass) {
	r := pass.Resource
	se := r.ServiceEntry()
	if len(se.Spec.GetAddresses()) > 0 || se.Spec.GetResolution() == networkingapi.ServiceEntry_NONE ||
		pathUndecoded(r, "spec.addresses") || pathUndecoded(r, "spec.resolution") || pathUndecodedExactly(r, "spec.ports") {
		return
	}
	if len(se.Status.GetAddresses()) > 0 || autoAllocates(pass.Mesh, r, se.Spec.GetHosts()) {
		return
	}
	for i, p := range se.Spec.GetPorts() {
		proto := strings.TrimSpace(p.GetProtocol())
		if proto != "" && !strings.EqualFold(proto, "TCP") {
			continue
		}
		at := fmt.Sprintf("spec.ports[%d]", i)
		if pathUndecoded(r, at+".protocol") || pathUndecodedExactly(r, at) {
			continue
		}
		n, hosts := p.GetNumber(), strings.Join(se.Spec.GetHosts(), ", ")
		if proto == "" {
			// No protocol: the sidecar sniffs, and HTTP is still routed by Host.
			pass.Report(at, "port %d has no protocol and its ServiceEntry no addresses, so the sidecar sniffs 0.0.0.0:%d and sends every connection to port %d that is not HTTP to %s",
				n, n, n, hosts)
			continue
		}
		pass.Report(at, "port %d (TCP) of a ServiceEntry without addresses makes the sidecar listen on 0.0.0.0:%d, so every TCP connection to port %d goes to %s",
			n, n, n, hosts)
	}
}

// autoAllocates reports whether the mesh gives the ServiceEntry an address.
func autoAllocates(m *lint.Mesh, r *lint.Resource, hosts []string) bool {
	for _, h := range hosts {
		if strings.Contains(h, "*") {
			return false // no address is allocated for wildcard hosts
		}
	}
	switch r.Object.GetLabels()[labelAutoallocateIP] {
	case "true":
		return true
	case "false":
		return false // opted out, whatever the mesh does
	}
	md := m.ProxyMetadata
	if md["ISTIO_META_DNS_CAPTURE"] == "true" && (md["ISTIO_META_DNS_AUTO_ALLOCATE"] == "true" || md["PILOT_ENABLE_IP_AUTOALLOCATE"] == "true") {
		return true
	}
	return istioAtLeast(m.IstioVersion, 1, 25)
}

// istioAtLeast reports whether version ("1.25.1") is at least major.minor;
// false when it is unknown.
func istioAtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}
