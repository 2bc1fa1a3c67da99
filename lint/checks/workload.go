package checks

import (
	"github.com/meshlint/meshlint/lint"
)

// WorkloadsByNamespace files workloads by namespace.
var WorkloadsByNamespace = &lint.Table{Name: "workloads-by-namespace", Kind: lint.KindWorkload, Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
	return []string{r.Namespace()}
}}

// InjectionNamespaces files the Namespaces that carry an injection label
// (istio-injection or istio.io/rev) under "labelled".
var InjectionNamespaces = &lint.Table{Name: "namespaces-with-injection-label", Kind: lint.KindNamespace, Keys: func(r *lint.Resource, _ *lint.Mesh) []string {
	if _, ok := injectionLabel(r.Object.GetLabels()); ok {
		return []string{"labelled"}
	}
	return nil
}}

// OutsideMeshTables are the tables OutsideMesh reads.
var OutsideMeshTables = []*lint.Table{WorkloadsByNamespace, InjectionNamespaces}

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
func OutsideMesh(v lint.View, ns string, selector map[string]string, service string) (bool, string) {
	if nsObj := v.Get(lint.Key{Kind: lint.KindNamespace, Name: ns}); nsObj != nil {
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
		return true, "its pods opt out of sidecar injection (" + lint.AnnotationInject + ": \"false\")"
	}
	return false, ""
}

// SelectorSubset reports whether every label of a is in b with the same
// value (equal maps included). An empty a is a subset of everything.
func SelectorSubset(a, b map[string]string) bool {
	if len(a) > len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// SameWorkload reports whether two Gateway selectors pick the same gateway
// workload: one is a subset of the other.
func SameWorkload(a, b map[string]string) bool {
	return SelectorSubset(a, b) || SelectorSubset(b, a)
}
