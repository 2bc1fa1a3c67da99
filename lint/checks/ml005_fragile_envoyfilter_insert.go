package checks

import (
	"fmt"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// FragileEnvoyFilterInsert is ML005 fragile-envoyfilter-insert: a patch
// placed relative to another filter in an EnvoyFilter without a priority.
// EnvoyFilters apply in creation order, so when the named filter is created
// later, or replaced by an upgrade, the patch is dropped without a trace.
var FragileEnvoyFilterInsert = &lint.Check{
	ID:       "ML005",
	Name:     "fragile-envoyfilter-insert",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindEnvoyFilter},
	Summary:  "An EnvoyFilter patch is placed relative to another filter without a priority, so it depends on creation order.",
	Doc: `Fires on spec.configPatches[i].patch.operation when the operation is INSERT_BEFORE,
INSERT_AFTER or REPLACE, the match names the filter the patch is placed against,
and spec.priority is unset or 0. The severity is error instead of warning when
the named filter is one of the mesh's version-specific filters (a name starting
with "istio."): an upgrade removes or replaces those, and the patch silently
stops applying. A pinned match.proxy.proxyVersion is reported by ML026
(envoyfilter-pinned-to-proxy-version), not here.

The named filter is match.listener.filterChain.filter.subFilter.name for
applyTo: HTTP_FILTER, and match.listener.filterChain.filter.name for applyTo:
NETWORK_FILTER.

Quiet when the operation is INSERT_FIRST, ADD, MERGE or REMOVE, when
spec.priority is non-zero, when the match names no filter, and when the named
filter is the HTTP router (envoy.filters.http.router, or its old name
envoy.router): every HTTP filter chain has it and it is always last, so
inserting before it is the documented pattern and does not depend on creation
order. A patch whose priority, operation or named filter did not decode (ML016
reports it) is not read.

Why: EnvoyFilters are applied in creation order unless a priority says
otherwise. If the filter a patch is placed against is created after it (or
replaced on upgrade), INSERT_BEFORE, INSERT_AFTER and REPLACE are silently
ignored, with nothing in any log.

Choices where the catalog is silent:
  - For applyTo: HTTP_FILTER, filter.name only selects the HTTP connection
    manager that holds the HTTP filters; without a subFilter Istio inserts at the
    start or end of the chain, so nothing is placed relative to a named filter and
    the check stays quiet. Other applyTo kinds (routes, clusters, listener
    filters, waypoints) are not placed against a filter-chain filter and are not
    checked.
  - Also exempt are the HTTP filters istiod builds from the mesh's own APIs
    (envoy.filters.http.jwt_authn from a RequestAuthentication, rbac from an
    AuthorizationPolicy, cors, fault, grpc_stats, grpc_web): they are in the
    generated chain before any patch runs, patches are applied again at each
    push, and a priority, which orders EnvoyFilters among themselves, would
    change nothing. The istio.* filters are not (an upgrade renames or
    replaces them), nor ext_authz (EnvoyFilters add it as often as a CUSTOM
    AuthorizationPolicy does).`,
	Example: `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: stats-tweak
  namespace: istio-system
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_OUTBOUND
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter:
              name: istio.stats
    patch:
      operation: INSERT_BEFORE
      value:
        name: example.lua
`,
	Remediation: "Set spec.priority (for example priority: 10) so the patch applies after the filter it names, or use an operation that does not depend on another filter such as INSERT_FIRST.",
	Run:         runFragileEnvoyFilterInsert,
}

func runFragileEnvoyFilterInsert(pass *lint.Pass) {
	ef := pass.Resource.EnvoyFilter()
	if ef.Spec.GetPriority() != 0 || pathUndecoded(pass.Resource, "spec.priority") {
		return
	}
	for i, cp := range ef.Spec.GetConfigPatches() {
		op := cp.GetPatch().GetOperation()
		switch op {
		case networkingapi.EnvoyFilter_Patch_INSERT_BEFORE,
			networkingapi.EnvoyFilter_Patch_INSERT_AFTER,
			networkingapi.EnvoyFilter_Patch_REPLACE:
		default:
			continue
		}
		anchor := envoyFilterAnchor(cp)
		if anchor == "" {
			continue
		}
		if cp.GetApplyTo() == networkingapi.EnvoyFilter_HTTP_FILTER && httpRouterFilters[anchor] {
			continue // always present and always last
		}
		if cp.GetApplyTo() == networkingapi.EnvoyFilter_HTTP_FILTER && istiodBuiltHTTPFilters[anchor] {
			continue // built by istiod before any patch, whatever the order
		}
		at := fmt.Sprintf("spec.configPatches[%d]", i)
		if pathUndecoded(pass.Resource, at+".patch.operation") || pathUndecoded(pass.Resource, at+".match.listener") {
			continue
		}
		path := at + ".patch.operation"
		switch {
		case strings.HasPrefix(anchor, "istio."):
			pass.ReportSeverity(lint.SeverityError, path,
				"%s %q has no priority and that filter is version-specific; when an upgrade replaces it, the patch is silently dropped", op, anchor)
		default:
			pass.Report(path,
				"%s %q has no priority; if that filter is created later or replaced, the patch is silently dropped", op, anchor)
		}
	}
}

// envoyFilterAnchor returns the name of the filter a patch is placed
// against, or "" when the patch is not placed relative to a named filter.
func envoyFilterAnchor(cp *networkingapi.EnvoyFilter_EnvoyConfigObjectPatch) string {
	fm := cp.GetMatch().GetListener().GetFilterChain().GetFilter()
	switch cp.GetApplyTo() {
	case networkingapi.EnvoyFilter_HTTP_FILTER:
		return strings.TrimSpace(fm.GetSubFilter().GetName())
	case networkingapi.EnvoyFilter_NETWORK_FILTER:
		return strings.TrimSpace(fm.GetName())
	}
	return ""
}
