package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/meshlint/meshlint/webhook/certs"
)

// ServingOptions bound how long a client may hold a connection to the webhook's HTTPS server
// without making progress. The API server opens a connection, completes the handshake and sends
// a review within milliseconds, and gives up after the webhook's timeoutSeconds (at most 30 s);
// anything slower is a stalled or hostile client holding a goroutine and a file descriptor.
type ServingOptions struct {
	// HandshakeTimeout bounds the TLS handshake, from the accept.
	HandshakeTimeout time.Duration
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing the response, from the end of the headers. It is above the API
	// server's longest webhook timeout, so an answer the API server still waits for is never cut.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that carries no new request.
	IdleTimeout time.Duration
}

// DefaultServingOptions are the limits `meshlint webhook` serves with.
func DefaultServingOptions() ServingOptions {
	return ServingOptions{
		HandshakeTimeout:  5 * time.Second,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      35 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
}

func (o ServingOptions) withDefaults() ServingOptions {
	d := DefaultServingOptions()
	for _, f := range []struct{ v, def *time.Duration }{
		{&o.HandshakeTimeout, &d.HandshakeTimeout}, {&o.ReadHeaderTimeout, &d.ReadHeaderTimeout},
		{&o.ReadTimeout, &d.ReadTimeout}, {&o.WriteTimeout, &d.WriteTimeout}, {&o.IdleTimeout, &d.IdleTimeout},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return o
}

// cipherSuites are the TLS 1.2 suites served: ECDHE key exchange with an AEAD cipher only, no
// CBC (Lucky13-style padding oracles) and no static RSA key exchange. TLS 1.3 suites are all
// AEAD and not configurable.
var cipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// hardenTLS sets what every TLS server of the webhook accepts: TLS 1.2 with AEAD suites or TLS
// 1.3, and HTTP/1.1 only (HTTP/2 stays off as rapid-reset hardening; the API server speaks
// HTTP/1.1 to webhooks anyway).
func hardenTLS(c *tls.Config) {
	c.MinVersion = tls.VersionTLS12
	c.CipherSuites = cipherSuites
	c.NextProtos = []string{"http/1.1"}
}

// Reasons a TLS handshake with the webhook failed, the values of the reason label of
// meshlint_webhook_tls_handshake_errors_total.
const (
	// HandshakeCertificateRejected: the client refused the serving certificate. From the API
	// server this means the webhook configuration's caBundle does not hold the CA that signed
	// it, and with failurePolicy Ignore every write is admitted unchecked.
	HandshakeCertificateRejected = "certificate_rejected"
	// HandshakeRemoteAlert: the client aborted with another TLS alert.
	HandshakeRemoteAlert = "remote_alert"
	// HandshakeTimeout: the client did not finish the handshake in time.
	HandshakeTimeout = "timeout"
	// HandshakeClientClosed: the client closed the connection without a handshake (TCP probes).
	HandshakeClientClosed = "client_closed"
	// HandshakeNotTLS: the client did not speak TLS (plain HTTP to the HTTPS port).
	HandshakeNotTLS = "not_tls"
	// HandshakeOther: any other failure, such as no protocol version or cipher suite in common.
	HandshakeOther = "other"
)

var handshakeReasons = []string{
	HandshakeCertificateRejected, HandshakeRemoteAlert, HandshakeTimeout, HandshakeClientClosed, HandshakeNotTLS, HandshakeOther,
}

// certificateAlerts are the TLS alerts a client sends when it does not accept the server's
// certificate (RFC 8446 section 6.2): Go clients, the API server among them, send bad_certificate
// for an unknown authority; OpenSSL sends unknown_ca.
var certificateAlerts = func() map[string]bool {
	m := map[string]bool{}
	// bad, unsupported, revoked, expired and unknown certificate; unknown CA. crypto/tls reports a
	// received alert as a net.OpError around its unexported alert type, whose text is AlertError's.
	for _, a := range []tls.AlertError{42, 43, 44, 45, 46, 48} {
		m[a.Error()] = true
	}
	return m
}()

// handshakeFailure classifies a failed server-side handshake.
func handshakeFailure(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "remote error" {
		if certificateAlerts[opErr.Err.Error()] {
			return HandshakeCertificateRejected
		}
		return HandshakeRemoteAlert
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return HandshakeTimeout
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return HandshakeClientClosed
	}
	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) {
		return HandshakeNotTLS
	}
	return HandshakeOther
}

// TLSMetrics are the webhook server's TLS series.
type TLSMetrics struct {
	handshakeErrors *prometheus.CounterVec
}

// NewTLSMetrics creates the series, every reason at zero so that rate() sees the first failure.
func NewTLSMetrics() *TLSMetrics {
	m := &TLSMetrics{handshakeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "meshlint_webhook_tls_handshake_errors_total",
		Help: "TLS handshakes with the webhook server that failed, by reason (certificate_rejected: the client, usually the API server, does not trust the serving certificate, so the webhook configuration's caBundle is stale; remote_alert, timeout, client_closed, not_tls, other).",
	}, []string{"reason"})}
	for _, r := range handshakeReasons {
		m.handshakeErrors.WithLabelValues(r)
	}
	return m
}

