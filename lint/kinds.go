package lint

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	networkingv1alpha3 "istio.io/client-go/pkg/apis/networking/v1alpha3"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Object is a typed Kubernetes object: what controller-runtime calls
// client.Object (an Object is one), declared here so that the engine does
// not depend on a client library.
type Object interface {
	metav1.Object
	runtime.Object
}

// ObjectList is a typed list of Kubernetes objects: controller-runtime's
// client.ObjectList.
type ObjectList interface {
	metav1.ListInterface
	runtime.Object
}

// A KindInfo is what meshlint knows about one Kubernetes kind it reads:
// where the API serves it, the Go types it is read into, and which front
// ends read it. The loader, --cluster, the webhook (its admitted kinds and
// informers) and the chart's tests all derive from KindTable.
type KindInfo struct {
	// Kind is the lint kind the objects become. Several Kubernetes kinds
	// may become one (the workloads, the mesh config's two sources).
	Kind Kind
	// Group is the API group, "" for the core group.
	Group string
	// Name is the Kubernetes kind: "DestinationRule", "Deployment".
	Name string
	// Resource is the plural resource name the API server serves it as.
	Resource string
	// Versions are the versions the API serves, preferred first; files in
	// any other version are not read as this kind. Nil for the kinds that
	// files are read for in whatever version they come (only their
	// metadata or references matter: workloads, Gateway API, IstioOperator).
	Versions []string
	// APIVersion is the apiVersion meshlint reads the kind as from a
	// cluster, and the one a Resource wrapped from a typed object of it
	// defaults to: the preferred (and storage) version.
	APIVersion string
	// New returns an empty typed object, NewList an empty typed list and
	// Items a list's items, for the kinds read from a cluster (Cluster or
	// Webhook set); nil for the others.
	New     func() Object
	NewList func() ObjectList
	Items   func(ObjectList) []Object
	// Spec returns the protobuf spec of an object made by New, for the
	// Istio kinds, whose spec the loader decodes field by field; nil for
	// the others.
	Spec func(Object) proto.Message
	// Webhook is set for the kinds the webhook admits (CREATE, UPDATE and
	// DELETE requests) and watches through its informer cache.
	Webhook bool
	// Cluster is set for the kinds `meshlint --cluster` lists. The mesh
	// ConfigMap is read by name (Mesh.MeshConfigMap), not listed: neither
	// flag is set on it.
	Cluster bool
	// Watched is set for the kinds the webhook watches without admitting
	// requests for them: Namespaces, whose labels say where pods get
	// sidecars.
	Watched bool
	// ClusterScoped is set for the kinds that live in no namespace.
	ClusterScoped bool
	// Optional is set for the kinds a run can do without: one that may not
	// list them (a namespace-scoped user and Namespaces) goes on, only
	// knowing less.
	Optional bool
}

// GroupVersion returns the group/version string of version in the kind's
// group ("networking.istio.io/v1", or "v1" for the core group).
func (k KindInfo) GroupVersion(version string) string {
	if k.Group == "" {
		return version
	}
	return k.Group + "/" + version
}

// Serves reports whether files of the kind are read in version.
func (k KindInfo) Serves(version string) bool {
	return k.Versions == nil || slices.Contains(k.Versions, version)
}

// istioKind is a row for an Istio kind, which meshlint reads everywhere.
func istioKind[T any, PT interface {
	*T
	Object
}, L any, PL interface {
	*L
	ObjectList
}](kind Kind, group, resource string, versions []string, items func(PL) []PT, spec func(PT) proto.Message) KindInfo {
	return KindInfo{
		Kind: kind, Group: group, Name: string(kind), Resource: resource, Versions: versions,
		APIVersion: group + "/" + versions[0],
		New:        func() Object { return PT(new(T)) },
		NewList:    func() ObjectList { return PL(new(L)) },
		Items:      func(l ObjectList) []Object { return objs(items(l.(PL))) },
		Spec:       func(o Object) proto.Message { return spec(o.(PT)) },
		Webhook:    true, Cluster: true,
	}
}

