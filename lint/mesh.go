package lint

import (
	"maps"
	"slices"
	"strings"
	"time"

	meshconfig "istio.io/api/mesh/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MeshConfig is the mesh config found among the inputs: the `mesh` key of
// the `istio` ConfigMap in the root namespace, the spec.meshConfig of an
// IstioOperator, or the mesh block of the meshlint config file. It is a
// Resource of KindMeshConfig.
type MeshConfig struct {
	metav1.ObjectMeta
	// SourceKind is "ConfigMap" or "IstioOperator".
	SourceKind string
	Spec       *meshconfig.MeshConfig
}

// SourceKindConfig marks the mesh block of the meshlint config file.
const SourceKindConfig = "MeshlintConfig"

// FieldPath returns the path of a mesh config field ("connectTimeout") in
// the resource it came from: data.mesh.connectTimeout in the ConfigMap,
// spec.meshConfig.connectTimeout in an IstioOperator, mesh.connectTimeout
// in the meshlint config file.
func (m *MeshConfig) FieldPath(field string) string {
	switch m.SourceKind {
	case "IstioOperator":
		return "spec.meshConfig." + field
	case SourceKindConfig:
		return "mesh." + field
	}
	return "data.mesh." + field
}

// mTLS modes as the config file and PeerAuthentication spell them.
const (
	MTLSStrict     = "STRICT"
	MTLSPermissive = "PERMISSIVE"
	MTLSDisable    = "DISABLE"
)

// Mesh holds the mesh-wide settings the checks depend on: what the config
// file's mesh block says, overlaid by a mesh config found in the inputs.
type Mesh struct {
	// MTLS is the mesh-wide default mode when no PeerAuthentication says
	// otherwise: STRICT, PERMISSIVE, DISABLE or "" (unknown).
	MTLS string
	// EnableAutoMtls is nil when unknown; Istio's default is true.
	EnableAutoMtls *bool
	RootNamespace  string
	// ConfigMap is the name of the ConfigMap in the root namespace whose
	// `mesh` key holds the mesh config: "istio", or "istio-<revision>" for a
	// mesh installed with revisions ("" means "istio").
	ConfigMap    string
	DomainSuffix string
	// ConnectTimeout is zero when unset (Istio's default is 10s).
	ConnectTimeout time.Duration
	// TLSPorts are the port numbers that carry TLS (443 is always one).
	TLSPorts []uint32
	// ProxyMetadata is the mesh config's defaultConfig.proxyMetadata
	// (ISTIO_META_DNS_CAPTURE, ISTIO_META_DNS_AUTO_ALLOCATE); nil when unknown.
	ProxyMetadata map[string]string
	// IstioVersion is the mesh's Istio (proxy) version, such as "1.24.2", from
	// the config file's mesh.istioVersion or the CLI's --istio-version; ""
	// when unknown.
	IstioVersion string
	// RegistryOnly is set when the mesh config's outboundTrafficPolicy is
	// REGISTRY_ONLY: a host outside the service registry gets 502.
	RegistryOnly bool
}

// DefaultDomainSuffix is Istio's default domain suffix.
const DefaultDomainSuffix = "cluster.local"

// DefaultMesh returns Istio's defaults.
func DefaultMesh() Mesh {
	return Mesh{RootNamespace: "istio-system", DomainSuffix: DefaultDomainSuffix, TLSPorts: []uint32{443}}
}

// Normalized returns m with DomainSuffix in the one form checks and tables
// read: without a leading dot, and DefaultDomainSuffix when empty. An Index
// normalises the mesh it is given, so that a View's Mesh and the mesh its
// tables' Keys get always carry a domain suffix.
func (m Mesh) Normalized() Mesh {
	m.DomainSuffix = strings.TrimPrefix(m.DomainSuffix, ".")
	if m.DomainSuffix == "" {
		m.DomainSuffix = DefaultDomainSuffix
	}
	return m
}

// MeshConfigMap returns the name of the mesh ConfigMap: ConfigMap, or
// "istio" when it is not set.
func (m *Mesh) MeshConfigMap() string {
	if m.ConfigMap == "" {
		return "istio"
	}
	return m.ConfigMap
}

// Equal reports whether two mesh settings are the same: every field is
// compared, and a ConfigMap of "" is "istio". The webhook keeps its index
// when a new config leaves the mesh settings Equal, and rebuilds it when
// not.
func (m *Mesh) Equal(o *Mesh) bool {
	return m.MTLS == o.MTLS &&
		(m.EnableAutoMtls == nil) == (o.EnableAutoMtls == nil) &&
		(m.EnableAutoMtls == nil || *m.EnableAutoMtls == *o.EnableAutoMtls) &&
		m.RootNamespace == o.RootNamespace &&
		m.MeshConfigMap() == o.MeshConfigMap() &&
		m.DomainSuffix == o.DomainSuffix &&
		m.ConnectTimeout == o.ConnectTimeout &&
		slices.Equal(m.TLSPorts, o.TLSPorts) &&
		(m.ProxyMetadata == nil) == (o.ProxyMetadata == nil) &&
		maps.Equal(m.ProxyMetadata, o.ProxyMetadata) &&
		m.IstioVersion == o.IstioVersion &&
		m.RegistryOnly == o.RegistryOnly
}

// AutoMtls reports whether auto mTLS is on (Istio's default).
func (m *Mesh) AutoMtls() bool { return m.EnableAutoMtls == nil || *m.EnableAutoMtls }

// IsTLSPort reports whether port carries TLS by convention or configuration.
func (m *Mesh) IsTLSPort(port uint32) bool {
	if port == 443 {
		return true
	}
	for _, p := range m.TLSPorts {
		if p == port {
			return true
		}
	}
	return false
}

// withConfig overlays a mesh config resource found in the inputs.
func (m Mesh) withConfig(mc *MeshConfig) Mesh {
	if mc == nil || mc.Spec == nil {
		return m
	}
	s := mc.Spec
	if v := s.GetEnableAutoMtls(); v != nil {
		b := v.GetValue()
		m.EnableAutoMtls = &b
	}
	if s.GetRootNamespace() != "" {
		m.RootNamespace = s.GetRootNamespace()
	}
	if d := s.GetConnectTimeout(); d != nil {
		m.ConnectTimeout = d.AsDuration()
	}
	if md := s.GetDefaultConfig().GetProxyMetadata(); len(md) > 0 {
		m.ProxyMetadata = md
	}
	if s.GetOutboundTrafficPolicy().GetMode() == meshconfig.MeshConfig_OutboundTrafficPolicy_REGISTRY_ONLY {
		m.RegistryOnly = true
	}
	return m
}
