package webhook

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// startServer runs the webhook's HTTPS server (the one Run serves with) on 127.0.0.1 with a
// handler answering "ok" on Path, and returns it with a pool trusting its certificate and its
// TLS metrics.
func startServer(t *testing.T, serving ServingOptions) (*Server, *x509.CertPool, *TLSMetrics) {
	t.Helper()
	dir := t.TempDir()
	pool := writeTestCert(t, dir)
	m := NewTLSMetrics()
	if err := m.Register(prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	srv := NewServer(ServerOptions{Host: "127.0.0.1", Port: 0, CertDir: dir, Serving: serving, Metrics: m, Log: logr.Discard()})
	srv.Register(Path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Start returned %v after its context was canceled", err)
		}
	})
	select {
	case <-srv.Listening():
	case err := <-done:
		t.Fatalf("the server did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not start listening within 10s")
	}
	if err := srv.StartedChecker()(nil); err != nil {
		t.Fatalf("StartedChecker: %v", err)
	}
	return srv, pool, m
}

// handshakeCounts returns the counter of every reason.
func handshakeCounts(m *TLSMetrics) map[string]float64 {
	out := map[string]float64{}
	for _, r := range handshakeReasons {
		out[r] = testutil.ToFloat64(m.handshakeErrors.WithLabelValues(r))
	}
	return out
}

// otherCA returns a pool trusting a fresh CA that did not sign the server's certificate: the
// API server after the CA changed under a stale caBundle.
func otherCA(t *testing.T) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "another-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return pool
}

var cbcSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// TestServerHandshakes dials the server as clients that succeed and fail in each way, and checks
// that the outcome and the counted reason match. A failure the API server causes with a stale
// caBundle is counted as certificate_rejected, the series the chart README's alert watches.
func TestServerHandshakes(t *testing.T) {
	srv, pool, m := startServer(t, ServingOptions{})
	addr := srv.Addr().String()
	for _, tc := range []struct {
		name string
		dial func() error
		// wantReason is the reason counted once; "" for a handshake that succeeds.
		wantReason string
	}{
		{"TLS 1.3", tlsDial(addr, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}), ""},
		{"TLS 1.2 with AEAD suites", tlsDial(addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12}), ""},
		{"TLS 1.2 with CBC suites only", tlsDial(addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12, CipherSuites: cbcSuites}), HandshakeOther},
		{"TLS 1.1", tlsDial(addr, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}), HandshakeOther},
		{"client trusts another CA (stale caBundle)", tlsDial(addr, &tls.Config{RootCAs: otherCA(t)}), HandshakeCertificateRejected},
		{"plain HTTP to the HTTPS port", func() error {
			resp, err := http.Get("http://" + addr + Path)
			if err != nil {
				return err
			}
			resp.Body.Close()
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}, HandshakeNotTLS},
		{"TCP connect and close", func() error {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return err
			}
			c.Close()
			return errors.New("closed without a handshake")
		}, HandshakeClientClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := handshakeCounts(m)
			err := tc.dial()
			if tc.wantReason == "" && err != nil {
				t.Fatalf("handshake failed: %v", err)
			}
			if tc.wantReason != "" && err == nil {
				t.Fatalf("handshake succeeded, want it refused (%s)", tc.wantReason)
			}
			want := map[string]float64{}
			if tc.wantReason != "" {
				want[tc.wantReason] = 1
			}
			// The server counts after the client has seen the failure.
			deadline := time.Now().Add(5 * time.Second)
			for {
				got := map[string]float64{}
				for r, n := range handshakeCounts(m) {
					if d := n - before[r]; d != 0 {
						got[r] = d
					}
				}
				if fmt.Sprint(got) == fmt.Sprint(want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("handshake failures counted %v, want %v (client error: %v)", got, want, err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

func tlsDial(addr string, cfg *tls.Config) func() error {
	return func() error {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
		if err != nil {
			return err
		}
		// Round-trip a request, so that a server-side failure after the client's part of the
		// handshake (TLS 1.3 sends the client's Finished last) shows here too.
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, "POST "+Path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); err != nil {
			return err
		}
		b, err := io.ReadAll(c)
		c.Close()
		if !strings.HasPrefix(string(b), "HTTP/1.1 200") {
			return fmt.Errorf("response %q, err %v", b, err)
		}
		return nil
	}
}

// heldFor opens n connections that behave as stall does and reports, sorted, how long the
// server kept each open (until the client read EOF or a reset). A connection still open after
// limit counts as limit.
func heldFor(t *testing.T, addr string, n int, limit time.Duration, stall func(net.Conn) error) []time.Duration {
	t.Helper()
	held := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.Close()
			start := time.Now()
			if err := stall(c); err != nil {
				errs[i] = err
				return
			}
			_ = c.SetReadDeadline(start.Add(limit))
			_, err = io.Copy(io.Discard, c)
			held[i] = time.Since(start)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				held[i] = limit
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("stalling a connection: %v", err)
		}
	}
	slices.Sort(held)
	return held
}

