package e2e

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/meshlint/meshlint/charts"
	"github.com/meshlint/meshlint/webhook/certs"
)

// minimalCRD is a namespaced CRD of one version, v1, whose schema accepts any
// object: it stands in for a kind the chart renders whose real CRD comes with
// another project (cert-manager, prometheus-operator). The API server still
// checks apiVersion, kind and metadata of such objects, nothing of their spec.
func minimalCRD(group, kind, plural string) *apiextensionsv1.CustomResourceDefinition {
	preserve := true
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: plural + "." + group},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{
				Kind: kind, ListKind: kind + "List", Plural: plural, Singular: strings.ToLower(kind),
			},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: &preserve,
				}},
			}},
		},
	}
}

// installForeignCRDs installs stand-ins for the CRDs of the kinds the chart
// renders that the suite's API server does not know, and removes them when
// the test ends.
func installForeignCRDs(t *testing.T) {
	t.Helper()
	opts := envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{
		minimalCRD("cert-manager.io", "Certificate", "certificates"),
		minimalCRD("cert-manager.io", "Issuer", "issuers"),
		minimalCRD("monitoring.coreos.com", "ServiceMonitor", "servicemonitors"),
	}}
	if _, err := envtest.InstallCRDs(restCfg, opts); err != nil {
		t.Fatalf("installing the cert-manager and prometheus-operator stand-in CRDs: %v", err)
	}
	t.Cleanup(func() {
		if err := envtest.UninstallCRDs(restCfg, opts); err != nil {
			t.Errorf("removing the stand-in CRDs: %v", err)
		}
	})
	t.Log("Certificate, Issuer and ServiceMonitor are checked against stand-in CRDs that accept any spec: " +
		"the API server validates their apiVersion, kind and metadata, not their fields")
}

// dryRunner creates objects with server-side dry-run and strict field
// validation, as `kubectl create --dry-run=server` does, and collects the
// warnings the API server returns.
type dryRunner struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper
	rec    *warningRecorder
}

func newDryRunner(t *testing.T) *dryRunner {
	t.Helper()
	rec := &warningRecorder{}
	cfg := rest.CopyConfig(restCfg)
	cfg.WarningHandler = rec
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	return &dryRunner{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)), rec: rec}
}

// create dry-runs the creation of obj, in namespace when the kind is
// namespaced and obj names none (what Helm does). An object that exists
// already (the suite's own webhook configuration is the chart's default one)
// is dry-run as a replacement instead, which validates the whole object too.
func (d *dryRunner) create(obj *unstructured.Unstructured, namespace string) (warnings []string, err error) {
	obj = obj.DeepCopy()
	res, err := d.resource(obj, namespace)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	d.rec.take()
	_, err = res.Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict})
	if apierrors.IsAlreadyExists(err) {
		var cur *unstructured.Unstructured
		if cur, err = res.Get(ctx, obj.GetName(), metav1.GetOptions{}); err != nil {
			return nil, err
		}
		obj.SetResourceVersion(cur.GetResourceVersion())
		d.rec.take()
		_, err = res.Update(ctx, obj, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict})
	}
	return d.rec.take(), err
}

// resource returns the API endpoint of obj's kind, setting its namespace
// when the kind is namespaced and obj names none.
func (d *dryRunner) resource(obj *unstructured.Unstructured, namespace string) (dynamic.ResourceInterface, error) {
	gvk := obj.GroupVersionKind()
	m, err := d.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("the API server does not serve %s: %w", gvk, err)
	}
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		if obj.GetNamespace() != "" {
			return nil, fmt.Errorf("cluster-scoped %s has namespace %q", gvk.Kind, obj.GetNamespace())
		}
		return d.dyn.Resource(m.Resource), nil
	}
	if obj.GetNamespace() == "" {
		obj.SetNamespace(namespace)
	}
	return d.dyn.Resource(m.Resource).Namespace(obj.GetNamespace()), nil
}

