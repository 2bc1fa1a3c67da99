package checks

import (
	"fmt"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// RetryWithoutReset is ML004 retry-without-reset: an HTTP route retries,
// but not when the upstream connection is reset. Applications close idle
// pooled connections (node after 5 s, python after 10 s, tomcat after
// 20 s); a request the proxy sends on such a connection just as it closes
// fails with 503 UC, and only a retry on reset recovers it.
var RetryWithoutReset = &lint.Check{
	ID:       "ML004",
	Name:     "retry-without-reset",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindVirtualService},
	Summary:  "An HTTP route retries, but not on connection resets.",
	Doc: `Fires on spec.http[i].retries when attempts is above 0 or not set and retryOn
names none of reset, reset-before-request, 5xx or gateway-error. An absent or
empty retryOn means the mesh's default list (connect-failure, refused-stream,
unavailable, cancelled, retriable-status-codes), which has no reset, so it fires
too. retryOn is read as Istio reads it: a comma-separated list whose entries may
carry spaces; numeric entries are status codes and never cover a reset.

Quiet when the mesh runs Istio 1.24 or later (--istio-version or mesh.istioVersion)
and every destination of the route is a Kubernetes service (a bare name or one
under .svc.<domain>): since 1.24 the server's sidecar retries a request that its
app's idle connection reset before the request was sent (ENABLE_INBOUND_RETRY_POLICY,
on by default; the 1.23 compatibility profile turns it off). A route to a host of
another form may reach a server outside the mesh, which has no such sidecar, and
is still reported.

Quiet when attempts is 0 (retries disabled on purpose), when retryOn includes a
policy that retries resets, when the route has no retries block (the mesh default
applies), and on routes that send nothing upstream (redirect, directResponse) or
hand off to a delegate VirtualService (whose own routes are checked).

With the option flagDefaultPolicy (checks: {retry-without-reset:
{flagDefaultPolicy: true}}) a route without a retries block is reported as info:
the mesh's default retry policy does not retry resets either.

Why: when an application closes an idle pooled connection (node's 5 s keep-alive,
python's 10 s, tomcat's 20 s) just as the proxy reuses it, the request fails with
503 UC upstream_reset_before_response_started{connection_termination}. Only a retry
on reset recovers it.

Choices where the catalog is silent:
  - gateway-error is treated like 5xx: Envoy retries upstream resets under both
    policies (its router counts a reset as a 5xx), and Istio's own examples use
    "gateway-error,connect-failure,refused-stream". Flagging it would be wrong.
  - attempts is an int32, so an omitted attempts and "attempts: 0" decode alike.
    When the resource came from a file, meshlint tells them apart by whether the
    field is written: omitted fires, as the catalog says, and the message says
    the retries have no attempts (Istio then makes none, which leaves the reset
    unrecovered all the same). When it cannot tell (objects read from a cluster
    without positions), 0 is taken as "retries disabled" and stays quiet.`,
	Example: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
  namespace: prod
spec:
  hosts:
  - ratings
  http:
  - name: default
    route:
    - destination:
        host: ratings
    retries:
      attempts: 3
      retryOn: connect-failure,refused-stream
`,
	Remediation: "Add reset to retryOn (for example retryOn: reset,connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes), or set attempts: 0 if the route must not retry.",
	Options: []lint.Option{{
		Name:    "flagDefaultPolicy",
		Type:    lint.OptionBool,
		Default: "false",
		Doc:     "Also report routes without a retries block, which use the mesh's default policy (no reset), as info.",
	}},
	Run: runRetryWithoutReset,
}

// resetRetryPolicies are the Envoy retry-on policies under which an upstream
// connection reset is retried.
var resetRetryPolicies = map[string]bool{
	"reset":                true,
	"reset-before-request": true,
	"5xx":                  true,
	"gateway-error":        true,
}

// retryOnCoversReset reports whether a retryOn list retries connection
// resets. An empty list is the mesh default, which does not.
func retryOnCoversReset(retryOn string) bool {
	for _, p := range strings.Split(retryOn, ",") {
		if resetRetryPolicies[strings.ToLower(strings.TrimSpace(p))] {
			return true
		}
	}
	return false
}

func runRetryWithoutReset(pass *lint.Pass) {
	vs := pass.Resource.VirtualService()
	flagDefault := pass.BoolOption("flagDefaultPolicy")
	inboundRetry := istioAtLeast(pass.Mesh.IstioVersion, 1, 24)
	for i, route := range vs.Spec.GetHttp() {
		if !retryRoutesUpstream(route) {
			continue
		}
		if inboundRetry && routesInCluster(route, pass.Mesh.DomainSuffix) {
			// Since Istio 1.24 the server's sidecar retries a request its
			// app's idle connection reset before the request was sent
			// (ENABLE_INBOUND_RETRY_POLICY, on by default): the race this
			// check is about no longer reaches the client.
			continue
		}
		path := fmt.Sprintf("spec.http[%d]", i)
		label := retryRouteLabel(route, i)
		retries := route.GetRetries()
		if retries == nil {
			if flagDefault {
				pass.ReportSeverity(lint.SeverityInfo, path,
					"route %s uses the default retry policy, which skips connection resets; an idle connection closed by the app fails the request with 503 UC", label)
			}
			continue
		}
		retriesPath := path + ".retries"
		attemptsUnset := false
		if retries.GetAttempts() <= 0 {
			if !fieldOmitted(pass.Resource, retriesPath, "attempts") {
				continue // attempts: 0 disables retries on purpose
			}
			attemptsUnset = true
		}
		retryOn := retries.GetRetryOn()
		if retryOnCoversReset(retryOn) {
			continue
		}
		at := retriesPath + ".retryOn"
		if strings.Trim(retryOn, " ,") == "" {
			at = retriesPath
		}
		switch {
		case attemptsUnset:
			pass.Report(retriesPath,
				"retries of route %s have no attempts and skip connection resets; an idle connection closed by the app fails the request with 503 UC", label)
		case at == retriesPath:
			pass.Report(at,
				"retries of route %s use the default retryOn, which skips connection resets; an idle connection closed by the app fails the request with 503 UC", label)
		default:
			pass.Report(at,
				"retries of route %s skip connection resets; an idle connection closed by the app fails the request with 503 UC", label)
		}
	}
}

// routesInCluster reports whether every destination of the route is a
// Kubernetes service host (a bare name, or a name under .svc.<domain>),
// whose pods have the sidecar that retries resets inbound. A host of
// another form may be a server outside the mesh.
func routesInCluster(r *networkingapi.HTTPRoute, domainSuffix string) bool {
	if len(r.GetRoute()) == 0 {
		return false
	}
	for _, d := range r.GetRoute() {
		h := strings.ToLower(d.GetDestination().GetHost())
		if h == "" || !(!strings.Contains(h, ".") || strings.HasSuffix(h, ".svc") || strings.HasSuffix(h, ".svc."+domainSuffix)) {
			return false
		}
	}
	return true
}

// retryRoutesUpstream reports whether an HTTP route forwards requests upstream
// itself: not a redirect, a direct response or a delegation.
func retryRoutesUpstream(r *networkingapi.HTTPRoute) bool {
	return r.GetRedirect() == nil && r.GetDirectResponse() == nil && r.GetDelegate() == nil
}