// filesOnly is a row for a kind read from files only.
func filesOnly(kind Kind, group, name, resource string, versions []string, apiVersion string) KindInfo {
	return KindInfo{Kind: kind, Group: group, Name: name, Resource: resource, Versions: versions, APIVersion: apiVersion}
}

var (
	// Every version the Istio CRDs serve their v1 kinds in (the test
	// against istio.io/api's CRDs keeps these honest).
	networkingVersions = []string{"v1", "v1beta1", "v1alpha3"}
	securityVersions   = []string{"v1", "v1beta1"}
)

// kindTable is KindTable's rows. The first row of a lint kind gives
// NewResource's default apiVersion for it.
var kindTable = []KindInfo{
	istioKind(
		KindDestinationRule, "networking.istio.io", "destinationrules", networkingVersions,
		func(l *networkingv1.DestinationRuleList) []*networkingv1.DestinationRule { return l.Items },
		func(o *networkingv1.DestinationRule) proto.Message { return &o.Spec }),
	istioKind(
		KindVirtualService, "networking.istio.io", "virtualservices", networkingVersions,
		func(l *networkingv1.VirtualServiceList) []*networkingv1.VirtualService { return l.Items },
		func(o *networkingv1.VirtualService) proto.Message { return &o.Spec }),
	istioKind(
		KindGateway, "networking.istio.io", "gateways", networkingVersions,
		func(l *networkingv1.GatewayList) []*networkingv1.Gateway { return l.Items },
		func(o *networkingv1.Gateway) proto.Message { return &o.Spec }),
	istioKind(
		KindServiceEntry, "networking.istio.io", "serviceentries", networkingVersions,
		func(l *networkingv1.ServiceEntryList) []*networkingv1.ServiceEntry { return l.Items },
		func(o *networkingv1.ServiceEntry) proto.Message { return &o.Spec }),
	// EnvoyFilter never left v1alpha3.
	istioKind(
		KindEnvoyFilter, "networking.istio.io", "envoyfilters", []string{"v1alpha3"},
		func(l *networkingv1alpha3.EnvoyFilterList) []*networkingv1alpha3.EnvoyFilter { return l.Items },
		func(o *networkingv1alpha3.EnvoyFilter) proto.Message { return &o.Spec }),
	istioKind(
		KindPeerAuthentication, "security.istio.io", "peerauthentications", securityVersions,
		func(l *securityv1.PeerAuthenticationList) []*securityv1.PeerAuthentication { return l.Items },
		func(o *securityv1.PeerAuthentication) proto.Message { return &o.Spec }),
	{
		Kind: KindService, Group: "", Name: "Service", Resource: "services", Versions: []string{"v1"}, APIVersion: "v1",
		New:     func() Object { return &corev1.Service{} },
		NewList: func() ObjectList { return &corev1.ServiceList{} },
		Items:   func(l ObjectList) []Object { return ptrs(l.(*corev1.ServiceList).Items) },
		Webhook: true, Cluster: true,
	},
	// The mesh config: the data.mesh of the ConfigMap Mesh.MeshConfigMap
	// names, which the webhook and --cluster read by name, or an
	// IstioOperator's spec.meshConfig.
	filesOnly(KindMeshConfig, "", "ConfigMap", "configmaps", []string{"v1"}, "v1"),
	filesOnly(KindMeshConfig, "install.istio.io", "IstioOperator", "istiooperators", nil, "install.istio.io/v1alpha1"),
	// Read for their labels (which have sidecars), in a cluster too: there
	// are few of them.
	{
		Kind: KindNamespace, Group: "", Name: "Namespace", Resource: "namespaces", Versions: []string{"v1"}, APIVersion: "v1",
		New:     func() Object { return &corev1.Namespace{} },
		NewList: func() ObjectList { return &corev1.NamespaceList{} },
		Items:   func(l ObjectList) []Object { return ptrs(l.(*corev1.NamespaceList).Items) },
		Cluster: true, Watched: true, ClusterScoped: true, Optional: true,
	},
	// Workloads: in a cluster they are too many to watch for what they say
	// about sidecars.
	filesOnly(KindWorkload, "apps", "Deployment", "deployments", nil, "apps/v1"),
	filesOnly(KindWorkload, "apps", "StatefulSet", "statefulsets", nil, "apps/v1"),
	filesOnly(KindWorkload, "apps", "DaemonSet", "daemonsets", nil, "apps/v1"),
	filesOnly(KindWorkload, "apps", "ReplicaSet", "replicasets", nil, "apps/v1"),
	filesOnly(KindWorkload, "extensions", "Deployment", "deployments", nil, "extensions/v1beta1"),
	filesOnly(KindWorkload, "extensions", "StatefulSet", "statefulsets", nil, "extensions/v1beta1"),
	filesOnly(KindWorkload, "extensions", "DaemonSet", "daemonsets", nil, "extensions/v1beta1"),
	filesOnly(KindWorkload, "extensions", "ReplicaSet", "replicasets", nil, "extensions/v1beta1"),
	filesOnly(KindWorkload, "batch", "Job", "jobs", nil, "batch/v1"),
	filesOnly(KindWorkload, "batch", "CronJob", "cronjobs", nil, "batch/v1"),
	filesOnly(KindWorkload, "", "Pod", "pods", nil, "v1"),
	// Gateway API: its CRDs are optional in a cluster.
	filesOnly(KindGatewayAPIGateway, "gateway.networking.k8s.io", "Gateway", "gateways", nil, "gateway.networking.k8s.io/v1"),
	filesOnly(KindGatewayAPIRoute, "gateway.networking.k8s.io", "HTTPRoute", "httproutes", nil, "gateway.networking.k8s.io/v1"),
	filesOnly(KindGatewayAPIRoute, "gateway.networking.k8s.io", "GRPCRoute", "grpcroutes", nil, "gateway.networking.k8s.io/v1"),
	filesOnly(KindGatewayAPIRoute, "gateway.networking.k8s.io", "TLSRoute", "tlsroutes", nil, "gateway.networking.k8s.io/v1alpha2"),
}

