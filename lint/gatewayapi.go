package lint

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GatewayAPIObject is a Kubernetes Gateway API object (group
// gateway.networking.k8s.io), read only for what it says about Istio
// resources: a Gateway's name (a VirtualService may bind to it), and a
// route's backends (an HTTPRoute is traffic to them, like a VirtualService
// route). SourceKind is Gateway, HTTPRoute, GRPCRoute or TLSRoute.
type GatewayAPIObject struct {
	metav1.ObjectMeta
	SourceKind string
	// Backends are a route's backendRefs.
	Backends []BackendRef
}

// A BackendRef is one backendRef of a Gateway API route.
type BackendRef struct {
	// Kind is Service (the default) or Hostname (Istio's name for a
	// ServiceEntry host); Name is the Service's name or the host.
	Kind, Name, Namespace string
	Port                  uint32
}

// Host returns the backend's host: a Service's
// <name>.<namespace>.svc.<domainSuffix>, or the Hostname itself.
func (b BackendRef) Host(domainSuffix string) string {
	if b.Kind == "Hostname" {
		return b.Name
	}
	return ServiceHost(b.Name, b.Namespace, domainSuffix)
}

// GatewayAPI returns the object as a GatewayAPIObject, or nil.
func (r *Resource) GatewayAPI() *GatewayAPIObject {
	o, _ := r.Object.(*GatewayAPIObject)
	return o
}