// Register adds the series to reg; when they are there already (two webhooks in one process, as
// in tests), it keeps and counts into the registered ones.
func (m *TLSMetrics) Register(reg prometheus.Registerer) error {
	if err := reg.Register(m.handshakeErrors); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return fmt.Errorf("registering TLS metrics: %w", err)
		}
		m.handshakeErrors = are.ExistingCollector.(*prometheus.CounterVec)
	}
	return nil
}

func (m *TLSMetrics) handshakeFailed(reason string) {
	if m != nil {
		m.handshakeErrors.WithLabelValues(reason).Inc()
	}
}

// ServerOptions configure the webhook's HTTPS server.
type ServerOptions struct {
	// Host and Port are the address to listen on; port 0 picks a free one (see Server.Addr).
	Host string
	Port int
	// CertDir holds tls.crt and tls.key, reloaded when they change.
	CertDir string
	Serving ServingOptions
	// Metrics counts failed handshakes; nil counts nothing.
	Metrics *TLSMetrics
	Log     logr.Logger
}

// Server is the webhook's HTTPS server: controller-runtime's webhook server, whose mux
// instruments every registered hook (controller_runtime_webhook_* series), served by an
// http.Server with limits on slow clients, AEAD-only TLS, and TLS handshakes done, timed,
// counted and logged before a connection reaches HTTP. It implements ctrlwebhook.Server.
type Server struct {
	opts ServerOptions
	// hooks registers the webhooks on its mux, with controller-runtime's metrics. It is never
	// started.
	hooks ctrlwebhook.Server

	mu        sync.Mutex
	addr      net.Addr
	listening chan struct{}
}

var _ ctrlwebhook.Server = (*Server)(nil)

// NewServer returns the webhook's HTTPS server.
func NewServer(opts ServerOptions) *Server {
	opts.Serving = opts.Serving.withDefaults()
	return &Server{
		opts:      opts,
		hooks:     ctrlwebhook.NewServer(ctrlwebhook.Options{Host: opts.Host, Port: opts.Port, CertDir: opts.CertDir}),
		listening: make(chan struct{}),
	}
}

// NeedLeaderElection is false: every replica serves.
func (*Server) NeedLeaderElection() bool { return false }

// Register serves hook at path.
func (s *Server) Register(path string, hook http.Handler) { s.hooks.Register(path, hook) }

// WebhookMux is the mux the hooks are registered on.
func (s *Server) WebhookMux() *http.ServeMux { return s.hooks.WebhookMux() }

// Addr is the address the server listens on, once it does; nil before.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Listening is closed once the server accepts connections.
func (s *Server) Listening() <-chan struct{} { return s.listening }

// Start serves until ctx is done, then shuts down, letting requests in flight finish.
func (s *Server) Start(ctx context.Context) error {
	watcher, err := certwatcher.New(filepath.Join(s.opts.CertDir, certs.CertName), filepath.Join(s.opts.CertDir, certs.KeyName))
	if err != nil {
		return fmt.Errorf("loading the serving certificate: %w", err)
	}
	go func() {
		if err := watcher.Start(ctx); err != nil {
			s.opts.Log.Error(err, "unable to watch the serving certificate")
		}
	}()
	cfg := &tls.Config{GetCertificate: watcher.GetCertificate}
	hardenTLS(cfg)

	inner, err := (&net.ListenConfig{}).Listen(ctx, "tcp", net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.Port)))
	if err != nil {
		return fmt.Errorf("listening for webhook requests: %w", err)
	}
	l := newHandshakeListener(inner, cfg, s.opts.Serving.HandshakeTimeout, s.handshakeFailed)
	srv := &http.Server{
		Handler:           s.WebhookMux(),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		MaxHeaderBytes:    1 << 20,
		ReadHeaderTimeout: s.opts.Serving.ReadHeaderTimeout,
		ReadTimeout:       s.opts.Serving.ReadTimeout,
		WriteTimeout:      s.opts.Serving.WriteTimeout,
		IdleTimeout:       s.opts.Serving.IdleTimeout,
		ErrorLog:          newStdLogger(s.opts.Log.WithName("http")),
	}
	stopped := make(chan struct{})
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			s.opts.Log.Error(err, "unable to shut the webhook server down cleanly")
		}
		close(stopped)
	}()
	s.mu.Lock()
	s.addr = inner.Addr()
	close(s.listening)
	s.mu.Unlock()
	so := s.opts.Serving
	s.opts.Log.Info("serving webhook", "address", inner.Addr().String(),
		"handshakeTimeout", so.HandshakeTimeout.String(), "readHeaderTimeout", so.ReadHeaderTimeout.String(),
		"readTimeout", so.ReadTimeout.String(), "writeTimeout", so.WriteTimeout.String(), "idleTimeout", so.IdleTimeout.String())
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving webhook requests: %w", err)
	}
	<-stopped
	return nil
}

