package telegram

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	updates  *prometheus.CounterVec
	requests *prometheus.CounterVec
	blocked  prometheus.Counter
	rejected *prometheus.CounterVec
	pollErrs prometheus.Counter
	poller   prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_telegram_updates_total", Help: "Telegram updates received, by kind (text, command, start, button, media, edited, group, channel, member, other; duplicate for replays skipped).",
		}, []string{"kind"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_telegram_requests_total", Help: "Bot API calls by method and outcome (ok, retry, flood, error).",
		}, []string{"method", "outcome"}),
		blocked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vneidbot_telegram_blocked_total", Help: "Chats newly marked blocked (403 from Telegram, or the user blocked the bot).",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_telegram_webhook_rejected_total", Help: "Webhook requests refused, by reason (secret, too_large, bad_json).",
		}, []string{"reason"}),
		pollErrs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vneidbot_telegram_poll_errors_total", Help: "getUpdates calls that failed.",
		}),
		poller: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vneidbot_telegram_poller", Help: "1 while this replica holds the polling lease.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.updates, m.requests, m.blocked, m.rejected, m.pollErrs, m.poller)
	}
	return m
}
