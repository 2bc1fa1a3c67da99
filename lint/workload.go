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

// WorkloadsByNamespace files workloads by namespace.
var WorkloadsByNamespace = &Table{Name: "workloads-by-namespace", Kind: KindWorkload, Keys: func(r *Resource, _ *Mesh) []string {
	return []string{r.Namespace()}
}}

// InjectionNamespaces files the Namespaces that carry an injection label
// (istio-injection or istio.io/rev) under "labelled".
var InjectionNamespaces = &Table{Name: "namespaces-with-injection-label", Kind: KindNamespace, Keys: func(r *Resource, _ *Mesh) []string {
	if _, ok := injectionLabel(r.Object.GetLabels()); ok {
		return []string{"labelled"}
	}
	return nil
}}

// OutsideMeshTables are the tables OutsideMesh reads.
var OutsideMeshTables = []*Table{WorkloadsByNamespace, InjectionNamespaces}

// injectionLabel returns the namespace's injection setting: the value of
// istio-injection, or "enabled" for a revision label.
func injectionLabel(labels map[string]string) (string, bool) {
	if v, ok := labels["istio-injection"]; ok {
		return v, true
	}
	if _, ok := labels["istio.io/rev"]; ok {
		return "enabled", true
	}
	return "", false
}

// OutsideMesh reports whether the input shows the pods of a service in
// namespace ns without sidecars, and why: the Namespace is labelled
// istio-injection: disabled, or has no injection label while another
// Namespace in the input has one; or every workload of the namespace whose
// pod template the service's selector picks (when the Service is not
// visible, whose app label is the service's name) opts out with
// sidecar.istio.io/inject: "false". It reads KindNamespace and
// KindWorkload.
func OutsideMesh(v View, ns string, selector map[string]string, service string) (bool, string) {
	if nsObj := v.Get(Key{Kind: KindNamespace, Name: ns}); nsObj != nil {
		switch inj, ok := injectionLabel(nsObj.Object.GetLabels()); {
		case ok && inj == "disabled":
			return true, "namespace " + ns + " is labelled istio-injection: disabled"
		case !ok && v.Count(InjectionNamespaces, "labelled") > 0:
			return true, "namespace " + ns + " has no injection label while other namespaces in the input do"
		}
	}
	if len(selector) == 0 && service == "" {
		return false, ""
	}
	matched, opted := 0, 0
	for _, r := range v.Lookup(WorkloadsByNamespace, ns) {
		w := r.Workload()
		picks := len(selector) > 0 && SelectorSubset(selector, w.Template.Labels)
		if len(selector) == 0 {
			picks = w.Template.Labels["app"] == service || w.Template.Labels["app.kubernetes.io/name"] == service
		}
		if !picks {
			continue
		}
		matched++
		if w.NoSidecar() {
			opted++
		}
	}
	if matched > 0 && matched == opted {
		return true, "its pods opt out of sidecar injection (" + AnnotationInject + ": \"false\")"
	}
	return false, ""
}