type groupKind struct{ group, name string }

var (
	kindByGroupKind = map[groupKind]int{}
	defaultVersion  = map[Kind]string{}
)

func init() {
	for i, k := range kindTable {
		kindByGroupKind[groupKind{k.Group, k.Name}] = i
		if _, ok := defaultVersion[k.Kind]; !ok {
			defaultVersion[k.Kind] = k.APIVersion
		}
	}
}

// KindTable returns every Kubernetes kind meshlint reads, one row each, in
// a stable order: a copy, which callers may change.
func KindTable() []KindInfo {
	out := slices.Clone(kindTable)
	for i := range out {
		out[i].Versions = slices.Clone(out[i].Versions)
	}
	return out
}

// LookupKind returns the row of a Kubernetes group and kind, or false for a
// kind meshlint does not read.
func LookupKind(group, name string) (KindInfo, bool) {
	i, ok := kindByGroupKind[groupKind{group, name}]
	if !ok {
		return KindInfo{}, false
	}
	return kindTable[i], true
}

// GroupServes reports whether some kind of the table is served in
// group/version: a file in that version is about meshlint's kinds even
// when its own kind is not served there (an EnvoyFilter written as
// networking.istio.io/v1).
func GroupServes(group, version string) bool {
	for _, k := range kindTable {
		if k.Group == group && k.Versions != nil && slices.Contains(k.Versions, version) {
			return true
		}
	}
	return false
}

// ServedAs says in which apiVersions a kind is served: "networking.istio.io/v1alpha3",
// or several joined by " or ".
func (k KindInfo) ServedAs() string {
	out := make([]string, len(k.Versions))
	for i, v := range k.Versions {
		out[i] = k.GroupVersion(v)
	}
	return strings.Join(out, " or ")
}

// objs converts a slice of typed objects (Istio lists hold pointers).
func objs[T Object](items []T) []Object {
	out := make([]Object, len(items))
	for i, o := range items {
		out[i] = o
	}
	return out
}

// ptrs returns pointers to the items of a typed list whose element types
// are pointer-receiver Objects (core lists hold values).
func ptrs[T any, PT interface {
	*T
	Object
}](items []T) []Object {
	out := make([]Object, len(items))
	for i := range items {
		out[i] = PT(&items[i])
	}
	return out
}