// TestServerCutsOffSlowClients holds connections open the ways a slow or hostile client does,
// against the server's default limits, and checks that the server closes every one of them
// soon after its limit. controller-runtime's server, which Run used before (32 s header
// timeout, which also bounded the handshake), held 1,000 silent connections for 32 s each.
func TestServerCutsOffSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the server's default timeouts (about 6 s)")
	}
	def := DefaultServingOptions()
	srv, pool, m := startServer(t, ServingOptions{})
	addr := srv.Addr().String()
	const slack = 2 * time.Second
	limit := def.HandshakeTimeout + def.ReadHeaderTimeout + 10*time.Second

	handshaken := func(header string) func(net.Conn) error {
		return func(c net.Conn) error {
			tc := tls.Client(c, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
			if err := tc.Handshake(); err != nil {
				return err
			}
			_, err := io.WriteString(tc, header)
			return err
		}
	}
	cases := []struct {
		name  string
		n     int
		stall func(net.Conn) error
		max   time.Duration
	}{
		{"silent TCP connections", 1000, func(net.Conn) error { return nil }, def.HandshakeTimeout},
		{"half a ClientHello", 100, func(c net.Conn) error {
			_, err := c.Write([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01})
			return err
		}, def.HandshakeTimeout},
		{"handshake, then nothing", 100, handshaken(""), def.ReadHeaderTimeout},
		{"handshake, then half the headers", 100, handshaken("POST " + Path + " HTTP/1.1\r\nHost: x\r\n"), def.ReadHeaderTimeout},
	}
	results := make([][]time.Duration, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = heldFor(t, addr, tc.n, limit, tc.stall)
		}()
	}
	wg.Wait()
	for i, tc := range cases {
		held := results[i]
		median, longest := held[len(held)/2], held[len(held)-1]
		t.Logf("%s: %d held for a median of %s, at most %s (limit %s)", tc.name, tc.n, median.Round(time.Millisecond), longest.Round(time.Millisecond), tc.max)
		if longest > tc.max+slack {
			t.Errorf("%s: a connection was held %s, want at most %s + %s", tc.name, longest.Round(time.Millisecond), tc.max, slack)
		}
		if held[0] < tc.max-slack/4 {
			t.Errorf("%s: a connection was closed after %s, before the %s limit", tc.name, held[0].Round(time.Millisecond), tc.max)
		}
	}
	if got := handshakeCounts(m)[HandshakeTimeout]; got < 1100 {
		t.Errorf("%v handshake timeouts counted, want the 1,100 stalled handshakes", got)
	}

	// Still serving after all that.
	if err := tlsDial(addr, &tls.Config{RootCAs: pool})(); err != nil {
		t.Errorf("the server no longer answers: %v", err)
	}
}

// TestServerIdleTimeout checks that a kept-alive connection with no new request is closed
// after IdleTimeout, and a trickled request body after ReadTimeout.
func TestServerIdleTimeout(t *testing.T) {
	opts := ServingOptions{IdleTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, ReadHeaderTimeout: 400 * time.Millisecond}
	srv, pool, _ := startServer(t, opts)
	addr := srv.Addr().String()
	for _, tc := range []struct {
		name  string
		stall func(net.Conn) error
		max   time.Duration
	}{
		{"idle after one request", func(c net.Conn) error {
			tc := tls.Client(c, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
			if _, err := io.WriteString(tc, "POST "+Path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"); err != nil {
				return err
			}
			buf := make([]byte, 4096)
			n, err := tc.Read(buf)
			if err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
				return fmt.Errorf("first response %q: %v", buf[:n], err)
			}
			return nil
		}, opts.IdleTimeout},
		{"a body that never comes", func(c net.Conn) error {
			tc := tls.Client(c, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
			_, err := io.WriteString(tc, "POST "+Path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
			return err
		}, opts.ReadTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			held := heldFor(t, addr, 10, 10*time.Second, tc.stall)
			if longest := held[len(held)-1]; longest > tc.max+time.Second {
				t.Errorf("a connection was held %s, want at most %s + 1s", longest.Round(time.Millisecond), tc.max)
			}
		})
	}
}

// TestDefaultServingOptions keeps the defaults within what the API server needs: an answer it
// still waits for (timeoutSeconds is at most 30) is never cut, and nothing else lingers.
func TestDefaultServingOptions(t *testing.T) {
	d := DefaultServingOptions()
	if d.WriteTimeout <= 30*time.Second {
		t.Errorf("WriteTimeout %s would cut answers the API server still waits for (timeoutSeconds up to 30)", d.WriteTimeout)
	}
	for name, v := range map[string]time.Duration{"HandshakeTimeout": d.HandshakeTimeout, "ReadHeaderTimeout": d.ReadHeaderTimeout, "ReadTimeout": d.ReadTimeout} {
		if v <= 0 || v > 10*time.Second {
			t.Errorf("%s = %s, want a limit of at most 10s", name, v)
		}
	}
	if d.IdleTimeout <= 0 || d.IdleTimeout > time.Minute {
		t.Errorf("IdleTimeout = %s, want at most a minute", d.IdleTimeout)
	}
	if got := (ServingOptions{}).withDefaults(); got != d {
		t.Errorf("zero ServingOptions complete to %+v, want the defaults %+v", got, d)
	}
}

// TestHandshakeFailure classifies the errors crypto/tls and net return from a server handshake;
// the alerts are the ones clients other than Go send (OpenSSL: unknown_ca).
func TestHandshakeFailure(t *testing.T) {
	remote := func(a tls.AlertError) error { return &net.OpError{Op: "remote error", Err: a} }
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"Go client, unknown authority", remote(42), HandshakeCertificateRejected},
		{"OpenSSL client, unknown CA", remote(48), HandshakeCertificateRejected},
		{"expired certificate", remote(45), HandshakeCertificateRejected},
		{"handshake_failure alert", remote(40), HandshakeRemoteAlert},
		{"protocol_version alert", remote(70), HandshakeRemoteAlert},
		{"deadline", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, HandshakeTimeout},
		{"EOF", io.EOF, HandshakeClientClosed},
		{"reset", &net.OpError{Op: "read", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}, HandshakeClientClosed},
		{"plain HTTP", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, HandshakeNotTLS},
		{"no shared cipher", errors.New("tls: no cipher suite supported by both client and server"), HandshakeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := handshakeFailure(tc.err); got != tc.want {
				t.Errorf("handshakeFailure(%v) = %s, want %s", tc.err, got, tc.want)
			}
		})
	}
}
