package checks

import (
	"testing"

	networkingapi "istio.io/api/networking/v1alpha3"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshlint/meshlint/lint"
)

func TestMTLSServerNamespace(t *testing.T) {
	mesh := lint.DefaultMesh()
	ix := lint.NewIndex(mesh, false, []*lint.Table{ServiceEntriesByHost})
	for _, se := range []struct {
		ns, host string
		loc      networkingapi.ServiceEntry_Location
	}{
		{"data", "db.internal.example", networkingapi.ServiceEntry_MESH_INTERNAL},
		{"shop", "api.payments.example.com", networkingapi.ServiceEntry_MESH_EXTERNAL},
		{"shop", "*.partner.example.com", networkingapi.ServiceEntry_MESH_EXTERNAL},
	} {
		obj := &networkingv1.ServiceEntry{ObjectMeta: metav1.ObjectMeta{Name: se.host, Namespace: se.ns}}
		obj.Spec.Hosts = []string{se.host}
		obj.Spec.Location = se.loc
		ix.Add(lint.NewResource(obj, ""))
	}
	tests := []struct {
		name, written, drNS string
		wantNS              string
		wantIn              bool
	}{
		{name: "short host", written: "reviews", drNS: "prod", wantNS: "prod", wantIn: true},
		{name: "name.namespace", written: "reviews.prod", drNS: "other", wantNS: "prod", wantIn: true},
		{name: "fqdn", written: "reviews.prod.svc.cluster.local", drNS: "other", wantNS: "prod", wantIn: true},
		{name: "namespace wildcard", written: "*.prod.svc.cluster.local", drNS: "x", wantNS: "prod", wantIn: true},
		{name: "all services", written: "*.svc.cluster.local", drNS: "x", wantNS: "", wantIn: true},
		{name: "local", written: "*.local", drNS: "x", wantNS: "", wantIn: true},
		{name: "everything", written: "*", drNS: "x", wantNS: "", wantIn: true},
		{name: "internal service entry", written: "db.internal.example", drNS: "app", wantNS: "data", wantIn: true},
		{name: "wildcard over an internal host", written: "*.internal.example", drNS: "app", wantNS: "", wantIn: true},
		{name: "external service entry", written: "api.payments.example.com", drNS: "shop", wantIn: false},
		{name: "covered by external wildcard", written: "a.partner.example.com", drNS: "shop", wantIn: false},
		{name: "external wildcard", written: "*.googleapis.com", drNS: "shop", wantIn: false},
		{name: "public one-dot name", written: "httpbin.org", drNS: "shop", wantIn: false},
		{name: "plain external name", written: "www.example.com", drNS: "shop", wantIn: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := ExpandHost(tc.written, tc.drNS, mesh.DomainSuffix)
			ns, in := mtlsServerNamespace(ix, &mesh, tc.written, host)
			if in != tc.wantIn || (in && ns != tc.wantNS) {
				t.Errorf("mtlsServerNamespace(%q) = %q, %v; want %q, %v", host, ns, in, tc.wantNS, tc.wantIn)
			}
		})
	}
}
