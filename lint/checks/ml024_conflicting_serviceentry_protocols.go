package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// ConflictingServiceEntryProtocols is ML024
// conflicting-serviceentry-protocols: two ServiceEntries give one host and
// port number different protocols.
var ConflictingServiceEntryProtocols = &lint.Check{
	ID:       "ML024",
	Name:     "conflicting-serviceentry-protocols",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindServiceEntry},
	Summary:  "Two ServiceEntries declare the same host and port number with different protocols; only one protocol is used.",
	Doc: `Fires on spec.ports[i] of a ServiceEntry when another ServiceEntry (another kind/namespace/name)
declares one of its hosts exactly (a short name is completed with its namespace, as Istio does) with
a port of the same number and a different protocol (compared case-insensitively; an unset protocol,
which Istio sniffs, differs from every written one), and the two are visible to a common client
namespace, as istioctl analyze (IST0177) scopes them: both exported to every namespace (no exportTo,
or * listed), both exported to one same namespace ("." standing for their own), or one exported to
every namespace and the other to any. Istio builds one service port for the host and port from
one of them, so the listener speaks one protocol: clients of the other protocol fail (HTTP parsed as
TLS, TLS parsed as HTTP: connection resets and 400 or 503 errors).

In files, only resources of one file, or of one rendering (a chart with its values, a kustomize
build, applied at once), are compared: separate files of a repository are often alternatives
(tutorial steps, a canary and its rollback, per-cluster copies) applied one at a time, and a
conflict between them is not one the repository has. With the whole cluster visible (webhook,
--cluster) every pair is.

Quiet when: the protocols are equal; the ports or hosts differ (wildcards are not matched against
names, as IST0177 compares exact hosts); exportTo keeps the two apart (exportTo ["."] in different
namespaces; exportTo ["~"]); the two are variants of one ServiceEntry in the files; hosts, ports or
exportTo did not decode. A finding resting on the other ServiceEntry holds for every variant of it
in the files.

Choices where the catalog is silent: one finding per port, naming the first conflicting
ServiceEntry and counting the others.`,
	Example: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: payments-api
  namespace: shop
spec:
  hosts:
  - api.payments.example.com
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - number: 8443
    name: https
    protocol: HTTPS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: payments-api-legacy
  namespace: billing
spec:
  hosts:
  - api.payments.example.com
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - number: 8443
    name: http
    protocol: HTTP
`,
	Remediation: "Declare each host and port in one ServiceEntry with one protocol, or keep the entries apart with exportTo.",
	Tables:      []*lint.Table{ServiceEntriesByHost},
	Run:         runConflictingServiceEntryProtocols,
	Affects:     affectsConflictingServiceEntryProtocols,
}

// seUndecoded reports whether a field ML024 reads did not decode.
func seUndecoded(r *lint.Resource) bool {
	if len(r.Problems) == 0 {
		return false
	}
	for _, p := range []string{"spec.hosts", "spec.ports", "spec.exportTo"} {
		if pathUndecoded(r, p) {
			return true
		}
	}
	return false
}

func protocolName(p string) string {
	if p = strings.ToUpper(strings.TrimSpace(p)); p == "" {
		return "unset (sniffed)"
	}
	return p
}

func runConflictingServiceEntryProtocols(pass *lint.Pass) {
	r := pass.Resource
	se := r.ServiceEntry()
	if se == nil || seUndecoded(r) {
		return
	}
	suffix := pass.Mesh.DomainSuffix
	scopes := exportScopes(se.Spec.GetExportTo(), r.Namespace())
	if len(scopes) == 0 {
		return
	}
	for i, p := range se.Spec.GetPorts() {
		proto := protocolName(p.GetProtocol())
		type conflict struct {
			other      *lint.Resource
			host, prot string
		}
		var first *conflict
		others := map[lint.Key]bool{}
		for _, h := range se.Spec.GetHosts() {
			fqdn := istioFQDN(h, r.Namespace(), suffix)
			if fqdn == "" {
				continue
			}
			// conflictIn returns the other protocol one variant of another
			// ServiceEntry gives the host and port, or "".
			conflictIn := func(o *lint.Resource) string {
				os := o.ServiceEntry()
				if os == nil || seUndecoded(o) || !exportScopesMeet(scopes, exportScopes(os.Spec.GetExportTo(), o.Namespace())) {
					return ""
				}
				if !slices.ContainsFunc(os.Spec.GetHosts(), func(oh string) bool { return istioFQDN(oh, o.Namespace(), suffix) == fqdn }) {
					return ""
				}
				for _, op := range os.Spec.GetPorts() {
					if op.GetNumber() == p.GetNumber() && protocolName(op.GetProtocol()) != proto {
						return protocolName(op.GetProtocol())
					}
				}
				return ""
			}
			for _, o := range pass.View.Lookup(ServiceEntriesByHost, lint.HostIndexKey(ExpandHost(h, r.Namespace(), suffix))) {
				if o.Key() == r.Key() || others[o.Key()] || !AppliedTogether(pass.View, r, o) {
					continue
				}
				prot := conflictIn(o)
				if prot == "" || !EveryVariant(pass.View, o, func(x *lint.Resource) bool { return conflictIn(x) != "" }) {
					continue
				}
				others[o.Key()] = true
				if first == nil {
					first = &conflict{o, fqdn, prot}
				}
			}
		}
		if first == nil {
			continue
		}
		more := ""
		if n := len(others) - 1; n > 0 {
			more = fmt.Sprintf(" and %d more", n)
		}
		path := fmt.Sprintf("spec.ports[%d].protocol", i)
		if p.GetProtocol() == "" {
			path = fmt.Sprintf("spec.ports[%d]", i)
		}
		pass.Report(path,
			"host %q port %d is %s here but %s in serviceentry %s/%s%s; istiod uses only one protocol for the port, so clients of the other get connection resets or 503s",
			first.host, p.GetNumber(), proto, first.prot, first.other.Namespace(), first.other.Name(), more)
	}
}

// affectsConflictingServiceEntryProtocols: the ServiceEntries that declare
// one of the changed ServiceEntry's hosts (conflicts are symmetric).
func affectsConflictingServiceEntryProtocols(v lint.View, r *lint.Resource) []*lint.Resource {
	if r.Kind != lint.KindServiceEntry || r.ServiceEntry() == nil {
		return nil
	}
	var out []*lint.Resource
	for _, h := range r.ServiceEntry().Spec.GetHosts() {
		out = append(out, v.Lookup(ServiceEntriesByHost, lint.HostIndexKey(ExpandHost(h, r.Namespace(), v.Mesh().DomainSuffix)))...)
	}
	return out
}
