package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/meshlint/meshlint/lint"
)

// EnvoyFilterPinnedToProxyVersion is ML026
// envoyfilter-pinned-to-proxy-version: an EnvoyFilter patch that matches
// proxies by version stops applying, without a trace, once the mesh is
// upgraded past that version.
var EnvoyFilterPinnedToProxyVersion = &lint.Check{
	ID:       "ML026",
	Name:     "envoyfilter-pinned-to-proxy-version",
	Severity: lint.SeverityWarning,
	Kinds:    []lint.Kind{lint.KindEnvoyFilter},
	Summary:  "An EnvoyFilter patch matches match.proxy.proxyVersion, so it silently stops applying after an upgrade.",
	Doc: `Fires on spec.configPatches[i].match.proxy.proxyVersion when it is set, whatever
the patch's operation: Istio applies the patch only to proxies whose
ISTIO_VERSION the regular expression matches (anywhere in the version, as Go's
regexp.MatchString does), so after the next upgrade the patch matches no proxy
and the filter it adds or changes silently disappears.

When the mesh's Istio version is known (mesh.istioVersion in the meshlint
config file, for example istioVersion: 1.24.2), the check is quiet when the
expression matches that version, and says so when it does not: the patch
then applies to no proxy of the mesh already.

Quiet when proxyVersion is empty, when it is not a valid regular expression
(istiod rejects the EnvoyFilter; that is not a pin), and when the field did
not decode (ML016 reports it).

Why: pinning was the recommended way to ship version-specific EnvoyFilters,
and it turns every upgrade into a silent behaviour change: rate limits, Lua
filters or header rewrites vanish with nothing in any log. istioctl analyze
reports the pin only together with a relative operation (IST0155).`,
	Example: `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: lua-118
  namespace: shop
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      proxy:
        proxyVersion: '^1\.18.*'
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
    patch:
      operation: INSERT_FIRST
      value:
        name: envoy.filters.http.lua
`,
	Remediation: "Remove match.proxy.proxyVersion and keep the patch compatible across versions, or ship one EnvoyFilter per version with the upgrade and delete the old one afterwards.",
	Run:         runEnvoyFilterPinnedToProxyVersion,
}

func runEnvoyFilterPinnedToProxyVersion(pass *lint.Pass) {
	ef := pass.Resource.EnvoyFilter()
	current := pass.Mesh.IstioVersion
	for i, cp := range ef.Spec.GetConfigPatches() {
		pin := cp.GetMatch().GetProxy().GetProxyVersion()
		if strings.TrimSpace(pin) == "" {
			continue
		}
		at := fmt.Sprintf("spec.configPatches[%d].match.proxy", i)
		if pathUndecoded(pass.Resource, at) {
			continue
		}
		re, err := regexp.Compile(pin)
		if err != nil {
			continue
		}
		path := at + ".proxyVersion"
		switch {
		case current == "":
			pass.Report(path, "patch %d applies only to proxies whose version matches proxyVersion %s; after the next upgrade it matches no proxy and silently stops applying", i, pin)
		case !re.MatchString(current):
			pass.Report(path, "patch %d applies only to proxies whose version matches proxyVersion %s, which the mesh's Istio %s does not, so it applies to no proxy", i, pin, current)
		}
	}
}
