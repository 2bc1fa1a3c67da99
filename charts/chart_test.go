package charts

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chartutil"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/meshlint/meshlint/cluster"
	"github.com/meshlint/meshlint/config"
	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/checks"
)

// rendered is a rendering decoded into typed objects. Decoding rejects unknown fields, so a
// misspelled field in a template fails here rather than being dropped by the API server.
type rendered struct {
	t         *testing.T
	namespace string
	objs      []*unstructured.Unstructured

	deployment *appsv1.Deployment
	service    *corev1.Service
	pdb        *policyv1.PodDisruptionBudget
	vwc        *admissionv1.ValidatingWebhookConfiguration
	configMap  *corev1.ConfigMap
	secrets    []*corev1.Secret
	sa         *corev1.ServiceAccount
	rbac       rbacSet
	vap        *admissionv1.ValidatingAdmissionPolicy
	vapBinding *admissionv1.ValidatingAdmissionPolicyBinding
}

func render(t *testing.T, opts Options) *rendered {
	t.Helper()
	r, err := RenderWith(opts)
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	ns := opts.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	c := &rendered{t: t, namespace: ns, objs: r.Objects}
	seen := map[string]bool{}
	for _, o := range r.Objects {
		id := fmt.Sprintf("%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
		if seen[id] {
			t.Errorf("%s rendered twice", id)
		}
		seen[id] = true
		switch o.GetKind() {
		case "Deployment":
			c.deployment = typed[appsv1.Deployment](t, o)
		case "Service":
			c.service = typed[corev1.Service](t, o)
		case "PodDisruptionBudget":
			c.pdb = typed[policyv1.PodDisruptionBudget](t, o)
		case "ValidatingWebhookConfiguration":
			c.vwc = typed[admissionv1.ValidatingWebhookConfiguration](t, o)
		case "ConfigMap":
			c.configMap = typed[corev1.ConfigMap](t, o)
		case "Secret":
			c.secrets = append(c.secrets, typed[corev1.Secret](t, o))
		case "ServiceAccount":
			c.sa = typed[corev1.ServiceAccount](t, o)
		case "ClusterRole":
			c.rbac.clusterRoles = append(c.rbac.clusterRoles, typed[rbacv1.ClusterRole](t, o))
		case "ClusterRoleBinding":
			c.rbac.clusterRoleBindings = append(c.rbac.clusterRoleBindings, typed[rbacv1.ClusterRoleBinding](t, o))
		case "Role":
			c.rbac.roles = append(c.rbac.roles, typed[rbacv1.Role](t, o))
		case "RoleBinding":
			c.rbac.roleBindings = append(c.rbac.roleBindings, typed[rbacv1.RoleBinding](t, o))
		case "ValidatingAdmissionPolicy":
			c.vap = typed[admissionv1.ValidatingAdmissionPolicy](t, o)
		case "ValidatingAdmissionPolicyBinding":
			c.vapBinding = typed[admissionv1.ValidatingAdmissionPolicyBinding](t, o)
		case "NetworkPolicy":
			// Checked where rendered.
		case "Certificate", "Issuer", "ServiceMonitor":
			// CRDs: checked field by field where used.
		default:
			t.Errorf("unexpected kind %s rendered", o.GetKind())
		}
	}
	for _, want := range []struct {
		kind string
		ok   bool
	}{
		{"Deployment", c.deployment != nil}, {"Service", c.service != nil},
		{"ValidatingWebhookConfiguration", c.vwc != nil}, {"ConfigMap", c.configMap != nil},
		// Unless serviceAccount.create is off.
		{"ServiceAccount", c.sa != nil || !c.createsServiceAccount(opts)},
	} {
		if !want.ok {
			t.Fatalf("no %s rendered", want.kind)
		}
	}
	return c
}

func (c *rendered) createsServiceAccount(opts Options) bool {
	sa, _ := opts.Values["serviceAccount"].(map[string]any)
	create, ok := sa["create"].(bool)
	return !ok || create
}

func typed[T any](t *testing.T, u *unstructured.Unstructured) *T {
	t.Helper()
	var obj T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, &obj, true); err != nil {
		t.Errorf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
	return &obj
}

func (c *rendered) container() *corev1.Container {
	cs := c.deployment.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		c.t.Fatalf("deployment has %d containers, want 1", len(cs))
	}
	return &cs[0]
}

// args returns the container's flags as a map, after checking the subcommand.
func (c *rendered) args() map[string]string {
	args := c.container().Args
	if len(args) == 0 || args[0] != "webhook" {
		c.t.Fatalf("container args %q do not start with the webhook subcommand", args)
	}
	m := map[string]string{}
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok || !strings.HasPrefix(k, "--") {
			c.t.Errorf("arg %q is not --flag=value", a)
			continue
		}
		m[k] = v
	}
	return m
}

func (c *rendered) volume(name string) *corev1.Volume {
	for i, v := range c.deployment.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return &c.deployment.Spec.Template.Spec.Volumes[i]
		}
	}
	c.t.Fatalf("no volume %q", name)
	return nil
}

func (c *rendered) mountPath(volume string) string {
	for _, m := range c.container().VolumeMounts {
		if m.Name == volume {
			return m.MountPath
		}
	}
	c.t.Fatalf("volume %q is not mounted", volume)
	return ""
}

func (c *rendered) find(kind string) *unstructured.Unstructured {
	objs := OfKind(c.objs, kind)
	if len(objs) != 1 {
		c.t.Fatalf("%d %s objects rendered, want 1", len(objs), kind)
	}
	return objs[0]
}

func (c *rendered) none(kinds ...string) {
	c.t.Helper()
	for _, k := range kinds {
		if n := len(OfKind(c.objs, k)); n > 0 {
			c.t.Errorf("%d %s objects rendered, want none", n, k)
		}
	}
}

func str(t *testing.T, u *unstructured.Unstructured, path ...string) string {
	t.Helper()
	v, _, err := unstructured.NestedString(u.Object, path...)
	if err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), strings.Join(path, "."), err)
	}
	return v
}

