package webhook

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// writeTestCert writes a self-signed tls.crt and tls.key for 127.0.0.1 into
// dir and returns a pool trusting it.
func writeTestCert(t testing.TB, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "meshlint-bench"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		IsCA:        true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return pool
}

// serveTLS starts the webhook's HTTPS server (NewServer, as Run does) with
// the handler on 127.0.0.1 and returns its URL and a pool trusting it.
func serveTLS(t testing.TB, h *Handler) (string, *x509.CertPool) {
	t.Helper()
	dir := t.TempDir()
	pool := writeTestCert(t, dir)
	srv := NewServer(ServerOptions{Host: "127.0.0.1", CertDir: dir, Log: logr.Discard()})
	srv.Register(Path, &admission.Webhook{Handler: h, RecoverPanic: ptrTo(true),
		LogConstructor: func(logr.Logger, *admission.Request) logr.Logger { return logr.Discard() }})
	ctx, cancel := context.WithCancel(logr.NewContext(context.Background(), logr.Discard()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Start(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-srv.Listening():
	case <-done:
		t.Fatal("webhook server did not start")
	}
	return fmt.Sprintf("https://%s%s", srv.Addr(), Path), pool
}

func TestServerTLS(t *testing.T) {
	h := newTestHandler(t, handlerConfig{mode: ModeWarn}, vsWeb)
	url, pool := serveTLS(t, h)
	body := reviewBody(t, request(t, admissionv1.Update, gatewayPassthrough))
	for _, tc := range []struct {
		name    string
		max     uint16
		wantErr bool
	}{
		{"TLS 1.1 refused", tls.VersionTLS11, true},
		{"TLS 1.2", tls.VersionTLS12, false},
		{"TLS 1.3", tls.VersionTLS13, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tc.max}}}
			resp, err := c.Post(url, "application/json", bytes.NewReader(body))
			if tc.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatal("the server accepted a TLS version below 1.2")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var review admissionv1.AdmissionReview
			if err := json.NewDecoder(resp.Body).Decode(&review); err != nil {
				t.Fatal(err)
			}
			if review.Response == nil || !review.Response.Allowed || len(review.Response.Warnings) != 1 {
				t.Fatalf("response %+v, want allowed with one warning", review.Response)
			}
		})
	}
}

// BenchmarkServeTLS is the bounded load test: concurrent clients (as many
// connections as the API server keeps to a webhook) post AdmissionReviews
// over TLS on 127.0.0.1 to the webhook server holding 10k or 100k
// resources. It runs b.N reviews (-benchtime=20000x) and stops early after
// LOADTEST_MAX_SECONDS (default 60); it reports reviews/s and latency
// percentiles as the client sees them.
func BenchmarkServeTLS(b *testing.B) {
	maxTime := 60 * time.Second
	if s, err := strconv.Atoi(os.Getenv("LOADTEST_MAX_SECONDS")); err == nil && s > 0 {
		maxTime = time.Duration(s) * time.Second
	}
	for _, n := range []int{10_000, 100_000} {
		for _, conns := range []int{8, 32} {
			b.Run(fmt.Sprintf("cached=%d/conns=%d", n, conns), func(b *testing.B) {
				h := benchHandler(b, n)
				url, pool := serveTLS(b, h)
				bodies := make([][]byte, len(benchRequests))
				for i, r := range benchRequests {
					req := benchRequest(r)
					var err error
					bodies[i], err = json.Marshal(admissionv1.AdmissionReview{
						TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
						Request:  &req.AdmissionRequest,
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				tr := &http.Transport{
					TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
					MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
				}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
				var next atomic.Int64
				var failed atomic.Int64
				lats := make([][]time.Duration, conns)
				deadline := time.Now().Add(maxTime)
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for c := range conns {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1) - 1
							if i >= int64(b.N) || time.Now().After(deadline) {
								return
							}
							t0 := time.Now()
							resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[i%int64(len(bodies))]))
							if err != nil {
								failed.Add(1)
								continue
							}
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != http.StatusOK {
								failed.Add(1)
							}
							lats[c] = append(lats[c], time.Since(t0))
						}
					}()
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				var all []time.Duration
				for _, l := range lats {
					all = append(all, l...)
				}
				if f := failed.Load(); f > 0 {
					b.Errorf("%d of %d reviews failed", f, len(all)+int(f))
				}
				b.ReportMetric(float64(len(all))/elapsed.Seconds(), "reviews/s")
				reportPercentiles(b, all)
			})
		}
	}
}

// BenchmarkServeTLSRate is the open-loop variant of the load test: reviews
// are sent at a fixed rate (LOADTEST_RATE per second, default 2000) over a
// pool of 32 keep-alive connections, whatever the latency: a slow response
// never holds the next review back. Latency is taken from when each review
// is sent (the sender's own timer lateness is not counted against the
// server). It sends b.N reviews
// (-benchtime=20000x) and stops after LOADTEST_MAX_SECONDS.
func BenchmarkServeTLSRate(b *testing.B) {
	maxTime := 60 * time.Second
	if s, err := strconv.Atoi(os.Getenv("LOADTEST_MAX_SECONDS")); err == nil && s > 0 {
		maxTime = time.Duration(s) * time.Second
	}
	rates := []int{2000, 4000}
	if r, err := strconv.Atoi(os.Getenv("LOADTEST_RATE")); err == nil && r > 0 {
		rates = []int{r}
	}
	for _, n := range []int{10_000, 100_000} {
		for _, rate := range rates {
			b.Run(fmt.Sprintf("cached=%d/rate=%d", n, rate), func(b *testing.B) {
				h := benchHandler(b, n)
				url, pool := serveTLS(b, h)
				var bodies [][]byte
				for _, r := range benchRequests {
					req := benchRequest(r)
					body, err := json.Marshal(admissionv1.AdmissionReview{
						TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
						Request:  &req.AdmissionRequest,
					})
					if err != nil {
						b.Fatal(err)
					}
					bodies = append(bodies, body)
				}
				const conns = 32
				tr := &http.Transport{
					TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
					MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
				}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
				// Open the connections first, as the API server's are open.
				var warm sync.WaitGroup
				for i := range 2 * conns {
					warm.Add(1)
					go func() {
						defer warm.Done()
						if resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[i%len(bodies)])); err == nil {
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
						}
					}()
				}
				warm.Wait()
				interval := time.Second / time.Duration(rate)
				var mu sync.Mutex
				var lats []time.Duration
				var failed atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for i := 0; i < b.N; i++ {
					due := start.Add(time.Duration(i) * interval)
					if time.Since(start) > maxTime {
						break
					}
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						t0 := time.Now()
						resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[i%len(bodies)]))
						if err != nil {
							failed.Add(1)
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						lat := time.Since(t0)
						mu.Lock()
						lats = append(lats, lat)
						mu.Unlock()
					}(i)
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				if f := failed.Load(); f > 0 {
					b.Errorf("%d reviews failed", f)
				}
				b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "reviews/s")
				reportPercentiles(b, lats)
			})
		}
	}
}