func objectID(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + " " + o.GetName()
	}
	return o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
}

// TestChartObjectsAcceptedByAPIServer dry-runs the creation of every object
// the chart renders, defaults and variants, against the real API server with
// strict field validation: the API schemas accept them all, without a
// warning.
func TestChartObjectsAcceptedByAPIServer(t *testing.T) {
	installForeignCRDs(t)
	ca, err := writeServingCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	variants := []struct {
		name string
		opts charts.Options
		// kinds the variant must render, so that it tests what it says
		kinds []string
		// without are kinds every other variant renders that this one must not
		without []string
	}{
		{"defaults", charts.Options{}, []string{"Secret", "PodDisruptionBudget", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}, nil},
		{"enforce mode", charts.Options{ReleaseName: "enforce", Values: map[string]any{
			"mode": "enforce", "enforceSeverity": "warning",
		}}, nil, nil},
		{"cert-manager with its own issuer", charts.Options{ReleaseName: "cm", Values: map[string]any{
			"certManager": map[string]any{"enabled": true},
		}}, []string{"Certificate", "Issuer"}, nil},
		{"cert-manager with a cluster issuer", charts.Options{ReleaseName: "cm-cluster", Values: map[string]any{
			"certManager": map[string]any{"enabled": true, "issuerRef": map[string]any{"name": "corp-ca", "kind": "ClusterIssuer"}},
		}}, []string{"Certificate"}, nil},
		{"existing secret", charts.Options{ReleaseName: "byo", Values: map[string]any{
			"certs": map[string]any{"existingSecret": "byo-tls", "caBundle": base64.StdEncoding.EncodeToString(ca)},
		}}, nil, nil},
		{"service monitor", charts.Options{ReleaseName: "monitored", Values: map[string]any{
			"metrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true, "labels": map[string]any{"release": "prom"}}},
		}}, []string{"ServiceMonitor"}, nil},
		// Every value that only renders when set, in another release
		// namespace and Istio root namespace.
		{"every optional value", charts.Options{ReleaseName: "prod", Namespace: "e2e-chart-tools", Values: map[string]any{
			"replicaCount":     3,
			"image":            map[string]any{"digest": "sha256:" + strings.Repeat("ab", 32), "pullPolicy": "Always"},
			"imagePullSecrets": []any{map[string]any{"name": "regcred"}},
			"fullnameOverride": "mesh-lint",
			"logLevel":         "debug",
			"meshConfig":       map[string]any{"namespace": "e2e-chart-istio-root"},
			"config": map[string]any{
				"mesh":     map[string]any{"mtls": "STRICT", "connectTimeout": "2s"},
				"tlsPorts": []any{443, 8443},
				"checks":   map[string]any{"ML011": false, "ML004": map[string]any{"severity": "info"}},
				"ignore":   []any{map[string]any{"checks": []any{"ML008"}, "namespaces": []any{"legacy-*"}}},
				"failOn":   "error",
			},
			"webhook": map[string]any{
				"failurePolicy": "Fail", "timeoutSeconds": 10, "port": 10443,
				"excludeNamespaces":            []any{"kube-system", "kube-public"},
				"namespaceSelectorExpressions": []any{map[string]any{"key": "team", "operator": "Exists"}},
				"objectSelector":               map[string]any{"matchLabels": map[string]any{"meshlint.io/lint": "true"}},
			},
			"certs":              map[string]any{"selfManaged": map[string]any{"validity": "2160h", "lookahead": "720h"}},
			"serviceAccount":     map[string]any{"name": "mesh-lint-sa", "annotations": map[string]any{"iam.gke.io/gcp-service-account": "meshlint@example.iam.gserviceaccount.com"}},
			"service":            map[string]any{"annotations": map[string]any{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}},
			"podSecurityContext": map[string]any{"runAsUser": nil, "runAsGroup": nil, "fsGroup": nil, "supplementalGroups": []any{3000}},
			"securityContext":    map[string]any{"runAsUser": nil, "runAsGroup": nil},
			"extraArgs":          []any{"--timeout=1500ms"},
			"extraEnv":           []any{map[string]any{"name": "GOMAXPROCS", "value": "1"}, map[string]any{"name": "NODE", "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": "spec.nodeName"}}}},
			"networkPolicy": map[string]any{
				"enabled":     true,
				"webhookFrom": []any{map[string]any{"ipBlock": map[string]any{"cidr": "10.0.0.0/8"}}},
				"metricsFrom": []any{map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "monitoring"}}}},
			},
			"podAnnotations":      map[string]any{"example.com/scrape": "true"},
			"podLabels":           map[string]any{"team": "mesh"},
			"podDisruptionBudget": map[string]any{"minAvailable": "50%"},
			"topologySpreadConstraints": []any{map[string]any{
				"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
				"labelSelector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": "meshlint"}},
			}},
			"nodeSelector": map[string]any{"kubernetes.io/os": "linux"},
			"tolerations":  []any{map[string]any{"key": "dedicated", "operator": "Equal", "value": "infra", "effect": "NoSchedule"}},
			"affinity": map[string]any{"nodeAffinity": map[string]any{"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
				"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{
					"key": "kubernetes.io/arch", "operator": "In", "values": []any{"amd64", "arm64"},
				}}}},
			}}},
			"priorityClassName": "system-cluster-critical",
			"metrics":           map[string]any{"port": 9090, "secure": true, "serviceMonitor": map[string]any{"enabled": true, "interval": "15s", "scrapeTimeout": "5s"}},
			"healthProbePort":   9091,
		}}, []string{"ServiceMonitor", "Secret", "PodDisruptionBudget", "NetworkPolicy", "ValidatingAdmissionPolicy"}, nil},
		{"host network", charts.Options{ReleaseName: "hostnet", Values: map[string]any{
			"hostNetwork": true, "webhook": map[string]any{"port": 10260}, "metrics": map[string]any{"port": 10261}, "healthProbePort": 10262,
		}}, nil, nil},
		{"RBAC and ServiceAccount managed elsewhere, selectors replaced", charts.Options{ReleaseName: "bring-your-own", Values: map[string]any{
			"rbac":           map[string]any{"create": false},
			"serviceAccount": map[string]any{"create": false, "name": "platform-meshlint"},
			"replicaCount":   1,
			"webhook": map[string]any{
				"namespaceSelector": map[string]any{"matchExpressions": []any{map[string]any{"key": "meshlint.io/lint", "operator": "In", "values": []any{"true"}}}},
				"annotations":       map[string]any{"argocd.argoproj.io/sync-options": "ServerSideApply=true"},
			},
		}}, nil, []string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "PodDisruptionBudget"}},
	}
	dr := newDryRunner(t)
	created := map[string]bool{}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			r, err := charts.RenderWith(v.opts)
			if err != nil {
				t.Fatalf("rendering: %v", err)
			}
			ns := v.opts.Namespace
			if ns == "" {
				ns = charts.DefaultNamespace
			}
			// The namespaces the objects go to exist, as they would in a
			// cluster: the release namespace and Istio's root namespace.
			// They are left in place: envtest runs no namespace controller,
			// so a deleted namespace would stay Terminating for the rest of
			// the suite.
			for _, o := range r.Objects {
				for _, n := range []string{ns, o.GetNamespace()} {
					if n != "" && !created[n] {
						createNamespace(t, n, false)
						created[n] = true
					}
				}
			}
			kinds := map[string]bool{}
			accepted := 0
			for _, o := range r.Objects {
				kinds[o.GetKind()] = true
				warnings, err := dr.create(o, ns)
				if err != nil {
					t.Errorf("%s rejected: %v", objectID(o), err)
				} else if len(warnings) == 0 {
					accepted++
				}
				for _, w := range warnings {
					t.Errorf("%s drew the warning %q", objectID(o), w)
				}
			}
			for _, k := range append([]string{
				"ServiceAccount", "ConfigMap", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
				"Service", "Deployment", "ValidatingWebhookConfiguration",
			}, v.kinds...) {
				if !kinds[k] && !contains(v.without, k) {
					t.Errorf("the variant renders no %s", k)
				}
			}
			for _, k := range v.without {
				if kinds[k] {
					t.Errorf("the variant renders a %s", k)
				}
			}
			t.Logf("%d of %d objects accepted", accepted, len(r.Objects))
		})
	}
	// The check is not vacuous: objects the API server's schemas refuse are
	// reported.
	t.Run("invalid objects are rejected", func(t *testing.T) {
		createNamespace(t, charts.DefaultNamespace, false)
		objs, err := charts.Render(nil)
		if err != nil {
			t.Fatal(err)
		}
		dep := charts.OfKind(objs, "Deployment")[0].DeepCopy()
		containers, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
		containers[0].(map[string]any)["readinessProb"] = map[string]any{}
		if err := unstructured.SetNestedSlice(dep.Object, containers, "spec", "template", "spec", "containers"); err != nil {
			t.Fatal(err)
		}
		vwc := charts.OfKind(objs, "ValidatingWebhookConfiguration")[0].DeepCopy()
		vwc.SetName("e2e-invalid")
		webhooks, _, _ := unstructured.NestedSlice(vwc.Object, "webhooks")
		webhooks[0].(map[string]any)["timeoutSeconds"] = int64(31)
		if err := unstructured.SetNestedSlice(vwc.Object, webhooks, "webhooks"); err != nil {
			t.Fatal(err)
		}
		cert := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
			"metadata": map[string]any{"name": "Not_A_DNS_Name"}, "spec": map[string]any{},
		}}
		for _, tc := range []struct {
			obj  *unstructured.Unstructured
			want func(error) bool
		}{
			{dep, apierrors.IsBadRequest}, // strict field validation
			{vwc, apierrors.IsInvalid},
			{cert, apierrors.IsInvalid},
		} {
			_, err := dr.create(tc.obj, charts.DefaultNamespace)
			switch {
			case err == nil:
				t.Errorf("invalid %s accepted", objectID(tc.obj))
			case !tc.want(err):
				t.Errorf("invalid %s rejected for another reason: %v", objectID(tc.obj), err)
			default:
				t.Logf("invalid %s rejected: %v", objectID(tc.obj), err)
			}
		}
	})
}

