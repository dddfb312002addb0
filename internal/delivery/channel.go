package delivery

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/delivery/queue"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// ChannelOptions are the options every webhook-fed channel adapter is
// built with; the adapters' Options embed them.
type ChannelOptions struct {
	Store *store.Store
	// Delivery takes each update in and sees it answered through Send
	// (delivery.Core). Without it the adapter only sends (broadcasts from
	// the command line).
	Delivery Processor
	// Content is the content being served, for the adapter's own words.
	Content func() *content.Catalog
	Logger  *slog.Logger
	Metrics prometheus.Registerer // nil: counters are kept but not exported
	HTTP    *http.Client          // for the platform's API
	// Workers is how many updates this process handles at once (the
	// adapter's default).
	Workers int
	Queue   queue.Options
}

// Check reports a missing store or content as an error naming the
// adapter (name: "zalo"), and fills in the logger and the workers.
func (o *ChannelOptions) Check(name string, workers int) error {
	if o.Store == nil || o.Content == nil {
		return errors.New(name + ": a store and the content are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = workers
	}
	return nil
}
