package checks

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshlint/meshlint/lint"
)

// HeadlessServiceHTTPPort is ML011 headless-service-http-port.
var HeadlessServiceHTTPPort = &lint.Check{
	ID:       "ML011",
	Name:     "headless-service-http-port",
	Severity: lint.SeverityInfo,
	Kinds:    []lint.Kind{lint.KindService},
	Reads:    []lint.Kind{lint.KindWorkload, lint.KindNamespace},
	Tables:   append([]*lint.Table{ByNamespace(lint.KindService)}, OutsideMeshTables...),
	Summary:  "A headless Service declares an HTTP port; clients that call a pod by IP get 503 UC.",
	Doc: `A headless Service (clusterIP: None) declares an HTTP port. Clients of headless services often
address a pod by its IP (StatefulSet peers, client-side load balancing): the request leaves through
the passthrough cluster with the pod IP as Host header, and the server sidecar, which routes HTTP by
Host, finds no route for it and answers 503 UC. Declaring the port TCP makes both sidecars proxy
bytes without looking at headers.

Fires on each port of a headless Service that Istio treats as HTTP: its appProtocol, or else its name
(the part before the first "-"), is http, http2, http_proxy, grpc or grpc-web (grpc-web-*), or the
appProtocol is kubernetes.io/h2c or kubernetes.io/ws. The finding points at the field that decided:
spec.ports[i].appProtocol, else spec.ports[i].name.

Quiet when: the port is named tcp or tcp-* (without an HTTP appProtocol); the Service is not headless
(a cluster IP, or type ExternalName); the port's protocol is UDP or SCTP; the name declares another
or no protocol; the input shows the Service's pods outside the mesh (their workloads opt out with
sidecar.istio.io/inject: "false", or their Namespace is labelled istio-injection: disabled, or has no
injection label while another Namespace in the input has one): no server sidecar, no 503.

Choices where the catalog is silent: appProtocol takes precedence over the name, as in Istio, so an
appProtocol of tcp silences an http-* name and an appProtocol of http fires on a tcp-* name; ports
without a declared protocol (left to protocol sniffing) are not reported; the severity is info
because the failure only hits clients that call pods by IP, which the linter cannot see.`,
	Example: `apiVersion: v1
kind: Service
metadata:
  name: nginx
  namespace: default
spec:
  clusterIP: None
  selector:
    app: nginx
  ports:
  - port: 80
    name: http-web
`,
	Remediation: "Name the port tcp or tcp-<name> (and drop an HTTP appProtocol) so that the sidecars proxy it as TCP, or have clients call the pods by DNS name (web-0.nginx.default) or with the service's Host header.",
	Run:         runHeadlessServiceHTTPPort,
	Affects:     affectsHeadlessServiceHTTPPort,
}

func runHeadlessServiceHTTPPort(pass *lint.Pass) {
	svc := pass.Resource.Service()
	if svc == nil || !isHeadless(svc) {
		return
	}
	if out, _ := OutsideMesh(pass.View, svc.Namespace, svc.Spec.Selector, svc.Name); out {
		return
	}
	for i, p := range svc.Spec.Ports {
		if p.Protocol == corev1.ProtocolUDP || p.Protocol == corev1.ProtocolSCTP {
			continue
		}
		field, decl := "name", p.Name
		if p.AppProtocol != nil {
			field, decl = "appProtocol", *p.AppProtocol
		}
		if !isHTTPProtocolName(decl) {
			continue
		}
		pass.Report(fmt.Sprintf("spec.ports[%d].%s", i, field),
			"headless service port %d is HTTP (%s %q): requests to a pod IP get 503 UC, the server sidecar has no route for that Host",
			p.Port, field, decl)
	}
}

func isHeadless(svc *corev1.Service) bool {
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return false
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return true
	}
	return svc.Spec.ClusterIP == "" && len(svc.Spec.ClusterIPs) > 0 && svc.Spec.ClusterIPs[0] == corev1.ClusterIPNone
}

// isHTTPProtocolName reports whether a port name or appProtocol declares a
// protocol Istio proxies as HTTP, as Istio parses them: the Kubernetes
// standard appProtocols, then grpc-web, then the part before the first "-".
func isHTTPProtocolName(s string) bool {
	s = strings.ToLower(s)
	switch s {
	case "kubernetes.io/h2c", "kubernetes.io/ws":
		return true
	}
	if strings.HasPrefix(s, "grpc-web") {
		return true
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		s = s[:i]
	}
	switch s {
	case "http", "http2", "http_proxy", "grpc":
		return true
	}
	return false
}

// affectsHeadlessServiceHTTPPort: a workload or Namespace speaks to the
// Services of its namespace (a Namespace with an injection label to those
// of every unlabelled namespace too).
func affectsHeadlessServiceHTTPPort(v lint.View, r *lint.Resource) []*lint.Resource {
	switch r.Kind {
	case lint.KindWorkload:
		return v.Lookup(ByNamespace(lint.KindService), r.Namespace())
	case lint.KindNamespace:
		if _, ok := injectionLabel(r.Object.GetLabels()); ok {
			return v.List(lint.KindService)
		}
		return v.Lookup(ByNamespace(lint.KindService), r.Name())
	}
	return nil
}
