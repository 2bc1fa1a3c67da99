package checks

// httpRouterFilters are the names of the HTTP router filter, the last
// filter of every HTTP filter chain.
var httpRouterFilters = map[string]bool{
	"envoy.filters.http.router": true,
	"envoy.router":              true,
}

// istiodBuiltHTTPFilters are HTTP filters that istiod itself builds into a
// chain from the mesh's own APIs: jwt_authn from a RequestAuthentication,
// rbac from an AuthorizationPolicy, cors and fault from VirtualServices,
// the gRPC filters for gRPC ports. They are in the generated chain before
// any EnvoyFilter patch runs, and patches are applied again at every push,
// so a patch placed against one does not depend on creation order (and a
// priority, which orders EnvoyFilters among themselves, would change
// nothing). ext_authz is not one of them: EnvoyFilters add it as often as
// a CUSTOM AuthorizationPolicy does.
var istiodBuiltHTTPFilters = map[string]bool{
	"envoy.filters.http.jwt_authn":  true,
	"envoy.filters.http.rbac":       true,
	"envoy.filters.http.cors":       true,
	"envoy.filters.http.fault":      true,
	"envoy.filters.http.grpc_stats": true,
	"envoy.filters.http.grpc_web":   true,
}