func (s *Server) handshakeFailed(err error, remote net.Addr) {
	reason := handshakeFailure(err)
	s.opts.Metrics.handshakeFailed(reason)
	log := s.opts.Log.WithValues("remote", remote.String(), "reason", reason)
	switch reason {
	case HandshakeCertificateRejected:
		log.Error(err, "TLS handshake failed: the client does not trust the serving certificate; if it is the API server, the webhook configuration's caBundle is stale and writes are admitted unchecked")
	case HandshakeTimeout, HandshakeClientClosed:
		log.V(1).Info("TLS handshake failed", "error", err.Error())
	default:
		log.Info("TLS handshake failed", "error", err.Error())
	}
}

// StartedChecker is healthy once the server completes TLS handshakes.
func (s *Server) StartedChecker() healthz.Checker {
	return func(*http.Request) error {
		addr := s.Addr()
		if addr == nil {
			return errors.New("webhook server has not been started yet")
		}
		d := &net.Dialer{Timeout: 10 * time.Second}
		// Our own port: whether it completes handshakes is the question, not whom it serves as.
		conn, err := tls.DialWithDialer(d, "tcp", addr.String(), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			return fmt.Errorf("webhook server is not reachable: %w", err)
		}
		if err := conn.Close(); err != nil {
			return fmt.Errorf("webhook server is not reachable: closing connection: %w", err)
		}
		return nil
	}
}

// newStdLogger routes what net/http logs itself (a panicking handler, a broken response) to log.
func newStdLogger(log logr.Logger) *stdlog.Logger {
	return stdlog.New(logrWriter{log}, "", 0)
}

type logrWriter struct{ log logr.Logger }

func (w logrWriter) Write(p []byte) (int, error) {
	w.log.Info(strings.TrimSpace(string(p)))
	return len(p), nil
}

// handshakeListener accepts TCP connections and hands them on as *tls.Conn only once their
// handshake has completed within timeout; failed handshakes go to failed and are closed. Every
// handshake runs in its own goroutine, so a stalled client holds up neither Accept nor others.
// http.Server still sees a *tls.Conn (its handshake call returns at once) and its TLS state.
type handshakeListener struct {
	net.Listener
	cfg     *tls.Config
	timeout time.Duration
	failed  func(error, net.Addr)

	conns     chan net.Conn
	errs      chan error
	done      chan struct{}
	closeOnce sync.Once
}

func newHandshakeListener(inner net.Listener, cfg *tls.Config, timeout time.Duration, failed func(error, net.Addr)) *handshakeListener {
	l := &handshakeListener{
		Listener: inner, cfg: cfg, timeout: timeout, failed: failed,
		conns: make(chan net.Conn), errs: make(chan error), done: make(chan struct{}),
	}
	go l.acceptLoop()
	return l
}

func (l *handshakeListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			// Handed to http.Server, which backs off on temporary errors before it calls
			// Accept again; the unbuffered channel makes this loop wait for it.
			select {
			case l.errs <- err:
			case <-l.done:
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go l.handshake(c)
	}
}

func (l *handshakeListener) handshake(raw net.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	_ = raw.SetDeadline(time.Now().Add(l.timeout))
	tc := tls.Server(raw, l.cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		l.failed(err, raw.RemoteAddr())
		_ = raw.Close()
		return
	}
	_ = raw.SetDeadline(time.Time{})
	select {
	case l.conns <- tc:
	case <-l.done:
		_ = tc.Close()
	}
}

func (l *handshakeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handshakeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}
