package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/meshlint/meshlint/charts"
)

// installChartObjects creates the rendered objects of the given kinds for real (namespaced ones
// in ns when they name none) and deletes them when the test ends.
func installChartObjects(t *testing.T, r *charts.Rendered, ns string, kinds ...string) {
	t.Helper()
	dr := newDryRunner(t)
	for _, o := range r.Objects {
		if !contains(kinds, o.GetKind()) {
			continue
		}
		o = o.DeepCopy()
		res, err := dr.resource(o, ns)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := res.Create(context.Background(), o, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating %s: %v", objectID(o), err)
		}
		t.Cleanup(func() {
			if err := res.Delete(context.Background(), o.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("deleting %s: %v", objectID(o), err)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// clientAs returns a clientset authenticated as user (a client certificate for the name, which
// RBAC and admission see as that user, ServiceAccount names included).
func clientAs(t *testing.T, user envtest.User) kubernetes.Interface {
	t.Helper()
	u, err := env.AddUser(user, restCfg)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(u.Config())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestCABundleOnlyPolicy installs the chart's default (self-managed certificates) RBAC,
// ServiceAccount, webhook configuration and ValidatingAdmissionPolicy, and then, as the
// webhook's ServiceAccount, tries every change to the configuration that RBAC's update allows:
// the caBundle change goes through; every other change (the URL, the Service, the rules, the
// failure policy, the selectors, the timeout, a second webhook, labels, annotations) is refused
// by the policy, and the stored configuration is left as it was. An administrator can still
// change it.
func TestCABundleOnlyPolicy(t *testing.T) {
	const (
		release = "vap"
		ns      = "e2e-vap-system"
	)
	ctx := context.Background()
	admin, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := charts.RenderWith(charts.Options{ReleaseName: release, Namespace: ns, Values: map[string]any{
		// The configuration never sends this suite's requests anywhere.
		"webhook": map[string]any{"namespaceSelectorExpressions": []any{map[string]any{
			"key": "kubernetes.io/metadata.name", "operator": "In", "values": []any{"e2e-vap-nowhere"},
		}}},
	}})
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	vwc, err := charts.WebhookConfiguration(r.Objects)
	if err != nil {
		t.Fatal(err)
	}
	sa := oneOfKind(t, r.Objects, "ServiceAccount")
	for _, o := range r.Objects {
		if o.GetNamespace() != "" {
			createNamespace(t, o.GetNamespace(), false)
		}
	}
	installChartObjects(t, r, ns, "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
		"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
	if _, err := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), vwc.Name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("deleting the webhook configuration: %v", err)
		}
	})
	webhookSA := clientAs(t, envtest.User{
		Name:   "system:serviceaccount:" + ns + ":" + sa.GetName(),
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns},
	}).AdmissionregistrationV1().ValidatingWebhookConfigurations()

	// update changes the stored configuration with change, as the webhook's ServiceAccount.
	update := func(change func(*admissionregistrationv1.ValidatingWebhookConfiguration)) error {
		cur, err := webhookSA.Get(ctx, vwc.Name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("getting the configuration as the webhook: %w", err)
		}
		change(cur)
		_, err = webhookSA.Update(ctx, cur, metav1.UpdateOptions{})
		return err
	}
	const policyDenial = "may only update clientConfig.caBundle"
	url := "https://attacker.example.com/validate"
	redirect := func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
		v.Webhooks[0].ClientConfig.Service = nil
		v.Webhooks[0].ClientConfig.URL = &url
	}

	// The API server takes a moment to load a new policy.
	start := time.Now()
	eventually(t, 30*time.Second, "the policy refusing a new URL", func() error {
		err := update(redirect)
		if err == nil {
			// Undo, as an administrator, and try again.
			cur, gerr := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, vwc.Name, metav1.GetOptions{})
			if gerr != nil {
				return gerr
			}
			cur.Webhooks = vwc.Webhooks
			if _, uerr := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, cur, metav1.UpdateOptions{}); uerr != nil {
				return uerr
			}
			return fmt.Errorf("the webhook's ServiceAccount pointed its configuration at %s", url)
		}
		if !strings.Contains(err.Error(), policyDenial) {
			return fmt.Errorf("refused, but not by the policy: %w", err)
		}
		return nil
	})
	t.Logf("policy in force after %s", time.Since(start).Round(time.Millisecond))

	before, err := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, vwc.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secrets := admissionregistrationv1.RuleWithOperations{
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.OperationAll},
		Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"secrets"}},
	}
	fail := admissionregistrationv1.Fail
	exact := admissionregistrationv1.Exact
	someEffects := admissionregistrationv1.SideEffectClassNoneOnDryRun
	for _, tc := range []struct {
		name   string
		change func(*admissionregistrationv1.ValidatingWebhookConfiguration)
		// denial is the policy's message refusing the change; "" when it is allowed.
		denial string
	}{
		{"a URL instead of the Service", redirect, policyDenial},
		{"another Service", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].ClientConfig.Service.Name = "attacker"
		}, policyDenial},
		{"another Service path", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			p := "/steal"
			v.Webhooks[0].ClientConfig.Service.Path = &p
		}, policyDenial},
		{"a rule for Secrets", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].Rules = append(v.Webhooks[0].Rules, secrets)
		}, policyDenial},
		{"no rules", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].Rules = nil
		}, policyDenial},
		{"failurePolicy Fail", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].FailurePolicy = &fail
		}, policyDenial},
		{"matchPolicy Exact", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].MatchPolicy = &exact
		}, policyDenial},
		{"sideEffects", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].SideEffects = &someEffects
		}, policyDenial},
		{"timeout", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].TimeoutSeconds = ptr(int32(30))
		}, policyDenial},
		{"namespaceSelector widened", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].NamespaceSelector = &metav1.LabelSelector{}
		}, policyDenial},
		{"objectSelector", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].ObjectSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"never": "matches"}}
		}, policyDenial},
		{"admissionReviewVersions", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].AdmissionReviewVersions = []string{"v1", "v1beta1"}
		}, policyDenial},
		{"matchConditions", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].MatchConditions = []admissionregistrationv1.MatchCondition{{Name: "never", Expression: "false"}}
		}, policyDenial},
		{"webhook renamed", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].Name = "other.meshlint.io"
		}, policyDenial},
		{"a second webhook", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			w := *v.Webhooks[0].DeepCopy()
			w.Name = "second.meshlint.io"
			v.Webhooks = append(v.Webhooks, w)
		}, policyDenial},
		{"caBundle and URL together", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].ClientConfig.CABundle = caPEMForPolicy
			redirect(v)
		}, policyDenial},
		{"a label", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Labels["extra"] = "x"
		}, "may not change the labels"},
		{"an annotation", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Annotations = map[string]string{"cert-manager.io/inject-ca-from": "kube-system/other"}
		}, "may not change the labels"},
		// Last, so the denials above ran against the chart's own configuration.
		{"the caBundle", func(v *admissionregistrationv1.ValidatingWebhookConfiguration) {
			v.Webhooks[0].ClientConfig.CABundle = caPEMForPolicy
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := update(tc.change)
			cur, gerr := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, vwc.Name, metav1.GetOptions{})
			if gerr != nil {
				t.Fatal(gerr)
			}
			if tc.denial == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if string(cur.Webhooks[0].ClientConfig.CABundle) != string(caPEMForPolicy) {
					t.Errorf("caBundle not stored")
				}
				return
			}
			switch {
			case err == nil:
				t.Errorf("the webhook's ServiceAccount made the change")
			case !apierrors.IsForbidden(err) && !apierrors.IsInvalid(err):
				t.Errorf("refused for another reason: %v", err)
			case !strings.Contains(err.Error(), tc.denial):
				t.Errorf("refused, but not by the policy (want %q): %v", tc.denial, err)
			default:
				t.Logf("refused: %v", err)
			}
			if cur.ResourceVersion != before.ResourceVersion {
				t.Errorf("the stored configuration changed (resourceVersion %s -> %s)", before.ResourceVersion, cur.ResourceVersion)
			}
		})
	}

	// The policy binds the webhook's ServiceAccount only.
	t.Run("an administrator may change the timeout", func(t *testing.T) {
		cur, err := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, vwc.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Webhooks[0].TimeoutSeconds = ptr(int32(5))
		if _, err := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Errorf("refused an administrator: %v", err)
		}
	})
}

// caPEMForPolicy is a caBundle the test injects; the API server only checks that it is bytes.
var caPEMForPolicy = []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")

func ptr[T any](v T) *T { return &v }
