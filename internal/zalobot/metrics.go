package zalobot

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	webhook *prometheus.CounterVec // result: accepted, no_secret, bad_secret, malformed, too_large, store_error
	updates *prometheus.CounterVec // event, handled
	dropped prometheus.Counter
	sends   *prometheus.CounterVec // result: ok, rate_limited, error
	polls   *prometheus.CounterVec // result: ok, empty, error
}

// newMetrics registers the counters with reg; nil keeps them unregistered.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		webhook: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalobot_webhook_requests_total",
			Help: "Zalo Bot Platform webhook requests by result.",
		}, []string{"result"}),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalobot_updates_total",
			Help: "Zalo Bot Platform updates received, by event name and whether the bot handles them.",
		}, []string{"event", "handled"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vneidbot_zalobot_updates_dropped_total",
			Help: "Stored Zalo Bot Platform updates given up after repeated processing failures (logged at error).",
		}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalobot_sends_total",
			Help: "Zalo Bot Platform messages sent, by result.",
		}, []string{"result"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalobot_polls_total",
			Help: "Zalo Bot Platform getUpdates calls, by result (empty: nothing within the timeout).",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.webhook, m.updates, m.dropped, m.sends, m.polls)
	}
	return m
}
