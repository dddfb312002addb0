package zalobot

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/internal/delivery"
)

// metrics are the bot channel's counters: the ones every channel keeps
// (webhook results: accepted, no_secret, bad_secret, malformed, too_large,
// store_error; sends: ok, rate_limited, error), and getUpdates polls.
type metrics struct {
	delivery.ChannelMetrics
	polls *prometheus.CounterVec // result: ok, empty, error
}

// newMetrics registers the counters with reg; nil keeps them unregistered.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		ChannelMetrics: delivery.NewChannelMetrics(reg, delivery.ChannelNames{
			Prefix: "vneidbot_zalobot", Inbound: "updates", Channel: "Zalo Bot Platform",
		}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalobot_polls_total",
			Help: "Zalo Bot Platform getUpdates calls, by result (empty: nothing within the timeout).",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.polls)
	}
	return m
}