func TestDefaults(t *testing.T) {
	c := render(t, Options{})

	t.Run("deployment", func(t *testing.T) {
		d := c.deployment
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
			t.Errorf("replicas = %v, want 2", d.Spec.Replicas)
		}
		pod := d.Spec.Template.Spec
		if pod.ServiceAccountName != c.sa.Name {
			t.Errorf("serviceAccountName = %q, want %q", pod.ServiceAccountName, c.sa.Name)
		}
		if !selects(d.Spec.Selector, d.Spec.Template.Labels) {
			t.Errorf("deployment selector %v does not select its pods %v", d.Spec.Selector, d.Spec.Template.Labels)
		}
		var spread bool
		for _, tsc := range pod.TopologySpreadConstraints {
			if tsc.TopologyKey == "kubernetes.io/hostname" && tsc.MaxSkew == 1 && selects(tsc.LabelSelector, d.Spec.Template.Labels) {
				spread = true
			}
		}
		if !spread {
			t.Errorf("no topology spread across nodes selecting the pods: %+v", pod.TopologySpreadConstraints)
		}
		if got := d.Spec.Template.Labels["sidecar.istio.io/inject"]; got != "false" {
			t.Errorf("pod label sidecar.istio.io/inject = %q, want \"false\": a sidecar would break the API server's TLS to the webhook", got)
		}
		if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
			t.Errorf("rolling update may take a pod down before its replacement is ready: %+v", ru)
		}
	})

	t.Run("pod security restricted", func(t *testing.T) {
		assertRestricted(t, &c.deployment.Spec.Template.Spec)
	})

	t.Run("resources", func(t *testing.T) {
		r := c.container().Resources
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, lim := r.Requests[name], r.Limits[name]
			if req.IsZero() || lim.IsZero() {
				t.Errorf("%s request %v, limit %v: want both set", name, req.String(), lim.String())
			} else if req.Cmp(lim) > 0 {
				t.Errorf("%s request %v above limit %v", name, req.String(), lim.String())
			}
		}
	})

	t.Run("probes", func(t *testing.T) {
		ctr := c.container()
		args := c.args()
		port := portNamed(t, ctr, "health")
		if got, want := args["--health-probe-bind-address"], fmt.Sprintf(":%d", port); got != want {
			t.Errorf("--health-probe-bind-address = %q, want %q (the port the probes use)", got, want)
		}
		for _, p := range []struct {
			name  string
			probe *corev1.Probe
			path  string
		}{{"liveness", ctr.LivenessProbe, "/healthz"}, {"readiness", ctr.ReadinessProbe, "/readyz"}} {
			if p.probe == nil || p.probe.HTTPGet == nil {
				t.Errorf("%s probe is not an HTTP probe: %+v", p.name, p.probe)
				continue
			}
			if p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "health" {
				t.Errorf("%s probe = %s on %s, want %s on health", p.name, p.probe.HTTPGet.Path, p.probe.HTTPGet.Port.String(), p.path)
			}
		}
	})

	t.Run("flags", func(t *testing.T) {
		args := c.args()
		want := map[string]string{
			"--port":                      "9443",
			"--cert-dir":                  c.mountPath("certs"),
			"--config":                    c.mountPath("config") + "/config.yaml",
			"--mode":                      "warn",
			"--enforce-severity":          "error",
			"--tenant-isolation":          "true",
			"--deny-unchecked":            "true",
			"--metrics-bind-address":      ":8080",
			"--health-probe-bind-address": ":8081",
			"--log-level":                 "info",
			"--cert-rotation-secret":      "meshlint-cert",
			"--cert-rotation-namespace":   c.namespace,
			"--webhook-config-name":       c.vwc.Name,
			"--service-name":              c.service.Name,
			"--cert-rotation-validity":    "8760h",
			"--cert-rotation-lookahead":   "2160h",
		}
		if diff := cmp.Diff(want, args); diff != "" {
			t.Errorf("webhook flags (-want +got):\n%s", diff)
		}
		if got := portNamed(t, c.container(), "webhook"); fmt.Sprint(got) != args["--port"] {
			t.Errorf("container port webhook = %d, --port = %s", got, args["--port"])
		}
	})

	t.Run("self-managed certificates", func(t *testing.T) {
		v := c.volume("certs")
		if v.EmptyDir == nil {
			t.Errorf("cert dir is %+v, want an emptyDir the webhook writes", v.VolumeSource)
		}
		if len(c.secrets) != 1 {
			t.Fatalf("%d secrets rendered, want the one certificate Secret", len(c.secrets))
		}
		s := c.secrets[0]
		if s.Name != c.args()["--cert-rotation-secret"] || s.Namespace != c.namespace {
			t.Errorf("secret %s/%s, want %s/%s", s.Namespace, s.Name, c.namespace, c.args()["--cert-rotation-secret"])
		}
		if len(s.Data)+len(s.StringData) > 0 {
			t.Errorf("certificate Secret carries data; helm upgrade would overwrite the generated certificates")
		}
		if s.Type == corev1.SecretTypeTLS {
			t.Errorf("certificate Secret is kubernetes.io/tls, which the API server rejects without tls.crt")
		}
		if c.vwc.Webhooks[0].ClientConfig.CABundle != nil {
			t.Errorf("caBundle set in the chart; the rotator injects it and helm upgrade would reset it")
		}
		c.none("Certificate", "Issuer")
	})

	t.Run("service and pdb", func(t *testing.T) {
		pod := c.deployment.Spec.Template.Labels
		if !labels.SelectorFromSet(c.service.Spec.Selector).Matches(labels.Set(pod)) {
			t.Errorf("service selector %v does not select the pods %v", c.service.Spec.Selector, pod)
		}
		var webhookPort bool
		for _, p := range c.service.Spec.Ports {
			if p.Port == 443 && p.TargetPort.String() == "webhook" {
				webhookPort = true
			}
		}
		if !webhookPort {
			t.Errorf("service has no port 443 to the webhook port: %+v", c.service.Spec.Ports)
		}
		if c.pdb == nil {
			t.Fatal("no PodDisruptionBudget")
		}
		if !selects(c.pdb.Spec.Selector, pod) {
			t.Errorf("PDB selector does not select the pods")
		}
		if c.pdb.Spec.MinAvailable == nil || c.pdb.Spec.MinAvailable.IntValue() != 1 {
			t.Errorf("PDB minAvailable = %v, want 1 of 2 replicas", c.pdb.Spec.MinAvailable)
		}
	})

	t.Run("webhook configuration", func(t *testing.T) {
		assertWebhook(t, c, admissionv1.Ignore, 3)
	})

	t.Run("rbac", func(t *testing.T) {
		assertRBAC(t, c, "selfManaged")
	})

	t.Run("caBundle-only policy", func(t *testing.T) {
		assertCABundlePolicy(t, c, true)
	})

	t.Run("config", func(t *testing.T) {
		cfg := parseConfig(t, c)
		if cfg.Mesh.RootNamespace != "istio-system" {
			t.Errorf("config rootNamespace = %q, want istio-system", cfg.Mesh.RootNamespace)
		}
	})

	t.Run("namespaces", func(t *testing.T) {
		for _, o := range c.objs {
			ns := o.GetNamespace()
			switch o.GetKind() {
			case "ValidatingWebhookConfiguration", "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding":
				if ns != "" {
					t.Errorf("cluster-scoped %s %s has namespace %q", o.GetKind(), o.GetName(), ns)
				}
			case "Role", "RoleBinding":
				if ns != c.namespace && ns != "istio-system" {
					t.Errorf("%s %s in namespace %q", o.GetKind(), o.GetName(), ns)
				}
			default:
				if ns != c.namespace {
					t.Errorf("%s %s in namespace %q, want the release namespace %q", o.GetKind(), o.GetName(), ns, c.namespace)
				}
			}
		}
	})

	t.Run("optional objects off", func(t *testing.T) {
		c.none("ServiceMonitor")
	})
}

func portNamed(t *testing.T, ctr *corev1.Container, name string) int32 {
	t.Helper()
	for _, p := range ctr.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container has no port %q", name)
	return 0
}

func selects(sel *metav1.LabelSelector, set map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && !s.Empty() && s.Matches(labels.Set(set))
}

func parseConfig(t *testing.T, c *rendered) *config.Config {
	t.Helper()
	data, ok := c.configMap.Data["config.yaml"]
	if !ok {
		t.Fatalf("ConfigMap %s has no config.yaml: %v", c.configMap.Name, c.configMap.Data)
	}
	cfg, err := config.Parse("config.yaml", []byte(data), checks.Registry())
	if err != nil {
		t.Fatalf("the rendered config is not a valid meshlint config: %v\n%s", err, data)
	}
	if got, want := c.configMap.Name, c.volume("config").ConfigMap.Name; got != want {
		t.Errorf("config volume mounts ConfigMap %q, rendered %q", want, got)
	}
	return cfg
}

// assertRestricted checks the pod against the "restricted" Pod Security Standard.
func assertRestricted(t *testing.T, pod *corev1.PodSpec) {
	t.Helper()
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("pod runAsNonRoot not set")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod seccompProfile is not RuntimeDefault")
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Errorf("pod shares host namespaces")
	}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			t.Errorf("volume %s is a hostPath", v.Name)
		}
	}
	for _, ctr := range slices.Concat(pod.InitContainers, pod.Containers) {
		sc := ctr.SecurityContext
		if sc == nil {
			t.Errorf("container %s has no securityContext", ctr.Name)
			continue
		}
		checks := []struct {
			what string
			ok   bool
		}{
			{"runAsNonRoot", sc.RunAsNonRoot != nil && *sc.RunAsNonRoot},
			{"runAsUser non-zero", sc.RunAsUser == nil || *sc.RunAsUser != 0},
			{"readOnlyRootFilesystem", sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem},
			{"allowPrivilegeEscalation false", sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation},
			{"not privileged", sc.Privileged == nil || !*sc.Privileged},
			{"capabilities drop ALL", sc.Capabilities != nil && slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"})},
			{"no added capabilities", sc.Capabilities == nil || len(sc.Capabilities.Add) == 0},
			{"seccomp RuntimeDefault", sc.SeccompProfile != nil && sc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault},
		}
		for _, ch := range checks {
			if !ch.ok {
				t.Errorf("container %s: %s not satisfied: %+v", ctr.Name, ch.what, sc)
			}
		}
	}
}

