package zalo

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/internal/delivery"
)

// metrics are the OA channel's counters: the ones every channel keeps
// (webhook results: accepted, ignored, bad_signature, no_signature,
// wrong_app, malformed, too_large, store_error; sends: ok, unreachable,
// rate_limited, token, error), and the OA's own.
type metrics struct {
	delivery.ChannelMetrics
	unreachable *prometheus.CounterVec // code: the API code, or "unfollow"
	refreshes   *prometheus.CounterVec // result: ok, rejected, error
}

// newMetrics registers the counters with reg; nil keeps them unregistered.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		ChannelMetrics: delivery.NewChannelMetrics(reg, delivery.ChannelNames{
			Prefix: "vneidbot_zalo", Inbound: "events", Channel: "Zalo OA",
			WebhookNote: "bad_signature, no_signature and wrong_app were dropped unprocessed.",
		}),
		unreachable: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalo_unreachable_total",
			Help: "Zalo OA users marked unreachable, by API error code or unfollow.",
		}, []string{"code"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalo_token_refreshes_total",
			Help: "Zalo OA token refresh calls made by this process, by result.",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.unreachable, m.refreshes)
	}
	return m
}
