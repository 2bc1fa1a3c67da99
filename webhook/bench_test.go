package webhook

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"sync/atomic"

	"github.com/go-logr/logr"
	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	networkingv1alpha3 "istio.io/client-go/pkg/apis/networking/v1alpha3"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/meshlint/meshlint/lint"
)

func meta(ns, name string, i int) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Namespace: ns, Name: name,
		UID:               types.UID(fmt.Sprintf("00000000-0000-0000-0000-%012d", i)),
		ResourceVersion:   strconv.Itoa(100000 + i),
		Generation:        1,
		CreationTimestamp: metav1.NewTime(time.Unix(1700000000+int64(i), 0)),
		Labels:            map[string]string{"app": name, "team": ns},
		Annotations:       map[string]string{"owner": "team-" + ns},
	}
}

// generateCluster returns n resources in n/20 namespaces: per namespace 6
// Services, 4 DestinationRules (with subsets, ISTIO_MUTUAL), 4 mesh
// VirtualServices (with retries), 1 ingress Gateway and 1 VirtualService
// bound to it, 2 ServiceEntries, 1 PeerAuthentication and 1 EnvoyFilter.
func generateCluster(n int) []*lint.Resource {
	out := make([]*lint.Resource, 0, n)
	i := 0
	add := func(o metav1.Object) {
		out = append(out, lint.NewResource(o, ""))
		i++
	}
	for nsi := 0; len(out) < n; nsi++ {
		ns := fmt.Sprintf("team-%05d", nsi)
		for s := range 6 {
			name := fmt.Sprintf("svc-%d", s)
			add(&corev1.Service{ObjectMeta: meta(ns, name, i), Spec: corev1.ServiceSpec{
				ClusterIP: fmt.Sprintf("10.%d.%d.%d", nsi/65536%256, nsi/256%256, nsi%256),
				Selector:  map[string]string{"app": name},
				Ports:     []corev1.ServicePort{{Name: "http-web", Port: 8080}, {Name: "grpc", Port: 9090}},
			}})
		}
		for s := range 4 {
			name := fmt.Sprintf("svc-%d", s)
			add(&networkingv1.DestinationRule{ObjectMeta: meta(ns, name, i), Spec: networkingapi.DestinationRule{
				Host: name,
				TrafficPolicy: &networkingapi.TrafficPolicy{
					Tls: &networkingapi.ClientTLSSettings{Mode: networkingapi.ClientTLSSettings_ISTIO_MUTUAL},
				},
				Subsets: []*networkingapi.Subset{
					{Name: "v1", Labels: map[string]string{"version": "v1"}},
					{Name: "v2", Labels: map[string]string{"version": "v2"}},
				},
			}})
			add(&networkingv1.VirtualService{ObjectMeta: meta(ns, name, i), Spec: networkingapi.VirtualService{
				Hosts: []string{name},
				Http: []*networkingapi.HTTPRoute{{
					Name: "default",
					Route: []*networkingapi.HTTPRouteDestination{
						{Destination: &networkingapi.Destination{Host: name, Subset: "v1"}, Weight: 90},
						{Destination: &networkingapi.Destination{Host: name, Subset: "v2"}, Weight: 10},
					},
					Retries: &networkingapi.HTTPRetry{Attempts: 3, RetryOn: "reset,connect-failure,refused-stream"},
				}},
			}})
		}
		host := ns + ".example.com"
		add(&networkingv1.Gateway{ObjectMeta: meta(ns, "ingress", i), Spec: networkingapi.Gateway{
			Selector: map[string]string{"istio": "ingressgateway", "team": ns},
			Servers: []*networkingapi.Server{{
				Port:  &networkingapi.Port{Number: 443, Name: "https", Protocol: "HTTPS"},
				Hosts: []string{host},
				Tls:   &networkingapi.ServerTLSSettings{Mode: networkingapi.ServerTLSSettings_SIMPLE, CredentialName: ns + "-cert"},
			}},
		}})
		add(&networkingv1.VirtualService{ObjectMeta: meta(ns, "ingress", i), Spec: networkingapi.VirtualService{
			Hosts:    []string{host},
			Gateways: []string{"ingress"},
			Http: []*networkingapi.HTTPRoute{{
				Route: []*networkingapi.HTTPRouteDestination{{Destination: &networkingapi.Destination{Host: "svc-0", Subset: "v1"}}},
			}},
		}})
		for s := range 2 {
			add(&networkingv1.ServiceEntry{ObjectMeta: meta(ns, fmt.Sprintf("ext-%d", s), i), Spec: networkingapi.ServiceEntry{
				Hosts:      []string{fmt.Sprintf("api-%d.%s.partner.example.net", s, ns)},
				Location:   networkingapi.ServiceEntry_MESH_EXTERNAL,
				Resolution: networkingapi.ServiceEntry_DNS,
				Ports:      []*networkingapi.ServicePort{{Number: 443, Name: "tls", Protocol: "TLS"}},
			}})
		}
		add(&securityv1.PeerAuthentication{ObjectMeta: meta(ns, "default", i), Spec: securityapi.PeerAuthentication{
			Mtls: &securityapi.PeerAuthentication_MutualTLS{Mode: securityapi.PeerAuthentication_MutualTLS_STRICT},
		}})
		add(&networkingv1alpha3.EnvoyFilter{ObjectMeta: meta(ns, "lua", i), Spec: networkingapi.EnvoyFilter{
			WorkloadSelector: &networkingapi.WorkloadSelector{Labels: map[string]string{"app": "svc-0"}},
			Priority:         10,
			ConfigPatches: []*networkingapi.EnvoyFilter_EnvoyConfigObjectPatch{{
				ApplyTo: networkingapi.EnvoyFilter_HTTP_FILTER,
				Match: &networkingapi.EnvoyFilter_EnvoyConfigObjectMatch{
					Context: networkingapi.EnvoyFilter_SIDECAR_INBOUND,
				},
				Patch: &networkingapi.EnvoyFilter_Patch{Operation: networkingapi.EnvoyFilter_Patch_INSERT_FIRST},
			}},
		}})
	}
	return out[:n]
}