// gvr is one group/version/resource a webhook rule matches.
type gvr struct{ group, version, resource string }

// webhookKinds are lint.KindTable's Webhook rows (the kinds the webhook admits and its
// informer cache watches) by group/resource: the chart's webhook rules and RBAC must cover
// exactly these, in every version the table says the API serves (lint's test holds the table
// to Istio's CRDs), so that a kind added to the table without a rule and RBAC here fails this
// test.
func webhookKinds(t *testing.T) map[schema.GroupResource]lint.KindInfo {
	t.Helper()
	out := map[schema.GroupResource]lint.KindInfo{}
	for _, k := range lint.KindTable() {
		if !k.Webhook {
			continue
		}
		if len(k.Versions) == 0 {
			t.Fatalf("the webhook admits %s, whose served versions the table does not list", k.Name)
		}
		out[schema.GroupResource{Group: k.Group, Resource: k.Resource}] = k
	}
	return out
}

// watchedKinds are the kinds the webhook's informer cache watches: those it admits, and
// lint.KindTable's Watched rows (Namespaces). The chart's RBAC reads exactly these.
func watchedKinds(t *testing.T) map[schema.GroupResource]lint.KindInfo {
	t.Helper()
	out := webhookKinds(t)
	for _, k := range lint.KindTable() {
		if k.Watched {
			out[schema.GroupResource{Group: k.Group, Resource: k.Resource}] = k
		}
	}
	return out
}

// readByOtherChecks reports whether some check of the catalog reads kind on
// behalf of other resources (Check.Affects takes it), so that deleting one
// can cause findings elsewhere.
func readByOtherChecks(kind lint.Kind) bool {
	for _, c := range checks.Registry() {
		if c.Affects != nil && (slices.Contains(c.Reads, kind) || slices.Contains(c.Kinds, kind)) {
			return true
		}
	}
	return false
}

