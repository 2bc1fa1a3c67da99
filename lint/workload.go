package lint

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Workload is a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
// CronJob or Pod, read only for what it says about sidecar injection: its
// metadata and its pod template's labels and annotations. It is a Resource
// of KindWorkload; SourceKind says which kind it was.
type Workload struct {
	metav1.ObjectMeta
	SourceKind string
	// Template is the pod template's metadata (a Pod's own metadata).
	Template metav1.ObjectMeta
}

// AnnotationInject is the label or annotation that turns sidecar injection
// on or off for a pod.
const AnnotationInject = "sidecar.istio.io/inject"

// NoSidecar reports whether the pod template opts out of sidecar injection
// (sidecar.istio.io/inject: "false", as annotation or label).
func (w *Workload) NoSidecar() bool {
	return w.Template.Annotations[AnnotationInject] == "false" || w.Template.Labels[AnnotationInject] == "false"
}

// Workload returns the object as a Workload, or nil.
func (r *Resource) Workload() *Workload {
	o, _ := r.Object.(*Workload)
	return o
}

// NamespaceObject returns the object as a core/v1 Namespace, or nil.
func (r *Resource) NamespaceObject() *corev1.Namespace {
	o, _ := r.Object.(*corev1.Namespace)
	return o
}
