package checks

import (
	"fmt"
	"strings"

	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// IneffectiveEnvoyFilterOperation is ML025 ineffective-envoyfilter-operation:
// an EnvoyFilter patch whose operation istiod skips for its applyTo, so the
// patch silently does nothing.
var IneffectiveEnvoyFilterOperation = &lint.Check{
	ID:       "ML025",
	Name:     "ineffective-envoyfilter-operation",
	Severity: lint.SeverityError,
	Kinds:    []lint.Kind{lint.KindEnvoyFilter},
	Summary:  "An EnvoyFilter patch uses an operation that Istio ignores for its applyTo, or inserts after the HTTP router, which Envoy rejects.",
	Doc: `Fires on spec.configPatches[i].patch.operation when istiod's patching code
skips that operation for the patch's applyTo:
  - ROUTE_CONFIGURATION: anything but MERGE (ADD, REMOVE, REPLACE, INSERT_*);
    a route configuration can only be merged into.
  - VIRTUAL_HOST: INSERT_BEFORE, INSERT_AFTER, INSERT_FIRST; virtual hosts have
    no order (ADD, REMOVE, MERGE and REPLACE apply).
  - HTTP_ROUTE: REPLACE (ADD, REMOVE, MERGE and INSERT_* apply).
  - LISTENER, FILTER_CHAIN, CLUSTER: REPLACE and INSERT_*; these are only
    added, removed or merged.
  - EXTENSION_CONFIG: anything but ADD and MERGE; BOOTSTRAP: anything but MERGE.
  - HTTP_FILTER with REPLACE, REMOVE or MERGE and no
    match.listener.filterChain.filter.subFilter.name; NETWORK_FILTER with REPLACE
    or REMOVE and no match.listener.filterChain.filter.name; LISTENER_FILTER
    with REPLACE or REMOVE and no match.listener.listenerFilter: the operation
    needs a named filter to act on and is skipped without one.
  - HTTP_FILTER INSERT_AFTER the router (envoy.filters.http.router,
    envoy.router): istiod applies it, but Envoy rejects an http filter chain
    whose last filter is not terminal, so the whole listener update is refused
    (worse than a skipped patch).

Quiet for every other combination, for MERGE_AND_REPLACE_LIST (new, and
handled like MERGE where MERGE applies), and for a patch whose applyTo,
operation or match did not decode (ML016 reports it).

Why: istiod does not reject these patches; it skips them when it builds the
proxy config, so the filter or route the author meant to change stays as it
was, with nothing in any log.

Choices where the catalog is silent:
  - The lists follow istiod's patching code (pilot/pkg/networking/core/
    envoyfilter), not the older API comments, which still say ADD and REMOVE
    are ignored on HTTP_ROUTE and that REPLACE works only on filters: current
    Istio applies ADD and REMOVE to routes and REPLACE to virtual hosts and
    listener filters, so reporting them would be false findings (istioctl
    analyze's IST0153 and IST0154 still report them).`,
	Example: `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: max-age
  namespace: shop
spec:
  configPatches:
  - applyTo: ROUTE_CONFIGURATION
    match:
      context: SIDECAR_OUTBOUND
      routeConfiguration:
        portNumber: 8080
    patch:
      operation: ADD
      value:
        max_direct_response_body_size_bytes: 4096
`,
	Remediation: "Use an operation that applies to that applyTo (MERGE for route configurations, ADD or MERGE for clusters and listeners, INSERT_* only on filters and routes), and name the filter a REPLACE or REMOVE acts on.",
	Run:         runIneffectiveEnvoyFilterOperation,
}

func runIneffectiveEnvoyFilterOperation(pass *lint.Pass) {
	ef := pass.Resource.EnvoyFilter()
	for i, cp := range ef.Spec.GetConfigPatches() {
		reason := ineffectiveOperation(cp)
		router := afterRouter(cp)
		if reason == "" && router == "" {
			continue
		}
		at := fmt.Sprintf("spec.configPatches[%d]", i)
		if pathUndecoded(pass.Resource, at+".applyTo") || pathUndecoded(pass.Resource, at+".patch.operation") ||
			pathUndecoded(pass.Resource, at+".match") || pathUndecodedExactly(pass.Resource, at+".patch") {
			continue
		}
		if router != "" {
			pass.Report(at+".patch.operation", "INSERT_AFTER %q puts patch %d's filter after the terminal router; Envoy rejects that http filter chain, so the listeners it matches stop receiving updates",
				router, i)
			continue
		}
		pass.Report(at+".patch.operation", "%s on %s %s, so patch %d silently does nothing",
			cp.GetPatch().GetOperation(), cp.GetApplyTo(), reason, i)
	}
}

// afterRouter returns the router's name when an HTTP_FILTER patch inserts
// after the HTTP router, else "".
func afterRouter(cp *networkingapi.EnvoyFilter_EnvoyConfigObjectPatch) string {
	if cp.GetApplyTo() != networkingapi.EnvoyFilter_HTTP_FILTER || cp.GetPatch().GetOperation() != networkingapi.EnvoyFilter_Patch_INSERT_AFTER {
		return ""
	}
	sub := strings.TrimSpace(cp.GetMatch().GetListener().GetFilterChain().GetFilter().GetSubFilter().GetName())
	if httpRouterFilters[sub] {
		return sub
	}
	return ""
}

// ineffectiveOperation returns why istiod skips a patch's operation for its
// applyTo ("is ignored: ..."), or "" when the operation applies.
func ineffectiveOperation(cp *networkingapi.EnvoyFilter_EnvoyConfigObjectPatch) string {
	op := cp.GetPatch().GetOperation()
	insert := op == networkingapi.EnvoyFilter_Patch_INSERT_BEFORE || op == networkingapi.EnvoyFilter_Patch_INSERT_AFTER ||
		op == networkingapi.EnvoyFilter_Patch_INSERT_FIRST
	replace := op == networkingapi.EnvoyFilter_Patch_REPLACE
	remove := op == networkingapi.EnvoyFilter_Patch_REMOVE
	merge := op == networkingapi.EnvoyFilter_Patch_MERGE
	if op == networkingapi.EnvoyFilter_Patch_INVALID || op == networkingapi.EnvoyFilter_Patch_MERGE_AND_REPLACE_LIST {
		return ""
	}
	lis := cp.GetMatch().GetListener()
	switch cp.GetApplyTo() {
	case networkingapi.EnvoyFilter_ROUTE_CONFIGURATION:
		if !merge {
			return "is ignored: a route configuration can only be merged into"
		}
	case networkingapi.EnvoyFilter_VIRTUAL_HOST:
		if insert {
			return "is ignored: virtual hosts have no order to insert into"
		}
	case networkingapi.EnvoyFilter_HTTP_ROUTE:
		if replace {
			return "is ignored: routes can be added, removed, merged or inserted, not replaced"
		}
	case networkingapi.EnvoyFilter_LISTENER:
		if insert || replace {
			return "is ignored: listeners are only added, removed or merged"
		}
	case networkingapi.EnvoyFilter_FILTER_CHAIN:
		if insert || replace {
			return "is ignored: filter chains are only added, removed or merged"
		}
	case networkingapi.EnvoyFilter_CLUSTER:
		if insert || replace {
			return "is ignored: clusters are only added, removed or merged"
		}
	case networkingapi.EnvoyFilter_EXTENSION_CONFIG:
		if !merge && op != networkingapi.EnvoyFilter_Patch_ADD {
			return "is ignored: extension configs can only be added"
		}
	case networkingapi.EnvoyFilter_BOOTSTRAP:
		if !merge {
			return "is ignored: the bootstrap can only be merged into"
		}
	case networkingapi.EnvoyFilter_HTTP_FILTER:
		if (replace || remove || merge) && strings.TrimSpace(lis.GetFilterChain().GetFilter().GetSubFilter().GetName()) == "" {
			return "names no http filter (match.listener.filterChain.filter.subFilter.name) and is skipped"
		}

	case networkingapi.EnvoyFilter_NETWORK_FILTER:
		if (replace || remove) && strings.TrimSpace(lis.GetFilterChain().GetFilter().GetName()) == "" {
			return "names no network filter (match.listener.filterChain.filter.name) and is skipped"
		}
	case networkingapi.EnvoyFilter_LISTENER_FILTER:
		if (replace || remove) && strings.TrimSpace(lis.GetListenerFilter()) == "" {
			return "names no listener filter (match.listener.listenerFilter) and is skipped"
		}
	}
	return ""
}
