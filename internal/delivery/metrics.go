package delivery

import "github.com/prometheus/client_golang/prometheus"

// ChannelMetrics are the counters every webhook-fed channel adapter keeps.
type ChannelMetrics struct {
	Webhook *prometheus.CounterVec // result: the adapter's webhook results
	Inbound *prometheus.CounterVec // event, handled
	Dropped prometheus.Counter     // inbound given up after repeated failures
	Sends   *prometheus.CounterVec // result: ok, rate_limited, error, ...
}

// ChannelNames name a channel's counters: Prefix_webhook_requests_total,
// Prefix_<Inbound>_total, Prefix_<Inbound>_dropped_total and
// Prefix_sends_total. Channel names the platform in the help texts, and
// WebhookNote, when set, ends the webhook counter's help.
type ChannelNames struct {
	Prefix      string // "vneidbot_zalo"
	Inbound     string // what the platform delivers: "events", "updates"
	Channel     string // "Zalo OA"
	WebhookNote string
}

// NewChannelMetrics registers a channel's counters with reg; nil keeps
// them unregistered.
func NewChannelMetrics(reg prometheus.Registerer, n ChannelNames) ChannelMetrics {
	webhookHelp := n.Channel + " webhook requests by result."
	if n.WebhookNote != "" {
		webhookHelp = n.Channel + " webhook requests by result; " + n.WebhookNote
	}
	m := ChannelMetrics{
		Webhook: counterVec(n.Prefix+"_webhook_requests_total", webhookHelp, "result"),
		Inbound: counterVec(n.Prefix+"_"+n.Inbound+"_total",
			n.Channel+" "+n.Inbound+" received, by event name and whether the bot handles them.", "event", "handled"),
		Dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: n.Prefix + "_" + n.Inbound + "_dropped_total",
			Help: "Stored " + n.Channel + " " + n.Inbound + " given up after repeated processing failures (logged at error).",
		}),
		Sends: counterVec(n.Prefix+"_sends_total", n.Channel+" messages sent, by result.", "result"),
	}
	if reg != nil {
		reg.MustRegister(m.Webhook, m.Inbound, m.Dropped, m.Sends)
	}
	return m
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}
