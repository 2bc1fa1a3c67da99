package checks

import (
	"github.com/meshlint/meshlint/lint"
)

// Registry is the catalog, in ID order. Adding a check means adding its file,
// its testdata and one line here.
func Registry() []*lint.Check {
	return []*lint.Check{
		MissingIstioMutual,
		HTTPRoutesOnPassthroughGateway,
		HTTPSOnHTTPPort,
		RetryWithoutReset,
		FragileEnvoyFilterInsert,
		TLSRoutesOnTerminatingGateway,
		DoubleTLS,
		SharedGatewayCertificate,
		IngressBypassesSubsetRouting,
		ConnectTimeoutTooLow,
		HeadlessServiceHTTPPort,
		UndefinedSubset,
		GatewayNotFound,
		HostNotInGateway,
		ConflictingGatewayServers,
		InvalidSpec,
		DestinationHostNotFound,
		DestinationRuleHostNotFound,
		ConflictingVirtualServiceHosts,
		UnreachableRoute,
		DuplicateRouteMatch,
		DestinationPortRequired,
		ServiceEntryAddressesRequired,
		ConflictingServiceEntryProtocols,
		IneffectiveEnvoyFilterOperation,
		EnvoyFilterPinnedToProxyVersion,
		RejectedByIstio,
		DeprecatedField,
		MultipleDestinationRulesForHost,
	}
}

// Lookup returns the check of list that idOrName names (its ID in any case,
// or its name), else lint.InternalError when it names ML000 internal-error,
// the engine's own finding, else nil. The CLI and the config file resolve
// every check reference through it.
func Lookup(list []*lint.Check, idOrName string) *lint.Check {
	for _, c := range list {
		if c.Named(idOrName) {
			return c
		}
	}
	if lint.InternalError.Named(idOrName) {
		return lint.InternalError
	}
	return nil
}
