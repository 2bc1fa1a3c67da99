//lint:file-ignore SA1019 this check reads deprecated fields on purpose: it reports them

package checks

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
	networkingapi "istio.io/api/networking/v1alpha3"

	"github.com/meshlint/meshlint/lint"
)

// DeprecatedField is ML028 deprecated-field: a field or value Istio
// deprecated and still accepts, or an EnvoyFilter patch written against
// Envoy's removed v2 API.
var DeprecatedField = &lint.Check{
	ID:       "ML028",
	Name:     "deprecated-field",
	Severity: lint.SeverityWarning,
	// The kinds whose schema has deprecated fields, and EnvoyFilter
	// (TestDeprecatedFieldsCovered tells when another kind gains one).
	Kinds:   []lint.Kind{lint.KindDestinationRule, lint.KindVirtualService, lint.KindEnvoyFilter},
	Summary: "A field or value Istio deprecated, or an EnvoyFilter patch written for Envoy's removed v2 API.",
	Doc: `Fires on fields and values the Istio API marks deprecated and still accepts (the deprecated
option of the field or enum value in the schema; a test keeps the list in step with the API
meshlint is built with), with the replacement:
- VirtualService: http[].mirrorPercent (use mirrorPercentage), http[].corsPolicy.allowOrigin (use
  allowOrigins), http[].fault.delay.percent (use percentage);
- DestinationRule: outlierDetection.consecutiveErrors (use consecutive5xxErrors or
  consecutiveGatewayErrors), loadBalancer.consistentHash.minimumRingSize (use ringHash),
  loadBalancer.simple: LEAST_CONN (use LEAST_REQUEST);
at every traffic-policy level. (IST0002.)

And on EnvoyFilter patches that use Envoy's v2 API, which Envoy and Istio removed (IST0133):
- a type URL of the v2 API (type.googleapis.com/envoy.config.filter.*.v2.*, envoy.api.v2.*,
  envoy.config.*.v2alpha.*): in @type istiod cannot resolve the type and rejects the EnvoyFilter
  (it says "try using the v3 XDS API"); in a TypedStruct's type_url the proxy rejects the filter;
- a filter configured with config: instead of typed_config: the v3 API has no config field, so
  the filter gets none of that configuration;
- a deprecated filter name without the filters. part (envoy.http_connection_manager,
  envoy.router, envoy.lua, envoy.listener.tls_inspector, ...), in a match (Istio still translates
  it, with a warning) or as the name of a patched-in filter that has no typed_config (Envoy no
  longer finds filters by these names; Istio warns about filters without typed_config).

These findings are warnings, as the catalog says, although a v2 @type makes istiod reject the
EnvoyFilter: the message says so. ML027 does not report the same field.

Quiet when the field did not decode: a field the schema no longer has at all (websocketUpgrade,
fault.abort.percent) is an unknown field, which ML016 invalid-spec reports. Quiet for v3 type
URLs and typed_config, for canonical filter names, and for deprecated fields Istio rejects
outright (a Gateway port's targetPort: ML027 rejected-by-istio).`,
	Example: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: prod
spec:
  host: reviews
  trafficPolicy:
    outlierDetection:
      consecutiveErrors: 5
      interval: 10s
`,
	Remediation: "Replace the deprecated field or value with the one the message names (for EnvoyFilters, the Envoy v3 API: typed_config with a v3 @type and canonical envoy.filters.* names).",
	Run:         runDeprecatedField,
}

// deprecatedReplacement says what replaces a deprecated field or enum value,
// by protobuf full name.
var deprecatedReplacement = map[protoreflect.FullName]string{
	"istio.networking.v1alpha3.HTTPRoute.mirror_percent":                                "use mirrorPercentage",
	"istio.networking.v1alpha3.CorsPolicy.allow_origin":                                 "use allowOrigins",
	"istio.networking.v1alpha3.HTTPFaultInjection.Delay.percent":                        "use percentage",
	"istio.networking.v1alpha3.OutlierDetection.consecutive_errors":                     "use consecutive5xxErrors or consecutiveGatewayErrors",
	"istio.networking.v1alpha3.LoadBalancerSettings.ConsistentHashLB.minimum_ring_size": "use ringHash.minimumRingSize",
	"istio.networking.v1alpha3.LoadBalancerSettings.LEAST_CONN":                         "use LEAST_REQUEST",
}

// deprecatedSkipped are deprecated fields another check reports: Istio
// rejects a Gateway port's targetPort (ML027).
var deprecatedSkipped = map[protoreflect.FullName]bool{
	"istio.networking.v1alpha3.Port.target_port": true,
}

func runDeprecatedField(pass *lint.Pass) {
	r := pass.Resource
	switch r.Kind {
	case lint.KindVirtualService:
		deprecatedInVirtualService(pass, &r.VirtualService().Spec)
	case lint.KindDestinationRule:
		deprecatedInDestinationRule(pass, &r.DestinationRule().Spec)
	case lint.KindEnvoyFilter:
		envoyFilterV2(pass, &r.EnvoyFilter().Spec)
	}
}

// The deprecated fields are read through their getters: walking every
// field by reflection would cost more than all other checks together.
// TestDeprecatedFieldsCovered fails when the Istio API deprecates a field
// this list does not read.

//nolint:staticcheck // reading deprecated fields is the point
func deprecatedInVirtualService(pass *lint.Pass, vs *networkingapi.VirtualService) {
	for i, h := range vs.GetHttp() {
		if h.GetMirrorPercent() != nil {
			deprecatedField(pass, fmt.Sprintf("spec.http[%d]", i), "mirrorPercent", "mirror_percent", "istio.networking.v1alpha3.HTTPRoute.mirror_percent")
		}
		if len(h.GetCorsPolicy().GetAllowOrigin()) > 0 {
			deprecatedField(pass, fmt.Sprintf("spec.http[%d].corsPolicy", i), "allowOrigin", "allow_origin", "istio.networking.v1alpha3.CorsPolicy.allow_origin")
		}
		if h.GetFault().GetDelay().GetPercent() != 0 {
			deprecatedField(pass, fmt.Sprintf("spec.http[%d].fault.delay", i), "percent", "percent", "istio.networking.v1alpha3.HTTPFaultInjection.Delay.percent")
		}
	}
}

func deprecatedInDestinationRule(pass *lint.Pass, dr *networkingapi.DestinationRule) {
	deprecatedInTrafficPolicy(pass, "spec.trafficPolicy", dr.GetTrafficPolicy())
	for i, s := range dr.GetSubsets() {
		if tp := s.GetTrafficPolicy(); tp != nil {
			deprecatedInTrafficPolicy(pass, fmt.Sprintf("spec.subsets[%d].trafficPolicy", i), tp)
		}
	}
}

func deprecatedInTrafficPolicy(pass *lint.Pass, tp string, p *networkingapi.TrafficPolicy) {
	if p == nil {
		return
	}
	deprecatedInPolicy(pass, tp, p.GetLoadBalancer(), p.GetOutlierDetection())
	for i, pl := range p.GetPortLevelSettings() {
		deprecatedInPolicy(pass, fmt.Sprintf("%s.portLevelSettings[%d]", tp, i), pl.GetLoadBalancer(), pl.GetOutlierDetection())
	}
}

//nolint:staticcheck // reading deprecated fields is the point
func deprecatedInPolicy(pass *lint.Pass, at string, lb *networkingapi.LoadBalancerSettings, od *networkingapi.OutlierDetection) {
	if lb.GetSimple() == networkingapi.LoadBalancerSettings_LEAST_CONN {
		path := at + ".loadBalancer.simple"
		reportDeprecated(pass, path, "value LEAST_CONN is deprecated", deprecatedReplacement["istio.networking.v1alpha3.LoadBalancerSettings.LEAST_CONN"])
	}
	if lb.GetConsistentHash().GetMinimumRingSize() != 0 {
		deprecatedField(pass, at+".loadBalancer.consistentHash", "minimumRingSize", "minimum_ring_size", "istio.networking.v1alpha3.LoadBalancerSettings.ConsistentHashLB.minimum_ring_size")
	}
	if od.GetConsecutiveErrors() != 0 {
		deprecatedField(pass, at+".outlierDetection", "consecutiveErrors", "consecutive_errors", "istio.networking.v1alpha3.OutlierDetection.consecutive_errors")
	}
}

// deprecatedField reports field (JSON name, or its protobuf name when the
// source writes that one) under parent.
func deprecatedField(pass *lint.Pass, parent, jsonName, protoName string, full protoreflect.FullName) {
	name := jsonName
	if fieldOmitted(pass.Resource, parent, jsonName) && !fieldOmitted(pass.Resource, parent, protoName) {
		name = protoName
	}
	reportDeprecated(pass, parent+"."+name, fmt.Sprintf("field %s is deprecated", name), deprecatedReplacement[full])
}

func reportDeprecated(pass *lint.Pass, path, what, replacement string) {
	if undecoded(pass.Resource, path) {
		return
	}
	if replacement == "" {
		pass.Report(path, "%s; Istio still accepts it but may stop reading it in a later release", what)
		return
	}
	pass.Report(path, "%s (%s); Istio still accepts it but may stop reading it in a later release", what, replacement)
}

// v2TypeURL matches the type URLs of Envoy's v2 API, which Envoy and Istio
// no longer know.
var v2TypeURL = regexp.MustCompile(`^type\.googleapis\.com/envoy\.(api\.v2\.|config\.[a-z0-9_.]+\.v2(alpha\d*)?\.|service\.[a-z0-9_.]+\.v2(alpha\d*)?\.)`)

// deprecatedFilterNames maps Envoy's deprecated filter names to the
// canonical ones (istio/istio pkg/config/xds DeprecatedFilterNames).
var deprecatedFilterNames = map[string]string{
	"envoy.buffer":                  "envoy.filters.http.buffer",
	"envoy.cors":                    "envoy.filters.http.cors",
	"envoy.csrf":                    "envoy.filters.http.csrf",
	"envoy.http_dynamo_filter":      "envoy.filters.http.dynamo",
	"envoy.ext_authz":               "envoy.filters.http.ext_authz or envoy.filters.network.ext_authz",
	"envoy.fault":                   "envoy.filters.http.fault",
	"envoy.grpc_http1_bridge":       "envoy.filters.http.grpc_http1_bridge",
	"envoy.grpc_json_transcoder":    "envoy.filters.http.grpc_json_transcoder",
	"envoy.grpc_web":                "envoy.filters.http.grpc_web",
	"envoy.gzip":                    "envoy.filters.http.gzip",
	"envoy.health_check":            "envoy.filters.http.health_check",
	"envoy.ip_tagging":              "envoy.filters.http.ip_tagging",
	"envoy.lua":                     "envoy.filters.http.lua",
	"envoy.rate_limit":              "envoy.filters.http.ratelimit",
	"envoy.router":                  "envoy.filters.http.router",
	"envoy.squash":                  "envoy.filters.http.squash",
	"envoy.listener.http_inspector": "envoy.filters.listener.http_inspector",
	"envoy.listener.original_dst":   "envoy.filters.listener.original_dst",
	"envoy.listener.original_src":   "envoy.filters.listener.original_src",
	"envoy.listener.proxy_protocol": "envoy.filters.listener.proxy_protocol",
	"envoy.listener.tls_inspector":  "envoy.filters.listener.tls_inspector",
	"envoy.client_ssl_auth":         "envoy.filters.network.client_ssl_auth",
	"envoy.http_connection_manager": "envoy.filters.network.http_connection_manager",
	"envoy.mongo_proxy":             "envoy.filters.network.mongo_proxy",
	"envoy.ratelimit":               "envoy.filters.network.ratelimit",
	"envoy.redis_proxy":             "envoy.filters.network.redis_proxy",
	"envoy.tcp_proxy":               "envoy.filters.network.tcp_proxy",
}

// envoyFilterV2 reports the Envoy v2 API in an EnvoyFilter: deprecated
// filter names in matches, and v2 type URLs, config: blocks and deprecated
// names in patch values.
func envoyFilterV2(pass *lint.Pass, ef *networkingapi.EnvoyFilter) {
	for i, cp := range ef.GetConfigPatches() {
		pp := fmt.Sprintf("spec.configPatches[%d]", i)
		f := cp.GetMatch().GetListener().GetFilterChain().GetFilter()
		fp := pp + ".match.listener.filterChain.filter"
		if canon, ok := deprecatedFilterNames[f.GetName()]; ok {
			v2Report(pass, fp+".name", "the match names filter %q by its deprecated name (use %s); Istio still translates it, with a warning, and may stop", f.GetName(), canon)
		}
		if canon, ok := deprecatedFilterNames[f.GetSubFilter().GetName()]; ok {
			v2Report(pass, fp+".subFilter.name", "the match names filter %q by its deprecated name (use %s); Istio still translates it, with a warning, and may stop", f.GetSubFilter().GetName(), canon)
		}
		if v := cp.GetPatch().GetValue(); v != nil {
			walkPatchValue(pass, &lazyPath{seg: pp + ".patch.value"}, structpb.NewStructValue(v))
		}
	}
}

func v2Report(pass *lint.Pass, path, format string, args ...any) {
	if undecoded(pass.Resource, path) {
		return
	}
	pass.Report(path, format, args...)
}

// lazyPath is a field path built only when a finding needs it: a patch
// value may nest thousands of levels deep, and spelling out every level's
// path would cost the square of the depth.
type lazyPath struct {
	parent *lazyPath
	seg    string // ".key", "[key]", "[i]", or the root path
}

func (p *lazyPath) String() string {
	var segs []string
	for q := p; q != nil; q = q.parent {
		segs = append(segs, q.seg)
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		b.WriteString(segs[i])
	}
	return b.String()
}

// walkPatchValue looks for the v2 API in a patch value.
func walkPatchValue(pass *lint.Pass, path *lazyPath, v *structpb.Value) {
	switch x := v.GetKind().(type) {
	case *structpb.Value_ListValue:
		for i, e := range x.ListValue.GetValues() {
			walkPatchValue(pass, &lazyPath{parent: path, seg: fmt.Sprintf("[%d]", i)}, e)
		}
	case *structpb.Value_StructValue:
		fields := x.StructValue.GetFields()
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		_, typed := fields["typed_config"]
		if _, ok := fields["typedConfig"]; ok {
			typed = true
		}
		_, hasType := fields["@type"]
		name := fields["name"].GetStringValue()
		for _, k := range keys {
			fv := fields[k]
			kp := &lazyPath{parent: path, seg: "." + k}
			if strings.ContainsAny(k, ".[]") {
				kp.seg = "[" + k + "]"
			}
			switch k {
			case "@type":
				if u := fv.GetStringValue(); v2TypeURL.MatchString(u) {
					v2Report(pass, kp.String(), "type %q is from Envoy's removed v2 API; istiod cannot resolve it and rejects the EnvoyFilter (use the v3 type)", u)
				}
			case "type_url", "typeUrl":
				if u := fv.GetStringValue(); v2TypeURL.MatchString(u) {
					v2Report(pass, kp.String(), "type %q is from Envoy's removed v2 API; the proxy cannot resolve it and rejects the filter (use the v3 type)", u)
				}
			case "config":
				if name != "" && !typed && !hasType && fv.GetStructValue() != nil {
					v2Report(pass, kp.String(), "filter %q is configured with config:, which Envoy's v3 API does not have; the filter gets none of this configuration (use typed_config with a v3 @type)", name)
				}
			case "name":
				_, v2config := fields["config"]
				if canon, ok := deprecatedFilterNames[name]; ok && !typed && !v2config {
					v2Report(pass, kp.String(), "filter %q uses a deprecated name and no typed_config (use %s with typed_config); Envoy no longer finds filters by these names", name, canon)
				}
			}
			walkPatchValue(pass, kp, fv)
		}
	}
}