// benchRequests are typical admissions against the generated cluster:
// updates of existing objects in namespace team-00007 and a create.
var benchRequests = []struct {
	name string
	op   admissionv1.Operation
	doc  string
}{
	{"VirtualService-update", admissionv1.Update, `{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"svc-1","namespace":"team-00007","resourceVersion":"123","uid":"0e7c5a2e-0000-4000-8000-000000000001","labels":{"app":"svc-1"}},"spec":{"hosts":["svc-1"],"http":[{"name":"default","route":[{"destination":{"host":"svc-1","subset":"v1"},"weight":80},{"destination":{"host":"svc-1","subset":"v2"},"weight":20}],"retries":{"attempts":3,"retryOn":"connect-failure,refused-stream"}}]}}`},
	{"Gateway-update", admissionv1.Update, `{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"ingress","namespace":"team-00007"},"spec":{"selector":{"istio":"ingressgateway","team":"team-00007"},"servers":[{"port":{"number":443,"name":"tls","protocol":"TLS"},"hosts":["team-00007.example.com"],"tls":{"mode":"PASSTHROUGH"}}]}}`},
	{"DestinationRule-create", admissionv1.Create, `{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"svc-5","namespace":"team-00007"},"spec":{"host":"svc-5","trafficPolicy":{"tls":{"mode":"DISABLE"},"connectionPool":{"tcp":{"connectTimeout":"500ms"}}},"subsets":[{"name":"v1","labels":{"version":"v1"}}]}}`},
	{"Service-update", admissionv1.Update, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc-2","namespace":"team-00007"},"spec":{"clusterIP":"10.0.0.7","selector":{"app":"svc-2"},"ports":[{"name":"http-web","port":443},{"name":"grpc","port":9090}]}}`},
}

func benchRequest(r struct {
	name string
	op   admissionv1.Operation
	doc  string
}) admission.Request {
	kinds := map[string]metav1.GroupVersionKind{
		"VirtualService":  {Group: "networking.istio.io", Version: "v1", Kind: "VirtualService"},
		"Gateway":         {Group: "networking.istio.io", Version: "v1", Kind: "Gateway"},
		"DestinationRule": {Group: "networking.istio.io", Version: "v1", Kind: "DestinationRule"},
		"Service":         {Version: "v1", Kind: "Service"},
	}
	kind := r.name[:len(r.name)-len("-update")]
	if r.op == admissionv1.Create {
		kind = r.name[:len(r.name)-len("-create")]
	}
	req := admission.Request{}
	req.UID = "bench"
	req.Kind = kinds[kind]
	req.Namespace = "team-00007"
	req.Operation = r.op
	req.Object.Raw = []byte(r.doc)
	return req
}

var benchHandlers = map[int]*Handler{}

// benchHandler returns a synced handler holding n generated resources,
// built once per size.
func benchHandler(b *testing.B, n int) *Handler {
	if h, ok := benchHandlers[n]; ok {
		return h
	}
	h, err := NewHandler(lint.DefaultMesh(), lint.Settings{}, HandlerOptions{Mode: ModeWarn})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range generateCluster(n) {
		h.Upsert(r)
	}
	h.MarkSynced()
	benchHandlers[n] = h
	return h
}

// BenchmarkHandler measures one admission (decode, overlay, checks on the
// object and the resources it touches, response) with 10k and 100k
// resources cached, and reports p50 and p99 latency.
func BenchmarkHandler(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, r := range benchRequests {
			b.Run(fmt.Sprintf("cached=%d/%s", n, r.name), func(b *testing.B) {
				h := benchHandler(b, n)
				req := benchRequest(r)
				ctx := logr.NewContext(context.Background(), logr.Discard())
				// Each request draws a finding (on itself, or on the VirtualService
				// the Gateway change breaks): the benchmark measures real work.
				if resp := h.Handle(ctx, req); !resp.Allowed || len(resp.Warnings) == 0 {
					b.Fatalf("allowed=%v warnings=%q, want allowed with findings", resp.Allowed, resp.Warnings)
				}
				measureHandle(b, h, ctx, req)
			})
		}
	}
}