// fromUnstructured converts a rendered object to its API type, refusing
// fields the type does not have.
func fromUnstructured[T any](t *testing.T, o *unstructured.Unstructured) *T {
	t.Helper()
	var out T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, &out, true); err != nil {
		t.Fatalf("decoding %s: %v", objectID(o), err)
	}
	return &out
}

func oneOfKind(t *testing.T, objs []*unstructured.Unstructured, kind string) *unstructured.Unstructured {
	t.Helper()
	found := charts.OfKind(objs, kind)
	if len(found) != 1 {
		t.Fatalf("the chart renders %d objects of kind %s, want 1", len(found), kind)
	}
	return found[0]
}

func parseCert(t *testing.T, what string, pemBytes []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s is not a PEM certificate: %q", what, pemBytes)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return c
}

// servedLeaf dials the webhook as a client trusting only caPEM, verifying
// the name the API server uses, and returns the certificate it serves.
func servedLeaf(port int, caPEM []byte) (*x509.Certificate, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in the CA bundle %q", caPEM)
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{
		RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12,
	})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0], nil
}

// reviewed reports whether the webhook's log has a line for its review of
// the object namespace/name.
func (p *webhookProcess) reviewed(namespace, name string) bool {
	logs, err := os.ReadFile(p.logFile)
	if err != nil {
		return false
	}
	for _, line := range bytes.Split(logs, []byte("\n")) {
		if bytes.Contains(line, []byte(`"msg":"admission reviewed"`)) &&
			bytes.Contains(line, []byte(`"namespace":"`+namespace+`"`)) &&
			bytes.Contains(line, []byte(`"name":"`+name+`"`)) {
			return true
		}
	}
	return false
}

