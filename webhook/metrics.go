package webhook

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/meshlint/meshlint/lint"
)

// Metrics are the webhook's own Prometheus series, served on /metrics beside
// controller-runtime's webhook latency and request counters.
type Metrics struct {
	findings *prometheus.CounterVec
	failOpen *prometheus.CounterVec
	indexed  prometheus.GaugeFunc
}

// NewMetrics creates the series; Register adds them to a registry.
func NewMetrics(h func() int) *Metrics {
	m := &Metrics{
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meshlint_admission_findings_total",
			Help: "Findings returned by the admission webhook, by check, severity, kind of the admitted object and decision (warn: returned as a warning; deny: denied the request).",
		}, []string{"check", "severity", "kind", "decision"}),
		failOpen: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meshlint_admission_fail_open_total",
			Help: "Admission requests allowed without running the checks, by reason (cluster-cache-not-synced, malformed-object, panic, timeout, canceled).",
		}, []string{"reason"}),
	}
	if h != nil {
		m.indexed = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "meshlint_indexed_resources",
			Help: "Cluster resources held in the webhook's index.",
		}, func() float64 { return float64(h()) })
	}
	return m
}

// Register adds the series to reg. Registering the same series twice (two
// webhooks in one process, as in tests) keeps the first and reuses it.
func (m *Metrics) Register(reg prometheus.Registerer) error {
	cs := []prometheus.Collector{m.findings, m.failOpen}
	if m.indexed != nil {
		cs = append(cs, m.indexed)
	}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return err
			}
			switch i {
			case 0:
				m.findings = are.ExistingCollector.(*prometheus.CounterVec)
			case 1:
				m.failOpen = are.ExistingCollector.(*prometheus.CounterVec)
			}
		}
	}
	return nil
}

func (m *Metrics) finding(f lint.Finding, kind, decision string) {
	if m == nil {
		return
	}
	m.findings.WithLabelValues(f.Check.ID, f.Severity.String(), kind, decision).Inc()
}

func (m *Metrics) failOpenCount(reason string) {
	if m == nil {
		return
	}
	m.failOpen.WithLabelValues(reason).Inc()
}
