package lint

import (
	"fmt"
	"strings"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	networkingv1alpha3 "istio.io/client-go/pkg/apis/networking/v1alpha3"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kind names a resource kind meshlint reads. Every other kind is skipped.
type Kind string

// The kinds meshlint reads.
const (
	KindDestinationRule    Kind = "DestinationRule"
	KindVirtualService     Kind = "VirtualService"
	KindGateway            Kind = "Gateway"
	KindServiceEntry       Kind = "ServiceEntry"
	KindEnvoyFilter        Kind = "EnvoyFilter"
	KindPeerAuthentication Kind = "PeerAuthentication"
	KindService            Kind = "Service"
	// KindMeshConfig is the mesh config, from the `istio` ConfigMap's `mesh`
	// key or an IstioOperator's spec.meshConfig (Resource.APIVersion and
	// Resource.SourceKind tell which).
	KindMeshConfig Kind = "MeshConfig"
	// KindWorkload is a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
	// CronJob or Pod, read only for its pod template's metadata (Workload).
	KindWorkload Kind = "Workload"
	// KindNamespace is a core/v1 Namespace, read only for its labels.
	KindNamespace Kind = "Namespace"
	// KindGatewayAPIGateway is a gateway.networking.k8s.io Gateway, and
	// KindGatewayAPIRoute an HTTPRoute, GRPCRoute or TLSRoute
	// (GatewayAPIObject).
	KindGatewayAPIGateway Kind = "GatewayAPIGateway"
	KindGatewayAPIRoute   Kind = "GatewayAPIRoute"
)

// Kinds lists every kind meshlint reads, in a stable order.
var Kinds = []Kind{
	KindDestinationRule, KindVirtualService, KindGateway, KindServiceEntry,
	KindEnvoyFilter, KindPeerAuthentication, KindService, KindMeshConfig,
	KindWorkload, KindNamespace, KindGatewayAPIGateway, KindGatewayAPIRoute,
}

// Key identifies a resource within a run.
type Key struct {
	Kind      Kind
	Namespace string
	Name      string
}

func (k Key) String() string { return fmt.Sprintf("%s %s/%s", k.Kind, k.Namespace, k.Name) }

// Less orders keys by kind, namespace and name.
func (k Key) Less(o Key) bool {
	if k.Kind != o.Kind {
		return k.Kind < o.Kind
	}
	if k.Namespace != o.Namespace {
		return k.Namespace < o.Namespace
	}
	return k.Name < o.Name
}

// Position is a place in an input file. Line and Column are 1-based; a zero
// Line means the position is unknown.
type Position struct {
	File   string
	Line   int
	Column int
}

// A Locator turns a field path of a resource ("spec.http[0].retries") into
// the position of that field in its source. Front ends that read files
// provide one; the webhook and --cluster mode do not.
type Locator interface {
	Locate(path string) Position
}

// A SchemaProblem is a field that did not decode into the resource's Istio
// schema: an unknown field, a wrong type or an unknown enum value. Loaders
// record them; the invalid-spec check reports them.
type SchemaProblem struct {
	Path    string // field path, e.g. spec.http[0].retries.retryon
	Message string // e.g. unknown field "retryon"
	// Removed is set for an unknown field that Istio's schema reserves:
	// one that an older release had (mixerCheckServer), not a typo.
	Removed bool
}

// Resource is one typed object the checks read, with where it came from.
type Resource struct {
	Kind       Kind
	APIVersion string
	// Object is the typed object: *networkingv1.DestinationRule,
	// *networkingv1.VirtualService, *networkingv1.Gateway,
	// *networkingv1.ServiceEntry, *networkingv1alpha3.EnvoyFilter,
	// *securityv1.PeerAuthentication, *corev1.Service or *MeshConfig.
	Object metav1.Object
	// Locator maps field paths to file positions; nil when the resource did
	// not come from a file.
	Locator Locator
	// Problems are the schema problems found while decoding (files and
	// admission requests only).
	Problems []SchemaProblem
	// Source is where the object starts in its input: file and line of the
	// document (the zero Position when it did not come from a file). It
	// orders the variants of one key and names them in messages.
	Source Position
	// DefaultNamespace is set when the object came without
	// metadata.namespace and was given the run's default namespace: it is
	// applied into whatever namespace its user picks (kubectl apply -n).
	DefaultNamespace bool
	// Unit names the rendering the resource came from (a Helm chart with
	// its values, a kustomize build), "" for a plain file. A rendering is
	// applied at once, like one file.
	Unit string
}

// Key returns the resource's identity.
func (r *Resource) Key() Key {
	return Key{Kind: r.Kind, Namespace: r.Object.GetNamespace(), Name: r.Object.GetName()}
}

// Namespace returns the resource's namespace.
func (r *Resource) Namespace() string { return r.Object.GetNamespace() }

// Name returns the resource's name.
func (r *Resource) Name() string { return r.Object.GetName() }

// Locate returns the position of a field, or the zero Position when unknown.
func (r *Resource) Locate(path string) Position {
	if r.Locator == nil {
		return Position{}
	}
	return r.Locator.Locate(path)
}

// SourceKind returns the kind of the object the user wrote: the Kind, except
// for the mesh config, which is read from a ConfigMap, an IstioOperator or
// the meshlint config file's mesh block. Findings name this kind.
func (r *Resource) SourceKind() string {
	if mc := r.MeshConfig(); mc != nil && mc.SourceKind != "" {
		return mc.SourceKind
	}
	if w := r.Workload(); w != nil && w.SourceKind != "" {
		return w.SourceKind
	}
	if g := r.GatewayAPI(); g != nil && g.SourceKind != "" {
		return g.SourceKind
	}
	return string(r.Kind)
}

// File returns the file the resource came from, or "".
func (r *Resource) File() string { return r.Source.File }

// CompareResources orders resources by kind, namespace and name, then, for
// variants of one key, by where they start in the input.
func CompareResources(a, b *Resource) int {
	if a == b {
		return 0
	}
	ka, kb := a.Key(), b.Key()
	if ka != kb {
		if ka.Less(kb) {
			return -1
		}
		return 1
	}
	if a.Source.File != b.Source.File {
		return strings.Compare(a.Source.File, b.Source.File)
	}
	return a.Source.Line - b.Source.Line
}

func (r *Resource) String() string {
	return fmt.Sprintf("%s %s/%s", r.Kind, r.Namespace(), r.Name())
}

// DestinationRule returns the object as a DestinationRule, or nil.
func (r *Resource) DestinationRule() *networkingv1.DestinationRule {
	o, _ := r.Object.(*networkingv1.DestinationRule)
	return o
}

// VirtualService returns the object as a VirtualService, or nil.
func (r *Resource) VirtualService() *networkingv1.VirtualService {
	o, _ := r.Object.(*networkingv1.VirtualService)
	return o
}

// Gateway returns the object as a Gateway, or nil.
func (r *Resource) Gateway() *networkingv1.Gateway {
	o, _ := r.Object.(*networkingv1.Gateway)
	return o
}

// ServiceEntry returns the object as a ServiceEntry, or nil.
func (r *Resource) ServiceEntry() *networkingv1.ServiceEntry {
	o, _ := r.Object.(*networkingv1.ServiceEntry)
	return o
}

// EnvoyFilter returns the object as an EnvoyFilter, or nil.
func (r *Resource) EnvoyFilter() *networkingv1alpha3.EnvoyFilter {
	o, _ := r.Object.(*networkingv1alpha3.EnvoyFilter)
	return o
}

// PeerAuthentication returns the object as a PeerAuthentication, or nil.
func (r *Resource) PeerAuthentication() *securityv1.PeerAuthentication {
	o, _ := r.Object.(*securityv1.PeerAuthentication)
	return o
}

// Service returns the object as a core/v1 Service, or nil.
func (r *Resource) Service() *corev1.Service {
	o, _ := r.Object.(*corev1.Service)
	return o
}

// MeshConfig returns the object as a MeshConfig, or nil.
func (r *Resource) MeshConfig() *MeshConfig {
	o, _ := r.Object.(*MeshConfig)
	return o
}

// NewResource wraps a typed object (as listed on Resource.Object) in a
// Resource, or returns nil for a type meshlint does not read. apiVersion is
// the version the object was served as; "" picks the kind's default (the
// APIVersion of its first row in KindTable).
func NewResource(obj metav1.Object, apiVersion string) *Resource {
	var kind Kind
	switch o := obj.(type) {
	case *networkingv1.DestinationRule:
		kind = KindDestinationRule
	case *networkingv1.VirtualService:
		kind = KindVirtualService
	case *networkingv1.Gateway:
		kind = KindGateway
	case *networkingv1.ServiceEntry:
		kind = KindServiceEntry
	case *networkingv1alpha3.EnvoyFilter:
		kind = KindEnvoyFilter
	case *securityv1.PeerAuthentication:
		kind = KindPeerAuthentication
	case *corev1.Service:
		kind = KindService
	case *MeshConfig:
		kind = KindMeshConfig
	case *Workload:
		kind = KindWorkload
	case *corev1.Namespace:
		kind = KindNamespace
	case *GatewayAPIObject:
		kind = KindGatewayAPIRoute
		if o.SourceKind == "Gateway" {
			kind = KindGatewayAPIGateway
		}
	default:
		return nil
	}
	if apiVersion == "" {
		apiVersion = defaultVersion[kind]
	}
	return &Resource{Kind: kind, APIVersion: apiVersion, Object: obj}
}
