package checks

import (
	"fmt"
	"time"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// ConnectTimeoutTooLow is ML010 connect-timeout-too-low.
var ConnectTimeoutTooLow = &lint.Check{
	ID:       "ML010",
	Name:     "connect-timeout-too-low",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindDestinationRule, lint.KindMeshConfig},
	Summary:  "A connect timeout of a second or less turns ordinary latency into connection failures.",
	Doc: `A TCP connect timeout of a second or less (connectionPool.tcp.connectTimeout in a
DestinationRule, or the mesh config's connectTimeout) turns ordinary network latency into connection
failures: every connection that takes longer to establish is abandoned, the access log shows UF (URX
once retries run out) and applications see 503 "upstream connect error or disconnect/reset before
headers. reset reason: connection timeout". Cross-zone hops, DNS-resolved external hosts and busy
nodes routinely take longer than a second now and then, and one lost SYN alone does: Linux resends
it after 1s. The mesh default is 10s.

Fires when the timeout is at or below the threshold (option min, default 1s) at any traffic-policy
level of a DestinationRule: spec.trafficPolicy, its portLevelSettings, each subset's trafficPolicy and
its portLevelSettings; and on the connectTimeout of a mesh config among the inputs: the mesh key of
the istio ConfigMap in the root namespace (the finding points at the line inside the mesh block) or
spec.meshConfig of an IstioOperator.

Quiet when: the timeout is above the threshold; no connectTimeout is set (the mesh default, 10s,
applies).

Choices where the catalog is silent: each level is reported on its own field, even when a lower
level overrides it for some ports or subsets (it still applies to the others); the mesh block of the
meshlint config file stands for the mesh config when the cluster's is not among the inputs, so a
low mesh.connectTimeout there is reported at its line in the config file; a 0s timeout fires like
any other low value.`,
	Example: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: identity
  namespace: auth
spec:
  host: identity.auth.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp:
        connectTimeout: 1s
`,
	Remediation: "Raise connectTimeout to several seconds (the mesh default is 10s), or remove it to get the default.",
	Options: []lint.Option{{
		Name:    "min",
		Type:    lint.OptionDuration,
		Default: "1s",
		Doc:     "The check fires when a connect timeout is at or below this duration.",
	}},
	Run: runConnectTimeoutTooLow,
}

func runConnectTimeoutTooLow(pass *lint.Pass) {
	threshold := pass.DurationOption("min")
	report := func(path string, d time.Duration) {
		if d > threshold {
			return
		}
		syn := ""
		if d <= time.Second {
			syn = " (a lost SYN alone: Linux resends it after 1s)"
		}
		pass.Report(path, "connectTimeout %s is at or below %s: connections slower than that%s fail with 503 UF, \"reset reason: connection timeout\"; the mesh default is 10s", d, threshold, syn)
	}
	if mc := pass.Resource.MeshConfig(); mc != nil {
		if ct := mc.Spec.GetConnectTimeout(); ct != nil {
			report(mc.FieldPath("connectTimeout"), ct.AsDuration())
		}
		return
	}
	dr := pass.Resource.DestinationRule()
	if dr == nil {
		return
	}
	policy := func(tp *networkingapi.TrafficPolicy, prefix string) {
		if ct := tp.GetConnectionPool().GetTcp().GetConnectTimeout(); ct != nil {
			report(prefix+".connectionPool.tcp.connectTimeout", ct.AsDuration())
		}
		for i, pl := range tp.GetPortLevelSettings() {
			if ct := pl.GetConnectionPool().GetTcp().GetConnectTimeout(); ct != nil {
				report(fmt.Sprintf("%s.portLevelSettings[%d].connectionPool.tcp.connectTimeout", prefix, i), ct.AsDuration())
			}
		}
	}
	policy(dr.Spec.GetTrafficPolicy(), "spec.trafficPolicy")
	for i, ss := range dr.Spec.GetSubsets() {
		policy(ss.GetTrafficPolicy(), fmt.Sprintf("spec.subsets[%d].trafficPolicy", i))
	}
}
