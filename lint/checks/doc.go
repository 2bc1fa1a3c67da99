// Package checks is meshlint's catalog: one file per check (mlNNN_<name>.go,
// its Check value and run function), the Istio semantics that several checks
// share (hosts.go: host expansion and matching; gateway.go: gateway refs,
// server hosts and binding; mtls.go: the effective mTLS mode and TLS
// origination; routes.go: route destinations and match covering;
// services.go: the service registry; exportto.go, workload.go, variants.go,
// undecoded.go, envoyfilter.go), the tables they look things up in
// (tables.go), the helpers of their Affects functions (affects.go), and
// Registry, the list the front ends run. The engine is package lint; see its
// documentation for the checklist of adding a check.
package checks