// BenchmarkHandlerTenantIsolation is BenchmarkHandler at 10k cached with
// tenant isolation on: every name of another namespace is looked up in
// the access reviews (answered at once here, as the cache answers a
// repeated question) and each message is scanned for names.
func BenchmarkHandlerTenantIsolation(b *testing.B) {
	for _, r := range benchRequests {
		b.Run(r.name, func(b *testing.B) {
			h := benchHandler(b, 10_000)
			var asked atomic.Int64
			h.opts.Access = func(context.Context, authenticationv1.UserInfo, lint.Key) (bool, error) {
				asked.Add(1)
				return false, nil
			}
			req := benchRequest(r)
			req.Namespace = "tenant-elsewhere"
			ctx := logr.NewContext(context.Background(), logr.Discard())
			measureHandle(b, h, ctx, req)
			b.ReportMetric(float64(asked.Load())/float64(b.N), "reviews/op")
		})
	}
}

// measureHandle runs req through h b.N times and reports the latency
// percentiles and allocations.
func measureHandle(b *testing.B, h *Handler, ctx context.Context, req admission.Request) {
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		h.Handle(ctx, req)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// BenchmarkIndexMemory reports the heap held by the index of n resources
// (the typed objects, as the informer cache holds them, plus the tables).
func BenchmarkIndexMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("cached=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				h, err := NewHandler(lint.DefaultMesh(), lint.Settings{}, HandlerOptions{})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				for _, r := range generateCluster(n) {
					h.Upsert(r)
				}
				fill := time.Since(start)
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
				b.ReportMetric(float64(fill.Milliseconds()), "fill-ms")
				runtime.KeepAlive(h)
			}
		})
	}
}
