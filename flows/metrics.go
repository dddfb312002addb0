package flows

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	updates    *prometheus.CounterVec
	outcomes   *prometheus.CounterVec
	latency    prometheus.Histogram
	conflicts  prometheus.Counter
	duplicates prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_updates_total", Help: "Updates handled, by channel and kind.",
		}, []string{"channel", "kind"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_outcomes_total", Help: "What the engine did with an update (step, faq_confident, faq_none, sensitive...).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vneidbot_handle_seconds", Help: "Time to handle one update, Redis included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 12),
		}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vneidbot_session_conflicts_total", Help: "Session saves retried because another update of the chat saved first.",
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vneidbot_duplicates_total", Help: "Updates dropped because their message id was already handled.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.updates, m.outcomes, m.latency, m.conflicts, m.duplicates)
	}
	return m
}

func (m *metrics) observe(in Inbound, outcome string, d time.Duration) {
	m.updates.WithLabelValues(string(in.Channel), string(in.Kind)).Inc()
	if outcome != "" {
		m.outcomes.WithLabelValues(outcome).Inc()
	}
	m.latency.Observe(d.Seconds())
}
