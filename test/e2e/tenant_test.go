package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// TestWarningsHideWhatRBACHides: a tenant who may write VirtualServices in
// its own namespace, and read nothing elsewhere, binds one to the platform
// team's Gateway with a host the Gateway does not serve. The warning (ML014)
// says "a Gateway in another namespace", also for a server-side dry run,
// which stores nothing; once the tenant may get that Gateway, and for an
// administrator, it names it.
func TestWarningsHideWhatRBACHides(t *testing.T) {
	setup(t)
	createNamespace(t, "e2e-tenant", false)
	createNamespace(t, "e2e-tenant-gw", false)
	admin := newKubectl(t)
	admin.mustApply(t, `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: e2e-tenant-gw}
spec:
  selector: {app: gw-tenant}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.tenant.example.com]
`)
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	grant := func(ns, name string, rules ...rbacv1.PolicyRule) {
		t.Helper()
		if _, err := cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
			Subjects:   []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "tenant-bob"}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	grant("e2e-tenant", "vs-writer", rbacv1.PolicyRule{
		APIGroups: []string{"networking.istio.io"}, Resources: []string{"virtualservices"},
		Verbs: []string{"get", "list", "create", "update", "delete"},
	})
	user, err := env.AddUser(envtest.User{Name: "tenant-bob"}, restCfg)
	if err != nil {
		t.Fatal(err)
	}
	bob := &kubectl{rec: &warningRecorder{}}
	cfg := rest.CopyConfig(user.Config())
	cfg.WarningHandler = bob.rec
	if bob.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		t.Fatal(err)
	}

	const vsName = "web"
	vs := `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ` + vsName + `, namespace: e2e-tenant}
spec:
  hosts: [other.tenant.example.com]
  gateways: [e2e-tenant-gw/public]
  http:
  - route:
    - destination: {host: web}
`
	const named = `ML014 host-not-in-gateway: spec.gateways[0]: no server of gateway "e2e-tenant-gw/public" accepts`
	const hidden = `ML014 host-not-in-gateway: spec.gateways[0]: no server of a Gateway in another namespace accepts`
	dryRun := func(k *kubectl) []string {
		t.Helper()
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(vs), &obj.Object); err != nil {
			t.Fatal(err)
		}
		// Another name than the VirtualService created for real: a dry run
		// goes through admission, then stores nothing.
		obj.SetName(vsName + "-dry-run")
		res := k.dyn.Resource(schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}).Namespace("e2e-tenant")
		k.rec.take()
		if _, err := res.Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Fatalf("dry-run create: %v", err)
		}
		return k.rec.take()
	}
	expect := func(what string, got []string, want string) {
		t.Helper()
		if len(withPrefix(got, want)) != 1 {
			t.Errorf("%s: warnings %q, want one starting %q", what, got, want)
		}
		for _, w := range got {
			if strings.Contains(w, "e2e-tenant-gw/public") && want == hidden {
				t.Errorf("%s: %q names the Gateway tenant-bob may not get", what, w)
			}
		}
	}

	// The tenant may not read the Gateway's namespace.
	expect("dry run as tenant-bob", dryRun(bob), hidden)
	expect("create as tenant-bob", bob.mustApply(t, vs), hidden)
	expect("dry run as admin", dryRun(admin), named)

	// Access reviews are cached for a few seconds: once tenant-bob may get
	// the Gateway, the name comes back.
	grant("e2e-tenant-gw", "gw-reader", rbacv1.PolicyRule{
		APIGroups: []string{"networking.istio.io"}, Resources: []string{"gateways"},
		Verbs: []string{"get"}, ResourceNames: []string{"public"},
	})
	eventually(t, 30*time.Second, "the Gateway named to tenant-bob once granted", func() error {
		if got := dryRun(bob); len(withPrefix(got, named)) != 1 {
			return fmt.Errorf("warnings %q, want one starting %q", got, named)
		}
		return nil
	})
}
