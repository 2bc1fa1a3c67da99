package checks

// httpRouterFilters are the names of the HTTP router filter, the last
// filter of every HTTP filter chain.
var httpRouterFilters = map[string]bool{
	"envoy.filters.http.router": true,
	"envoy.router":              true,
}