func assertWebhook(t *testing.T, c *rendered, failurePolicy admissionv1.FailurePolicyType, timeout int32) {
	t.Helper()
	if len(c.vwc.Webhooks) != 1 {
		t.Fatalf("%d webhooks, want 1", len(c.vwc.Webhooks))
	}
	wh := c.vwc.Webhooks[0]
	if wh.FailurePolicy == nil || *wh.FailurePolicy != failurePolicy {
		t.Errorf("failurePolicy = %v, want %s", deref(wh.FailurePolicy), failurePolicy)
	}
	if wh.TimeoutSeconds == nil || *wh.TimeoutSeconds != timeout {
		t.Errorf("timeoutSeconds = %v, want %d", deref(wh.TimeoutSeconds), timeout)
	}
	if wh.SideEffects == nil || *wh.SideEffects != admissionv1.SideEffectClassNone {
		t.Errorf("sideEffects = %v, want None", deref(wh.SideEffects))
	}
	if wh.MatchPolicy == nil || *wh.MatchPolicy != admissionv1.Equivalent {
		t.Errorf("matchPolicy = %v, want Equivalent", deref(wh.MatchPolicy))
	}
	if !slices.Equal(wh.AdmissionReviewVersions, []string{"v1"}) {
		t.Errorf("admissionReviewVersions = %v, want [v1]", wh.AdmissionReviewVersions)
	}
	svc := wh.ClientConfig.Service
	if svc == nil || svc.Name != c.service.Name || svc.Namespace != c.namespace || deref(svc.Path) != "/validate" || deref(svc.Port) != int32(443) {
		t.Errorf("clientConfig.service = %+v, want %s/%s:443/validate", svc, c.namespace, c.service.Name)
	}
	if wh.ClientConfig.URL != nil {
		t.Errorf("clientConfig.url set")
	}

	got := map[gvr]bool{}
	kindOf := webhookKinds(t)
	for _, r := range wh.Rules {
		ops := slices.Clone(r.Operations)
		slices.Sort(ops)
		// DELETE for the kinds that checks read on other resources'
		// behalf (their removal can break those), never for the others.
		for _, res := range r.Resources {
			want := []admissionv1.OperationType{admissionv1.Create, admissionv1.Update}
			for gr, k := range kindOf {
				if gr.Resource == res && readByOtherChecks(k.Kind) {
					want = []admissionv1.OperationType{admissionv1.Create, admissionv1.Delete, admissionv1.Update}
				}
			}
			if !slices.Equal(ops, want) {
				t.Errorf("rule %v operations = %v, want %v for %s", r.Resources, r.Operations, want, res)
			}
		}
		if r.Scope == nil || *r.Scope != admissionv1.NamespacedScope {
			t.Errorf("rule %v scope = %v, want Namespaced", r.Resources, deref(r.Scope))
		}
		for _, g := range r.APIGroups {
			for _, v := range r.APIVersions {
				for _, res := range r.Resources {
					if g == "*" || v == "*" || strings.Contains(res, "*") || strings.Contains(res, "/") {
						t.Errorf("rule %v has a wildcard or subresource", r)
					}
					got[gvr{g, v, res}] = true
				}
			}
		}
	}
	want := map[gvr]bool{}
	for gr, k := range webhookKinds(t) {
		for _, v := range k.Versions {
			want[gvr{gr.Group, v, gr.Resource}] = true
		}
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(gvr{})); diff != "" {
		t.Errorf("webhook rules (-want +got):\n%s", diff)
	}

	// The namespaceSelector, evaluated on namespaces as the API server labels them.
	sel, err := metav1.LabelSelectorAsSelector(wh.NamespaceSelector)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []struct {
		labels map[string]string
		want   bool
	}{
		{map[string]string{"kubernetes.io/metadata.name": "default"}, true},
		{map[string]string{"kubernetes.io/metadata.name": "shop", "istio-injection": "enabled"}, true},
		{map[string]string{"kubernetes.io/metadata.name": "shop", "meshlint.io/ignore": "false"}, true},
		{map[string]string{"kubernetes.io/metadata.name": "kube-system"}, false},
		{map[string]string{"kubernetes.io/metadata.name": "legacy", "meshlint.io/ignore": "true"}, false},
		// The webhook's own namespace: its Service and the chart's objects there are never
		// sent to it (a broken webhook must not stand in the way of its own repair).
		{map[string]string{"kubernetes.io/metadata.name": c.namespace}, false},
	} {
		if got := sel.Matches(labels.Set(ns.labels)); got != ns.want {
			t.Errorf("namespace %v validated = %v, want %v", ns.labels, got, ns.want)
		}
	}
	if wh.ObjectSelector != nil && !(len(wh.ObjectSelector.MatchLabels) == 0 && len(wh.ObjectSelector.MatchExpressions) == 0) {
		t.Errorf("default objectSelector = %+v, want none", wh.ObjectSelector)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// rbacSet is the RBAC a rendering grants, evaluated like the API server's authorizer would.
type rbacSet struct {
	clusterRoles        []*rbacv1.ClusterRole
	clusterRoleBindings []*rbacv1.ClusterRoleBinding
	roles               []*rbacv1.Role
	roleBindings        []*rbacv1.RoleBinding
}

// request is an API request by the webhook's service account. For list and watch, name is the
// metadata.name field selector, which RBAC resourceNames can authorize.
type request struct {
	verb, group, resource, namespace, name string
}

func (r request) String() string {
	return fmt.Sprintf("%s %s/%s ns=%q name=%q", r.verb, r.group, r.resource, r.namespace, r.name)
}

func (s rbacSet) bound(subjects []rbacv1.Subject, sa, saNamespace string) bool {
	for _, sub := range subjects {
		if sub.Kind == rbacv1.ServiceAccountKind && sub.Name == sa && sub.Namespace == saNamespace {
			return true
		}
	}
	return false
}

func ruleAllows(rule rbacv1.PolicyRule, r request) bool {
	has := func(list []string, v string) bool { return slices.Contains(list, v) || slices.Contains(list, "*") }
	if !has(rule.Verbs, r.verb) || !has(rule.APIGroups, r.group) || !has(rule.Resources, r.resource) {
		return false
	}
	return len(rule.ResourceNames) == 0 || (r.name != "" && slices.Contains(rule.ResourceNames, r.name))
}

// allows reports whether the service account may make the request.
func (s rbacSet) allows(sa, saNamespace string, r request) bool {
	for _, b := range s.clusterRoleBindings {
		if !s.bound(b.Subjects, sa, saNamespace) {
			continue
		}
		for _, cr := range s.clusterRoles {
			if b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == cr.Name && slices.ContainsFunc(cr.Rules, func(rule rbacv1.PolicyRule) bool { return ruleAllows(rule, r) }) {
				return true
			}
		}
	}
	for _, b := range s.roleBindings {
		if b.Namespace != r.namespace || !s.bound(b.Subjects, sa, saNamespace) {
			continue
		}
		for _, role := range s.roles {
			if b.RoleRef.Kind == "Role" && role.Namespace == b.Namespace && role.Name == b.RoleRef.Name && slices.ContainsFunc(role.Rules, func(rule rbacv1.PolicyRule) bool { return ruleAllows(rule, r) }) {
				return true
			}
		}
		for _, cr := range s.clusterRoles {
			if b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == cr.Name && slices.ContainsFunc(cr.Rules, func(rule rbacv1.PolicyRule) bool { return ruleAllows(rule, r) }) {
				return true
			}
		}
	}
	return false
}

func assertRBAC(t *testing.T, c *rendered, certSource string) {
	t.Helper()
	sa, ns := c.deployment.Spec.Template.Spec.ServiceAccountName, c.namespace
	if c.sa != nil && c.sa.Name != sa {
		t.Fatalf("rendered ServiceAccount %q is not the pod's %q", c.sa.Name, sa)
	}
	certSecret := ""
	if len(c.secrets) == 1 {
		certSecret = c.secrets[0].Name
	}

	// With metrics.secure the webhook asks the API server who may read /metrics: create on
	// tokenreviews and subjectaccessreviews; with tenant isolation, whether the requesting
	// user may get what a warning would name: create on subjectaccessreviews. Nothing else
	// is created.
	secureMetrics := c.args()["--metrics-secure"] == "true"
	tenantIsolation := c.args()["--tenant-isolation"] == "true"
	tokenReviews := request{"create", "authentication.k8s.io", "tokenreviews", "", ""}
	accessReviews := request{"create", "authorization.k8s.io", "subjectaccessreviews", "", ""}
	metricsReader := ""
	if secureMetrics {
		metricsReader = c.vwc.Name + "-metrics-reader"
	}

	// No wildcards, no escalation verbs, anywhere.
	var all []rbacv1.PolicyRule
	for _, r := range c.rbac.clusterRoles {
		if r.Name == metricsReader {
			// For scrapers, bound by users: GET /metrics and nothing else.
			want := []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}
			if diff := cmp.Diff(want, r.Rules); diff != "" {
				t.Errorf("ClusterRole %s (-want +got):\n%s", r.Name, diff)
			}
			for _, b := range c.rbac.clusterRoleBindings {
				if b.RoleRef.Name == r.Name {
					t.Errorf("ClusterRoleBinding %s binds %s: the scrapers are the user's to bind", b.Name, r.Name)
				}
			}
			continue
		}
		all = append(all, r.Rules...)
		if r.AggregationRule != nil {
			t.Errorf("ClusterRole %s aggregates", r.Name)
		}
	}
	for _, r := range c.rbac.roles {
		all = append(all, r.Rules...)
	}
	for _, rule := range all {
		for _, list := range [][]string{rule.Verbs, rule.APIGroups, rule.Resources, rule.ResourceNames} {
			if slices.Contains(list, "*") {
				t.Errorf("rule %+v has a wildcard", rule)
			}
		}
		review := slices.Contains(rule.Resources, "tokenreviews") || slices.Contains(rule.Resources, "subjectaccessreviews")
		for _, v := range rule.Verbs {
			if !slices.Contains([]string{"get", "list", "watch", "update"}, v) && !((secureMetrics || tenantIsolation) && review && v == "create") {
				t.Errorf("rule %+v grants %q", rule, v)
			}
		}
		if len(rule.NonResourceURLs) > 0 {
			t.Errorf("rule %+v grants non-resource URLs", rule)
		}
	}

	// Read-only on exactly what the cache watches, cluster-wide.
	allowed := []request{}
	for gr, k := range watchedKinds(t) {
		for _, verb := range []string{"get", "list", "watch"} {
			if !k.ClusterScoped {
				allowed = append(allowed, request{verb, gr.Group, gr.Resource, "shop", ""})
			}
			allowed = append(allowed, request{verb, gr.Group, gr.Resource, "", ""})
		}
	}
	denied := []request{}
	for gr := range watchedKinds(t) {
		for _, verb := range []string{"create", "update", "patch", "delete", "deletecollection"} {
			denied = append(denied, request{verb, gr.Group, gr.Resource, "shop", "x"})
		}
	}
	// The mesh ConfigMap only.
	mesh := parseConfig(t, c).Mesh
	root, name := mesh.RootNamespace, mesh.MeshConfigMap()
	for _, verb := range []string{"get", "list", "watch"} {
		allowed = append(allowed, request{verb, "", "configmaps", root, name})
		denied = append(denied,
			request{verb, "", "configmaps", root, ""},
			request{verb, "", "configmaps", root, "other"},
			request{verb, "", "configmaps", "shop", name},
			request{verb, "", "configmaps", "", ""},
		)
		if name != cluster.MeshConfigMapName {
			denied = append(denied, request{verb, "", "configmaps", root, cluster.MeshConfigMapName})
		}
	}
	// Secrets: never cluster-wide, never another namespace, never another name.
	for _, verb := range []string{"get", "list", "watch", "update", "create", "patch", "delete"} {
		denied = append(denied,
			request{verb, "", "secrets", "", ""},
			request{verb, "", "secrets", "kube-system", certSecret},
			request{verb, "", "secrets", ns, "other"},
			request{verb, "", "secrets", ns, ""},
		)
	}
	for _, verb := range []string{"create", "patch", "delete"} {
		denied = append(denied,
			request{verb, "", "secrets", ns, certSecret},
			request{verb, "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", c.vwc.Name},
		)
	}
	for _, verb := range []string{"get", "list", "watch", "update"} {
		denied = append(denied,
			request{verb, "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "other"},
			request{verb, "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", c.vwc.Name},
		)
		self := []request{
			{verb, "", "secrets", ns, certSecret},
			{verb, "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", c.vwc.Name},
		}
		if certSource == "selfManaged" {
			allowed = append(allowed, self...)
		} else {
			denied = append(denied, self...)
		}
	}
	if secureMetrics {
		allowed = append(allowed, tokenReviews)
	} else {
		denied = append(denied, tokenReviews)
	}
	if secureMetrics || tenantIsolation {
		allowed = append(allowed, accessReviews)
	} else {
		denied = append(denied, accessReviews)
	}
	denied = append(denied, request{"create", "authorization.k8s.io", "selfsubjectaccessreviews", "", ""},
		request{"create", "authorization.k8s.io", "localsubjectaccessreviews", ns, ""})
	for _, r := range allowed {
		if !c.rbac.allows(sa, ns, r) {
			t.Errorf("denied, want allowed: %s", r)
		}
	}
	for _, r := range denied {
		if c.rbac.allows(sa, ns, r) {
			t.Errorf("allowed, want denied: %s", r)
		}
	}
	// And nothing in a ClusterRole mentions secrets or configmaps at all.
	for _, cr := range c.rbac.clusterRoles {
		for _, rule := range cr.Rules {
			if slices.Contains(rule.Resources, "secrets") || slices.Contains(rule.Resources, "configmaps") {
				t.Errorf("ClusterRole %s grants %v cluster-wide", cr.Name, rule.Resources)
			}
		}
	}
}

func TestVariants(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		assert func(t *testing.T, c *rendered)
	}{
		{
			name: "enforce mode",
			opts: Options{Values: map[string]any{"mode": "enforce", "enforceSeverity": "warning"}},
			assert: func(t *testing.T, c *rendered) {
				args := c.args()
				if args["--mode"] != "enforce" || args["--enforce-severity"] != "warning" {
					t.Errorf("--mode=%s --enforce-severity=%s, want enforce and warning", args["--mode"], args["--enforce-severity"])
				}
				// Enforce changes what is denied, not how the webhook fails.
				assertWebhook(t, c, admissionv1.Ignore, 3)
			},
		},
		{
			name: "cert-manager with a CA of its own",
			opts: Options{Values: map[string]any{"certManager": map[string]any{"enabled": true}}},
			assert: func(t *testing.T, c *rendered) {
				// A self-signed Issuer makes the CA, a CA Issuer signs the serving certificate
				// with it, and the webhook configuration trusts the CA: renewing the serving
				// certificate never changes caBundle.
				var selfSigned, caIssuer, ca, serving *unstructured.Unstructured
				for _, o := range OfKind(c.objs, "Issuer") {
					if _, ok, _ := unstructured.NestedMap(o.Object, "spec", "selfSigned"); ok {
						selfSigned = o
					}
					if _, ok, _ := unstructured.NestedMap(o.Object, "spec", "ca"); ok {
						caIssuer = o
					}
				}
				for _, o := range OfKind(c.objs, "Certificate") {
					if isCA, _, _ := unstructured.NestedBool(o.Object, "spec", "isCA"); isCA {
						ca = o
					} else {
						serving = o
					}
				}
				if selfSigned == nil || caIssuer == nil || ca == nil || serving == nil || len(OfKind(c.objs, "Issuer")) != 2 || len(OfKind(c.objs, "Certificate")) != 2 {
					t.Fatalf("want a self-signed Issuer, a CA Issuer, a CA Certificate and a serving Certificate; got %d Issuers, %d Certificates",
						len(OfKind(c.objs, "Issuer")), len(OfKind(c.objs, "Certificate")))
				}
				if got := str(t, ca, "spec", "issuerRef", "name"); got != selfSigned.GetName() {
					t.Errorf("CA issuerRef = %q, want the self-signed Issuer %q", got, selfSigned.GetName())
				}
				if got, want := str(t, caIssuer, "spec", "ca", "secretName"), str(t, ca, "spec", "secretName"); got != want {
					t.Errorf("CA Issuer signs with Secret %q, the CA Certificate writes %q", got, want)
				}
				if got := str(t, ca, "spec", "privateKey", "rotationPolicy"); got != "Never" {
					t.Errorf("CA privateKey.rotationPolicy = %q, want Never: a renewed CA with a new key would not verify the serving certificates it signed before", got)
				}
				if got := str(t, ca, "spec", "duration"); got != "43800h" {
					t.Errorf("CA duration = %q, want certManager.caDuration's 43800h", got)
				}
				if got := str(t, serving, "spec", "issuerRef", "name"); got != caIssuer.GetName() {
					t.Errorf("serving certificate issuerRef = %q, want the CA Issuer %q", got, caIssuer.GetName())
				}
				if got, want := c.vwc.Annotations["cert-manager.io/inject-ca-from"], c.namespace+"/"+ca.GetName(); got != want {
					t.Errorf("inject-ca-from = %q, want the CA Certificate %q", got, want)
				}
				assertCertManager(t, c, serving, ca)
			},
		},
		{
			name: "cert-manager with a cluster issuer",
			opts: Options{Values: map[string]any{"certManager": map[string]any{
				"enabled": true, "issuerRef": map[string]any{"name": "corp-ca", "kind": "ClusterIssuer"},
			}}},
			assert: func(t *testing.T, c *rendered) {
				c.none("Issuer")
				cert := c.find("Certificate")
				if got := str(t, cert, "spec", "issuerRef", "kind") + "/" + str(t, cert, "spec", "issuerRef", "name"); got != "ClusterIssuer/corp-ca" {
					t.Errorf("issuerRef = %s, want ClusterIssuer/corp-ca", got)
				}
				// The issuer's CA comes with the serving certificate's Secret (ca.crt).
				assertCertManager(t, c, cert, cert)
			},
		},
		{
			name: "existing secret",
			opts: Options{Values: map[string]any{"certs": map[string]any{"existingSecret": "my-tls", "caBundle": "Q0EK"}}},
			assert: func(t *testing.T, c *rendered) {
				c.none("Certificate", "Issuer", "Secret")
				if got := string(c.vwc.Webhooks[0].ClientConfig.CABundle); got != "CA\n" {
					t.Errorf("caBundle = %q, want the decoded certs.caBundle", got)
				}
				assertSecretVolume(t, c, "my-tls")
				assertRBAC(t, c, "existing")
				assertCABundlePolicy(t, c, false)
			},
		},
		{
			name: "release name and namespace",
			opts: Options{ReleaseName: "prod", Namespace: "mesh-tools"},
			assert: func(t *testing.T, c *rendered) {
				if c.deployment.Name != "prod-meshlint" {
					t.Errorf("deployment name = %q, want prod-meshlint", c.deployment.Name)
				}
				args := c.args()
				if args["--cert-rotation-namespace"] != "mesh-tools" || args["--service-name"] != c.service.Name || args["--webhook-config-name"] != c.vwc.Name {
					t.Errorf("certificate flags %v do not name the rendered objects", args)
				}
				assertWebhook(t, c, admissionv1.Ignore, 3)
				assertRBAC(t, c, "selfManaged")
			},
		},
		{
			name: "config and root namespace",
			opts: Options{Values: map[string]any{
				"meshConfig": map[string]any{"namespace": "istio-root"},
				"config": map[string]any{
					"mesh":     map[string]any{"mtls": "STRICT", "istioVersion": "1.26.2"},
					"tlsPorts": []any{443, 8443},
					"checks":   map[string]any{"ML011": false, "ML004": map[string]any{"severity": "info"}},
					"ignore":   []any{map[string]any{"checks": []any{"ML008"}, "namespaces": []any{"legacy-*"}}},
					"failOn":   "error",
				},
			}},
			assert: func(t *testing.T, c *rendered) {
				cfg := parseConfig(t, c)
				if cfg.Mesh.RootNamespace != "istio-root" {
					t.Errorf("rootNamespace = %q, want istio-root from meshConfig.namespace", cfg.Mesh.RootNamespace)
				}
				if !cfg.Checks["ML011"].Disabled {
					t.Errorf("ML011 not disabled: %+v", cfg.Checks)
				}
				if cfg.Mesh.IstioVersion != "1.26.2" {
					t.Errorf("istioVersion = %q, want 1.26.2 from config.mesh.istioVersion", cfg.Mesh.IstioVersion)
				}
				if got := cfg.Mesh.MeshConfigMap(); got != "istio" {
					t.Errorf("mesh config map = %q, want istio by default", got)
				}
				assertRBAC(t, c, "selfManaged")
			},
		},
		{
			name: "revisioned mesh ConfigMap",
			opts: Options{Values: map[string]any{"meshConfig": map[string]any{"configMap": "istio-1-24"}}},
			assert: func(t *testing.T, c *rendered) {
				if got := parseConfig(t, c).Mesh.MeshConfigMap(); got != "istio-1-24" {
					t.Errorf("mesh config map = %q, want istio-1-24 from meshConfig.configMap", got)
				}
				// The Role names istio-1-24, and no longer istio.
				assertRBAC(t, c, "selfManaged")
			},
		},
		{
			name: "failure policy, timeout and selectors are values",
			opts: Options{Values: map[string]any{"webhook": map[string]any{
				"failurePolicy": "Fail", "timeoutSeconds": 10,
				"namespaceSelectorExpressions": []any{map[string]any{"key": "team", "operator": "Exists"}},
			}}},
			assert: func(t *testing.T, c *rendered) {
				wh := c.vwc.Webhooks[0]
				if *wh.FailurePolicy != admissionv1.Fail || *wh.TimeoutSeconds != 10 {
					t.Errorf("failurePolicy %s timeout %d, want Fail 10", *wh.FailurePolicy, *wh.TimeoutSeconds)
				}
				if n := len(wh.NamespaceSelector.MatchExpressions); n != 3 {
					t.Errorf("%d namespaceSelector expressions, want the 2 exclusions and the extra one", n)
				}
			},
		},
		{
			name: "service monitor",
			opts: Options{Values: map[string]any{"metrics": map[string]any{"serviceMonitor": map[string]any{
				"enabled": true, "labels": map[string]any{"release": "prom"},
			}}}},
			assert: func(t *testing.T, c *rendered) {
				sm := c.find("ServiceMonitor")
				if sm.GetLabels()["release"] != "prom" {
					t.Errorf("ServiceMonitor labels %v lack release=prom", sm.GetLabels())
				}
				sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
				if !labels.SelectorFromSet(sel).Matches(labels.Set(c.service.Labels)) {
					t.Errorf("ServiceMonitor selector %v does not select the Service %v", sel, c.service.Labels)
				}
				eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
				if len(eps) != 1 || eps[0].(map[string]any)["port"] != "http-metrics" {
					t.Errorf("ServiceMonitor endpoints = %v, want the http-metrics port", eps)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := render(t, tc.opts)
			assertRestricted(t, &c.deployment.Spec.Template.Spec)
			tc.assert(t, c)
		})
	}
}

// assertCertManager checks cert-manager mode: cert is the serving certificate, trusted the
// Certificate whose ca.crt cainjector puts into caBundle.
func assertCertManager(t *testing.T, c *rendered, cert, trusted *unstructured.Unstructured) {
	t.Helper()
	secretName := str(t, cert, "spec", "secretName")
	dnsNames, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
	if want := c.service.Name + "." + c.namespace + ".svc"; !slices.Contains(dnsNames, want) {
		t.Errorf("certificate dnsNames %v lack %s", dnsNames, want)
	}
	if got, want := c.vwc.Annotations["cert-manager.io/inject-ca-from"], c.namespace+"/"+trusted.GetName(); got != want {
		t.Errorf("inject-ca-from = %q, want %q", got, want)
	}
	if c.vwc.Webhooks[0].ClientConfig.CABundle != nil {
		t.Errorf("caBundle set in the chart; cert-manager's cainjector owns it")
	}
	if len(c.secrets) != 0 {
		t.Errorf("chart renders Secrets %v; cert-manager creates the certificate Secret", c.secrets[0].Name)
	}
	assertSecretVolume(t, c, secretName)
	assertRBAC(t, c, "certManager")
	assertCABundlePolicy(t, c, false)
}

func assertSecretVolume(t *testing.T, c *rendered, secret string) {
	t.Helper()
	v := c.volume("certs")
	if v.Secret == nil || v.Secret.SecretName != secret {
		t.Errorf("cert volume = %+v, want Secret %s", v.VolumeSource, secret)
	}
	var rotation []string
	for k := range c.args() {
		if strings.HasPrefix(k, "--cert-rotation") || k == "--webhook-config-name" || k == "--service-name" {
			rotation = append(rotation, k)
		}
	}
	sort.Strings(rotation)
	if len(rotation) > 0 {
		t.Errorf("self-managed certificate flags %v passed with an external certificate", rotation)
	}
	if c.args()["--cert-dir"] != c.mountPath("certs") {
		t.Errorf("--cert-dir %s is not the Secret's mount %s", c.args()["--cert-dir"], c.mountPath("certs"))
	}
}

func TestInvalidValues(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string]any
		wantErr string
	}{
		{"unknown mode", map[string]any{"mode": "block"}, "mode"},
		{"timeout above the API server's limit", map[string]any{"webhook": map[string]any{"timeoutSeconds": 31}}, "timeoutSeconds"},
		{"unknown failure policy", map[string]any{"webhook": map[string]any{"failurePolicy": "Open"}}, "failurePolicy"},
		{"misspelled value", map[string]any{"certManager": map[string]any{"enable": true}}, "enable"},
		{"unknown config key", map[string]any{"config": map[string]any{"failon": "error"}}, "failon"},
		{"bad istioVersion", map[string]any{"config": map[string]any{"mesh": map[string]any{"istioVersion": "v1.24"}}}, "istioVersion"},
		{"existing secret without CA", map[string]any{"certs": map[string]any{"existingSecret": "my-tls"}}, "certs.caBundle"},
		{"bad certificate validity", map[string]any{"certs": map[string]any{"selfManaged": map[string]any{"validity": "1y"}}}, "validity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(tc.values)
			if err == nil {
				t.Fatalf("rendered, want an error mentioning %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestNotes(t *testing.T) {
	r, err := RenderWith(Options{Values: map[string]any{"mode": "enforce", "webhook": map[string]any{"failurePolicy": "Fail"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"enforce mode", "failurePolicy Fail", "WARNING", "rollout status deployment/meshlint"} {
		if !strings.Contains(r.Notes, want) {
			t.Errorf("NOTES lack %q:\n%s", want, r.Notes)
		}
	}
}

// TestReadmeValuesTable keeps the README's values table and values.yaml in step: every value
// is documented (itself or a parent), and every documented key exists.
func TestReadmeValuesTable(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var readme string
	for _, f := range c.Files {
		if f.Name == "README.md" {
			readme = string(f.Data)
		}
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(readme, "\n") {
		if k, ok := strings.CutPrefix(line, "| `"); ok {
			if k, _, ok := strings.Cut(k, "`"); ok {
				documented[k] = true
			}
		}
	}
	var leaves []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok && len(m) > 0 && !documented[prefix] {
			for k, sub := range m {
				walk(strings.TrimPrefix(prefix+"."+k, "."), sub)
			}
			return
		}
		leaves = append(leaves, prefix)
	}
	walk("", c.Values)
	for _, leaf := range leaves {
		if !documented[leaf] {
			t.Errorf("value %s is not in the README's values table", leaf)
		}
	}
	for k := range documented {
		if _, err := chartutil.Values(c.Values).PathValue(k); err != nil {
			if _, err := chartutil.Values(c.Values).Table(k); err != nil {
				t.Errorf("README documents %s, which values.yaml does not have", k)
			}
		}
	}
}

func TestPointAt(t *testing.T) {
	objs, err := Render(nil)
	if err != nil {
		t.Fatal(err)
	}
	vwc, err := WebhookConfiguration(objs)
	if err != nil {
		t.Fatal(err)
	}
	rules := vwc.Webhooks[0].Rules
	PointAt(vwc, "https://localhost:9443/", []byte("CA"))
	cc := vwc.Webhooks[0].ClientConfig
	if cc.Service != nil || deref(cc.URL) != "https://localhost:9443/validate" || string(cc.CABundle) != "CA" {
		t.Errorf("clientConfig = %+v, want url https://localhost:9443/validate with the CA", cc)
	}
	if diff := cmp.Diff(rules, vwc.Webhooks[0].Rules); diff != "" {
		t.Errorf("PointAt changed the rules:\n%s", diff)
	}
}

// TestChartBugs holds the regression tests of issue 12, item 7's bugs.
func TestChartBugs(t *testing.T) {
	t.Run("config.mesh.configMap is accepted and used", func(t *testing.T) {
		r, err := RenderWith(Options{Values: map[string]any{"config": map[string]any{"mesh": map[string]any{"configMap": "istio-1-24"}}}})
		if err != nil {
			t.Fatalf("the values schema rejects config.mesh.configMap, which both READMEs document: %v", err)
		}
		c := render(t, Options{Values: map[string]any{"config": map[string]any{"mesh": map[string]any{"configMap": "istio-1-24"}}}})
		if got := parseConfig(t, c).Mesh.MeshConfigMap(); got != "istio-1-24" {
			t.Errorf("mesh config map = %q, want istio-1-24", got)
		}
		assertRBAC(t, c, "selfManaged")
		if !strings.Contains(r.Notes, "ConfigMap istio-1-24 in istio-system") {
			t.Errorf("NOTES do not name the mesh ConfigMap istio-1-24:\n%s", r.Notes)
		}
	})
	t.Run("NOTES name the mesh ConfigMap read", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			values map[string]any
			want   string
		}{
			{"default", nil, "ConfigMap istio in istio-system"},
			{"meshConfig values", map[string]any{"meshConfig": map[string]any{"namespace": "istio-root", "configMap": "istio-canary"}}, "ConfigMap istio-canary in istio-root"},
			{"config overrides meshConfig", map[string]any{
				"meshConfig": map[string]any{"configMap": "istio-canary"},
				"config":     map[string]any{"mesh": map[string]any{"rootNamespace": "mesh-root", "configMap": "istio-stable"}},
			}, "ConfigMap istio-stable in mesh-root"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r, err := RenderWith(Options{Values: tc.values})
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(r.Notes, tc.want) {
					t.Errorf("NOTES lack %q:\n%s", tc.want, r.Notes)
				}
			})
		}
	})
	t.Run("no PodDisruptionBudget that blocks drains", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			values   map[string]any
			wantPDB  bool
			wantMinA string
		}{
			{"one replica", map[string]any{"replicaCount": 1}, false, ""},
			{"one replica, percentage", map[string]any{"replicaCount": 1, "podDisruptionBudget": map[string]any{"minAvailable": "50%"}}, false, ""},
			{"two replicas", map[string]any{"replicaCount": 2}, true, "1"},
			{"three replicas, two kept", map[string]any{"replicaCount": 3, "podDisruptionBudget": map[string]any{"minAvailable": 2}}, true, "2"},
			{"disabled", map[string]any{"podDisruptionBudget": map[string]any{"enabled": false}}, false, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := render(t, Options{Values: tc.values})
				if got := c.pdb != nil; got != tc.wantPDB {
					t.Fatalf("PodDisruptionBudget rendered = %v, want %v", got, tc.wantPDB)
				}
				if c.pdb != nil && c.pdb.Spec.MinAvailable.String() != tc.wantMinA {
					t.Errorf("minAvailable = %s, want %s", c.pdb.Spec.MinAvailable.String(), tc.wantMinA)
				}
			})
		}
	})
	t.Run("minAvailable that no drain can satisfy is refused", func(t *testing.T) {
		_, err := Render(map[string]any{"replicaCount": 2, "podDisruptionBudget": map[string]any{"minAvailable": 2}})
		if err == nil || !strings.Contains(err.Error(), "podDisruptionBudget.minAvailable") {
			t.Errorf("err = %v, want one naming podDisruptionBudget.minAvailable", err)
		}
	})
	t.Run("own namespace excluded with other exclusions", func(t *testing.T) {
		c := render(t, Options{Namespace: "mesh-tools", Values: map[string]any{"webhook": map[string]any{"excludeNamespaces": []any{}}}})
		sel, err := metav1.LabelSelectorAsSelector(c.vwc.Webhooks[0].NamespaceSelector)
		if err != nil {
			t.Fatal(err)
		}
		if sel.Matches(labels.Set{"kubernetes.io/metadata.name": "mesh-tools"}) {
			t.Errorf("namespaceSelector %s validates the webhook's own namespace mesh-tools", sel)
		}
		if !sel.Matches(labels.Set{"kubernetes.io/metadata.name": "kube-system"}) {
			t.Errorf("namespaceSelector %s skips kube-system although excludeNamespaces is empty", sel)
		}
	})
}

// assertCABundlePolicy checks that the ValidatingAdmissionPolicy limiting the webhook's
// ServiceAccount to caBundle updates is rendered (want) or not, and bound. What it refuses and
// allows is tested against the API server (test/e2e TestCABundleOnlyPolicy).
func assertCABundlePolicy(t *testing.T, c *rendered, want bool) {
	t.Helper()
	if !want {
		if c.vap != nil || c.vapBinding != nil {
			t.Errorf("ValidatingAdmissionPolicy %v rendered without self-managed certificates", c.vap.Name)
		}
		return
	}
	if c.vap == nil || c.vapBinding == nil {
		t.Fatalf("no ValidatingAdmissionPolicy and binding limiting the webhook to caBundle updates")
	}
	if c.vapBinding.Spec.PolicyName != c.vap.Name || !slices.Equal(c.vapBinding.Spec.ValidationActions, []admissionv1.ValidationAction{admissionv1.Deny}) {
		t.Errorf("binding %+v does not deny with policy %s", c.vapBinding.Spec, c.vap.Name)
	}
	sa := "system:serviceaccount:" + c.namespace + ":" + c.deployment.Spec.Template.Spec.ServiceAccountName
	if mc := c.vap.Spec.MatchConditions; len(mc) != 1 || !strings.Contains(mc[0].Expression, strconv.Quote(sa)) {
		t.Errorf("matchConditions %+v do not select the pods' ServiceAccount %s", mc, sa)
	}
	var rules []string
	for _, r := range c.vap.Spec.MatchConstraints.ResourceRules {
		rules = append(rules, fmt.Sprint(r.APIGroups, r.Resources, r.Operations))
	}
	if want := `[[admissionregistration.k8s.io] [validatingwebhookconfigurations] [CREATE UPDATE DELETE]]`; fmt.Sprint(rules) != want {
		t.Errorf("policy matches %v, want %s", rules, want)
	}
}

// TestKubeVersion: the chart installs on the Kubernetes versions that serve what it renders
// (admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is GA from 1.30), managed clusters'
// pre-release version suffixes included, and refuses older ones at install time.
func TestKubeVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		ok      bool
	}{
		{"v1.30.0", true},
		{"v1.30.4-eks-a737599", true},
		{"v1.31.1-gke.1146000", true},
		{DefaultKubeVersion, true},
		{"v1.29.9", false},
		{"v1.27.0", false},
	} {
		t.Run(tc.version, func(t *testing.T) {
			_, err := RenderWith(Options{KubeVersion: tc.version})
			if tc.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "kubeVersion")) {
				t.Errorf("err = %v, want the chart's kubeVersion to refuse %s", err, tc.version)
			}
		})
	}
}