// tail returns the end of the webhook's log, for failure messages.
func (p *webhookProcess) tail() string {
	logs, err := os.ReadFile(p.logFile)
	if err != nil {
		return err.Error()
	}
	if len(logs) > 6000 {
		logs = logs[len(logs)-6000:]
	}
	return string(logs)
}

// TestSelfManagedCertificates installs what the chart's default
// (self-managed) certificate path needs, as the chart renders it: the empty
// certificate Secret, the RBAC, the ServiceAccount and the webhook
// configuration without a caBundle, pointed at a webhook process that
// runs with the Deployment's certificate flags as the chart's
// ServiceAccount. The webhook fills the Secret, injects its CA into the
// configuration and serves with it: the API server's warnings prove it
// trusts the injected CA. Then the serving certificate is rotated under the
// running webhook.
func TestSelfManagedCertificates(t *testing.T) {
	const (
		release = "selfmanaged"
		ns      = "e2e-selfmanaged-system"
		appNS   = "e2e-selfmanaged"
		name    = "selfmanaged"
	)
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := charts.RenderWith(charts.Options{ReleaseName: release, Namespace: ns, Values: map[string]any{
		// Only the test's namespace goes to this webhook, whatever else the
		// suite runs meanwhile.
		"webhook": map[string]any{"namespaceSelectorExpressions": []any{map[string]any{
			"key": "kubernetes.io/metadata.name", "operator": "In", "values": []any{appNS},
		}}},
	}})
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	objs := r.Objects
	secret := fromUnstructured[corev1.Secret](t, oneOfKind(t, objs, "Secret"))
	sa := fromUnstructured[corev1.ServiceAccount](t, oneOfKind(t, objs, "ServiceAccount"))
	svc := fromUnstructured[corev1.Service](t, oneOfKind(t, objs, "Service"))
	dep := fromUnstructured[appsv1.Deployment](t, oneOfKind(t, objs, "Deployment"))
	vwc, err := charts.WebhookConfiguration(objs)
	if err != nil {
		t.Fatal(err)
	}
	if len(secret.Data) != 0 || len(secret.StringData) != 0 {
		t.Fatalf("the chart's certificate Secret has data; the webhook is meant to fill it")
	}

	// The Deployment's certificate flags, which must name the rendered
	// objects.
	var flags []string
	got := map[string]string{}
	for _, a := range dep.Spec.Template.Spec.Containers[0].Args {
		k, v, _ := strings.Cut(a, "=")
		if strings.HasPrefix(k, "--cert-rotation-") || k == "--webhook-config-name" || k == "--service-name" {
			flags = append(flags, a)
			got[k] = v
		}
	}
	for k, want := range map[string]string{
		"--cert-rotation-secret": secret.Name, "--cert-rotation-namespace": ns,
		"--webhook-config-name": vwc.Name, "--service-name": svc.Name,
	} {
		if got[k] != want {
			t.Fatalf("the Deployment passes %s=%q, want %q (args %q)", k, got[k], want, flags)
		}
	}

	// The release namespace, Istio's root namespace (the chart's Role for
	// the mesh ConfigMap is there) and the test's.
	createNamespace(t, appNS, false)
	for _, o := range objs {
		if o.GetNamespace() != "" {
			createNamespace(t, o.GetNamespace(), false)
		}
	}

	// The chart's objects the certificate path needs, created for real: the
	// empty Secret and the webhook's identity and permissions.
	dr := newDryRunner(t)
	for _, o := range objs {
		switch o.GetKind() {
		case "Secret", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
			// The caBundle injection below runs under the chart's policy.
			"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding":
		default:
			continue
		}
		o = o.DeepCopy()
		res, err := dr.resource(o, ns)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := res.Create(ctx, o, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating %s: %v", objectID(o), err)
		}
		t.Cleanup(func() {
			if err := res.Delete(context.Background(), o.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("deleting %s: %v", objectID(o), err)
			}
		})
	}

	// The webhook configuration, pointed at the webhook process by a name
	// its generated certificate must cover, with no caBundle yet.
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	charts.PointAt(vwc, fmt.Sprintf("https://localhost:%d", port), nil)
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), vwc.Name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("deleting the webhook configuration: %v", err)
		}
	})

	// The webhook runs as the chart's ServiceAccount: a client certificate
	// for its user name, which RBAC matches to ServiceAccount subjects.
	user, err := env.AddUser(envtest.User{
		Name:   "system:serviceaccount:" + ns + ":" + sa.Name,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns},
	}, restCfg)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "meshlint-e2e-selfmanaged-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.Getenv("E2E_KEEP_LOGS") == "" {
			_ = os.RemoveAll(dir)
		}
	})
	saKubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(saKubeconfig, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	servingDir := filepath.Join(dir, "certs")
	args := append([]string{"--kubeconfig", saKubeconfig, "--cert-dir", servingDir, "--cert-extra-dns-names", "localhost"}, flags...)
	start := time.Now()
	p, err := startWebhookIn(dir, name, port, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the end of the webhook's log:\n%s", p.tail())
		}
		code, err := p.stop()
		if err != nil {
			t.Error(err)
		} else if code != 0 {
			t.Errorf("meshlint webhook exited %d after SIGTERM, want 0", code)
		}
		webhooksMu.Lock()
		delete(webhooks, name)
		webhooksMu.Unlock()
	})
	if err := p.waitReady(60 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.tail())
	}
	t.Logf("webhook ready with self-managed certificates in %s", time.Since(start).Round(time.Millisecond))

	// The Secret is filled: a CA and a serving certificate it signed, for
	// the Service's name and the extra one.
	sec, err := cs.CoreV1().Secrets(ns).Get(ctx, secret.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ca.crt", "ca.key", certs.CertName, certs.KeyName} {
		if len(sec.Data[k]) == 0 {
			t.Fatalf("Secret %s/%s has no %s after the webhook is ready (keys %v)", ns, secret.Name, k, keys(sec.Data))
		}
	}
	caPEM := sec.Data["ca.crt"]
	leaf := parseCert(t, "tls.crt", sec.Data[certs.CertName])
	verifyLeaf(t, leaf, caPEM, svc.Name+"."+ns+".svc", "localhost")

	// The CA is injected into every webhook of the configuration.
	cur, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, vwc.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertCABundle(t, cur, caPEM)

	// The webhook serves the Secret's certificate.
	served, err := servedLeaf(port, caPEM)
	if err != nil {
		t.Fatalf("dialing the webhook trusting the injected CA: %v", err)
	}
	if !served.Equal(leaf) {
		t.Fatalf("the webhook serves %s, the Secret holds %s", describe(served), describe(leaf))
	}

	// Through the API server: a VirtualService with an ML004 finding draws
	// the warning, and this webhook's log shows it reviewed the object (the
	// suite's other webhooks may warn too; the API server merges identical
	// warnings).
	k := newKubectl(t)
	var applied []string
	t.Cleanup(func() {
		res := k.dyn.Resource(schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}).Namespace(appNS)
		for _, n := range applied {
			_ = res.Delete(context.Background(), n, metav1.DeleteOptions{})
		}
	})
	doc := strings.ReplaceAll(caseFor(t, "ML004").docs[0], "e2e-ml004", appNS)
	admitted := func(what string) {
		t.Helper()
		eventually(t, 30*time.Second, what, func() error {
			vs := fmt.Sprintf("ratings-%d", len(applied)+1)
			applied = append(applied, vs)
			got, err := k.apply(strings.Replace(doc, "name: ratings", "name: "+vs, 1))
			if err != nil {
				return err
			}
			if len(withPrefix(got, "ML004 retry-without-reset: ")) != 1 {
				return fmt.Errorf("warnings = %q, want the ML004 one", got)
			}
			if !p.reviewed(appNS, vs) {
				return fmt.Errorf("the self-managed webhook did not review %s/%s", appNS, vs)
			}
			return nil
		})
	}
	admitted("warnings through the injected CA")

	// Rotation: without tls.crt the serving certificate is invalid, and the
	// webhook issues a new one from the same CA into the Secret, writes it
	// into its certificate directory and serves it, without a restart.
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		s, err := cs.CoreV1().Secrets(ns).Get(ctx, secret.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		delete(s.Data, certs.CertName)
		_, err = cs.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatalf("removing tls.crt from the Secret: %v", err)
	}
	rotatedAt := time.Now()
	var renewed *x509.Certificate
	eventually(t, 30*time.Second, "a new serving certificate in the Secret", func() error {
		s, err := cs.CoreV1().Secrets(ns).Get(ctx, secret.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(s.Data[certs.CertName]) == 0 {
			return fmt.Errorf("no %s yet", certs.CertName)
		}
		renewed = parseCert(t, "the renewed tls.crt", s.Data[certs.CertName])
		if renewed.Equal(leaf) {
			return fmt.Errorf("the Secret still holds %s", describe(leaf))
		}
		if !bytes.Equal(s.Data["ca.crt"], caPEM) {
			return fmt.Errorf("the CA changed; only the serving certificate should")
		}
		return nil
	})
	verifyLeaf(t, renewed, caPEM, svc.Name+"."+ns+".svc", "localhost")
	if pub, ok := renewed.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || pub.Equal(leaf.PublicKey) {
		t.Errorf("the renewed certificate has the old key")
	}
	eventually(t, 30*time.Second, "the webhook serving the renewed certificate", func() error {
		served, err := servedLeaf(port, caPEM)
		if err != nil {
			return err
		}
		if !served.Equal(renewed) {
			return fmt.Errorf("serves %s, want %s", describe(served), describe(renewed))
		}
		return nil
	})
	t.Logf("serving certificate rotated in %s: %s -> %s", time.Since(rotatedAt).Round(time.Millisecond), describe(leaf), describe(renewed))
	select {
	case code := <-p.done:
		p.done <- code
		t.Fatalf("the webhook exited with status %d during the rotation", code)
	default:
	}
	if b, err := os.ReadFile(filepath.Join(servingDir, certs.CertName)); err != nil || !bytes.Equal(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: renewed.Raw})) {
		t.Errorf("%s in --cert-dir is not the renewed certificate (err %v)", certs.CertName, err)
	}
	cur, err = cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, vwc.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertCABundle(t, cur, caPEM)
	admitted("warnings after the rotation")
}

// describe names a certificate by fingerprint and validity: cert-controller
// gives every serving certificate serial number 1, so serials tell nothing.
func describe(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return fmt.Sprintf("certificate sha256:%x (serial %s, valid %s to %s)", sum[:8], c.SerialNumber,
		c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func verifyLeaf(t *testing.T, leaf *x509.Certificate, caPEM []byte, names ...string) {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("ca.crt holds no certificate: %q", caPEM)
	}
	for _, n := range names {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: n, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("the serving certificate (DNS names %v) does not verify for %s against ca.crt: %v", leaf.DNSNames, n, err)
		}
	}
}

func assertCABundle(t *testing.T, vwc *admissionregistrationv1.ValidatingWebhookConfiguration, caPEM []byte) {
	t.Helper()
	for _, wh := range vwc.Webhooks {
		if !bytes.Equal(wh.ClientConfig.CABundle, caPEM) {
			t.Errorf("webhook %s: caBundle %q, want the Secret's ca.crt", wh.Name, wh.ClientConfig.CABundle)
		}
	}
}
