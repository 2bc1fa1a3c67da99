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