// TestKnobs renders each value that Gatekeeper, Kyverno and cert-manager charts offer and users
// of this one asked for, and checks it lands where it must without loosening anything else.
func TestKnobs(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		// restricted: the pod still meets the restricted Pod Security Standard.
		restricted bool
		assert     func(t *testing.T, c *rendered)
	}{
		{
			name: "hostNetwork",
			opts: Options{Values: map[string]any{"hostNetwork": true, "webhook": map[string]any{"port": 10250 + 3}}},
			assert: func(t *testing.T, c *rendered) {
				pod := c.deployment.Spec.Template.Spec
				if !pod.HostNetwork || pod.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
					t.Errorf("hostNetwork %v dnsPolicy %q, want true and ClusterFirstWithHostNet", pod.HostNetwork, pod.DNSPolicy)
				}
				if got := c.args()["--port"]; got != "10253" || portNamed(t, c.container(), "webhook") != 10253 {
					t.Errorf("--port=%s, want the node port 10253 as the container port", got)
				}
			},
		},
		{
			name: "OpenShift: UIDs from the namespace's range",
			opts: Options{Values: map[string]any{
				"podSecurityContext": map[string]any{"runAsUser": nil, "runAsGroup": nil, "fsGroup": nil},
				"securityContext":    map[string]any{"runAsUser": nil, "runAsGroup": nil},
			}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				psc := c.deployment.Spec.Template.Spec.SecurityContext
				sc := c.container().SecurityContext
				if psc.RunAsUser != nil || psc.RunAsGroup != nil || psc.FSGroup != nil || sc.RunAsUser != nil || sc.RunAsGroup != nil {
					t.Errorf("pod %+v container %+v still pin UIDs", psc, sc)
				}
			},
		},
		{
			name: "securityContext keys merge into the defaults",
			opts: Options{Values: map[string]any{
				"podSecurityContext": map[string]any{"fsGroup": 2000, "supplementalGroups": []any{3000}},
				"securityContext":    map[string]any{"runAsUser": 1001},
			}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				psc := c.deployment.Spec.Template.Spec.SecurityContext
				if deref(psc.FSGroup) != int64(2000) || !slices.Equal(psc.SupplementalGroups, []int64{3000}) || deref(psc.RunAsUser) != int64(65532) {
					t.Errorf("pod securityContext %+v, want fsGroup 2000, supplementalGroups [3000], runAsUser 65532 kept", psc)
				}
				if sc := c.container().SecurityContext; deref(sc.RunAsUser) != int64(1001) {
					t.Errorf("container runAsUser %v, want 1001", deref(sc.RunAsUser))
				}
			},
		},
		{
			name: "extraArgs and extraEnv",
			opts: Options{Values: map[string]any{
				"extraArgs": []any{"--timeout=1500ms", "--mode=enforce"},
				"extraEnv":  []any{map[string]any{"name": "GOMAXPROCS", "value": "1"}},
			}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				args := c.container().Args
				if n := len(args); n < 2 || args[n-2] != "--timeout=1500ms" || args[n-1] != "--mode=enforce" {
					t.Errorf("args %q do not end with the extra ones (last wins)", args)
				}
				var names []string
				for _, e := range c.container().Env {
					names = append(names, e.Name)
				}
				if !slices.Equal(names, []string{"POD_NAMESPACE", "GOMAXPROCS"}) {
					t.Errorf("env %v, want POD_NAMESPACE and GOMAXPROCS", names)
				}
			},
		},
		{
			name:       "existing ServiceAccount",
			opts:       Options{Values: map[string]any{"serviceAccount": map[string]any{"create": false, "name": "mesh-tools"}}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				c.none("ServiceAccount")
				if got := c.deployment.Spec.Template.Spec.ServiceAccountName; got != "mesh-tools" {
					t.Errorf("serviceAccountName %q, want mesh-tools", got)
				}
				assertRBAC(t, c, "selfManaged")
				assertCABundlePolicy(t, c, true)
			},
		},
		{
			name:       "named ServiceAccount, created",
			opts:       Options{Values: map[string]any{"serviceAccount": map[string]any{"name": "mesh-tools"}}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				if c.sa == nil || c.sa.Name != "mesh-tools" {
					t.Fatalf("ServiceAccount %v, want mesh-tools", c.sa)
				}
				assertRBAC(t, c, "selfManaged")
				assertCABundlePolicy(t, c, true)
			},
		},
		{
			name:       "RBAC managed elsewhere",
			opts:       Options{Values: map[string]any{"rbac": map[string]any{"create": false}}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				c.none("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
				// The policy is not RBAC: it still holds the ServiceAccount to caBundle.
				assertCABundlePolicy(t, c, true)
			},
		},
		{
			name: "NetworkPolicy",
			opts: Options{Values: map[string]any{"networkPolicy": map[string]any{
				"enabled":     true,
				"metricsFrom": []any{map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "monitoring"}}}},
			}}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				np := typed[networkingv1.NetworkPolicy](t, c.find("NetworkPolicy"))
				if !selects(&np.Spec.PodSelector, c.deployment.Spec.Template.Labels) {
					t.Errorf("NetworkPolicy selects %v, not the pods %v", np.Spec.PodSelector, c.deployment.Spec.Template.Labels)
				}
				from := map[string]int{}
				for _, rule := range np.Spec.Ingress {
					for _, p := range rule.Ports {
						portNamed(t, c.container(), p.Port.String()) // a named container port
						from[p.Port.String()] = len(rule.From)
					}
				}
				if want := map[string]int{"webhook": 0, "metrics": 1, "health": 0}; fmt.Sprint(from) != fmt.Sprint(want) {
					t.Errorf("ingress peers by port %v, want %v (the API server's address is unknown)", from, want)
				}
				if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) {
					t.Errorf("policyTypes %v, want Ingress only", np.Spec.PolicyTypes)
				}
			},
		},
		{
			// assertRBAC then holds the role to no create on subjectaccessreviews.
			name: "tenantIsolation off",
			opts: Options{Values: map[string]any{"tenantIsolation": false}},
			assert: func(t *testing.T, c *rendered) {
				if got := c.args()["--tenant-isolation"]; got != "false" {
					t.Errorf("--tenant-isolation=%q, want false", got)
				}
			},
		},
		{
			name: "metrics.secure",
			opts: Options{Values: map[string]any{"metrics": map[string]any{
				"secure": true, "serviceMonitor": map[string]any{"enabled": true},
			}}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				if c.args()["--metrics-secure"] != "true" {
					t.Errorf("args %v lack --metrics-secure=true", c.container().Args)
				}
				var port *corev1.ServicePort
				for i, p := range c.service.Spec.Ports {
					if p.TargetPort.String() == "metrics" {
						port = &c.service.Spec.Ports[i]
					}
				}
				if port == nil || port.Name != "https-metrics" || deref(port.AppProtocol) != "https" {
					t.Errorf("metrics Service port %+v, want https-metrics with appProtocol https", port)
				}
				sm := c.find("ServiceMonitor")
				eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
				ep, _ := eps[0].(map[string]any)
				if ep["port"] != "https-metrics" || ep["scheme"] != "https" || ep["bearerTokenFile"] == nil {
					t.Errorf("ServiceMonitor endpoint %v, want https on https-metrics with the scraper's token", ep)
				}
				if Find(c.objs, "ClusterRole", c.vwc.Name+"-metrics-reader") == nil {
					t.Errorf("no ClusterRole %s-metrics-reader for scrapers", c.vwc.Name)
				}
				assertRBAC(t, c, "selfManaged")
			},
		},
		{
			name: "Service and webhook annotations",
			opts: Options{Values: map[string]any{
				"service": map[string]any{"annotations": map[string]any{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}},
				"webhook": map[string]any{"annotations": map[string]any{"argocd.argoproj.io/sync-options": "ServerSideApply=true"}},
			}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				if c.service.Annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] != "true" {
					t.Errorf("Service annotations %v", c.service.Annotations)
				}
				if c.vwc.Annotations["argocd.argoproj.io/sync-options"] != "ServerSideApply=true" {
					t.Errorf("webhook configuration annotations %v", c.vwc.Annotations)
				}
			},
		},
		{
			name: "webhook annotations beside cert-manager's",
			opts: Options{Values: map[string]any{
				"certManager": map[string]any{"enabled": true},
				"webhook":     map[string]any{"annotations": map[string]any{"team": "mesh"}},
			}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				if c.vwc.Annotations["team"] != "mesh" || c.vwc.Annotations["cert-manager.io/inject-ca-from"] == "" {
					t.Errorf("annotations %v, want team and cert-manager's inject-ca-from", c.vwc.Annotations)
				}
			},
		},
		{
			name: "namespaceSelector replaced",
			opts: Options{Values: map[string]any{"webhook": map[string]any{
				"namespaceSelector": map[string]any{"matchLabels": map[string]any{"meshlint.io/lint": "true"}},
				"objectSelector":    map[string]any{"matchExpressions": []any{map[string]any{"key": "skip-lint", "operator": "DoesNotExist"}}},
			}}},
			restricted: true,
			assert: func(t *testing.T, c *rendered) {
				wh := c.vwc.Webhooks[0]
				want := &metav1.LabelSelector{MatchLabels: map[string]string{"meshlint.io/lint": "true"}}
				if diff := cmp.Diff(want, wh.NamespaceSelector); diff != "" {
					t.Errorf("namespaceSelector (-want +got):\n%s", diff)
				}
				if wh.ObjectSelector == nil || len(wh.ObjectSelector.MatchExpressions) != 1 {
					t.Errorf("objectSelector %+v, want the one expression", wh.ObjectSelector)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := render(t, tc.opts)
			if tc.restricted {
				assertRestricted(t, &c.deployment.Spec.Template.Spec)
			}
			tc.assert(t, c)
		})
	}
}
