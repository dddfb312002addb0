package zalo

import "github.com/prometheus/client_golang/prometheus"

// metrics are the OA channel's counters.
type metrics struct {
	webhook     *prometheus.CounterVec // result: accepted, ignored, bad_signature, no_signature, wrong_app, malformed, too_large, store_error
	events      *prometheus.CounterVec // event: known event names, "other"
	dropped     prometheus.Counter     // events given up after repeated failures
	sends       *prometheus.CounterVec // result: ok, unreachable, rate_limited, token, error
	unreachable *prometheus.CounterVec // code: the API code, or "unfollow"
	refreshes   *prometheus.CounterVec // result: ok, rejected, error
}

// newMetrics registers the counters with reg; nil keeps them unregistered.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		webhook: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalo_webhook_requests_total",
			Help: "Zalo OA webhook requests by result; bad_signature, no_signature and wrong_app were dropped unprocessed.",
		}, []string{"result"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalo_events_total",
			Help: "Verified Zalo OA events by event name; kinds the bot does not handle are counted and ignored.",
		}, []string{"event", "handled"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vneidbot_zalo_events_dropped_total",
			Help: "Stored Zalo OA events given up after repeated processing failures (logged at error).",
		}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_zalo_sends_total",
			Help: "Zalo OA messages sent, by result.",
		}, []string{"result"}),
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
		reg.MustRegister(m.webhook, m.events, m.dropped, m.sends, m.unreachable, m.refreshes)
	}
	return m
}
