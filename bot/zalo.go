package main

import (
	"context"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admission"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/delivery/queue"
	"github.com/vneid-guide/vneidbot/internal/zalo"
)

// setupZalo starts the Zalo Official Account channel when ZALO_APP_ID is set:
// POST /webhook/zalo (events verified, then queued in Redis before the 200),
// GET /zalo/oauth/callback (the end of `vneidbot zalo authorize`), workers
// that answer queued events, and the token refresher. The token pair lives
// in Redis; ZALO_OA_ACCESS_TOKEN/ZALO_OA_REFRESH_TOKEN seed it only when it
// is empty. /readyz reports the channel not ready, with what to do, while
// there is no usable token pair.
func setupZalo(ctx context.Context, a *app) error {
	if !a.cfg.ZaloEnabled() {
		return nil
	}
	log := a.log.With("channel", "zalo")
	spool, err := queue.OpenSpool(a.cfg.ZaloSpoolDir)
	if err != nil {
		return &ConfigError{"ZALO_SPOOL_DIR", err.Error()}
	}
	if n := spool.Len(); n > 0 {
		log.Info("zalo: events kept on disk during a Redis outage will be replayed", "events", n)
	}
	oa, err := zalo.New(zalo.Options{
		AppID:       a.cfg.ZaloAppID,
		AppSecret:   a.cfg.ZaloAppSecret,
		OASecretKey: a.cfg.ZaloOASecretKey,
		APIURL:      a.cfg.ZaloAPIURL,
		OAuthURL:    a.cfg.ZaloOAuthURL,
		ChannelOptions: delivery.ChannelOptions{
			Store:    a.store,
			Delivery: paced{a.delivery, a.gate}, // events wait in their stream for a free slot
			Content:  a.engine.Content,
			Logger:   log,
			Metrics:  a.metrics,
		},
		Spool: spool,
	})
	if err != nil {
		return err
	}
	if a.cfg.ZaloAccessToken != "" || a.cfg.ZaloRefreshToken != "" {
		seeded, err := oa.Tokens().Seed(ctx, a.cfg.ZaloAccessToken, a.cfg.ZaloRefreshToken)
		switch {
		case err != nil:
			return err
		case seeded:
			log.Info("zalo: token store seeded from ZALO_OA_ACCESS_TOKEN/ZALO_OA_REFRESH_TOKEN")
		default:
			log.Info("zalo: Redis already holds a token pair; ZALO_OA_* tokens are not used (they are dead after the first refresh)")
		}
	}
	a.delivery.Register(zalo.Channel, oa) // replies (and redeliveries from the outbox) go through oa
	a.mux.Handle("POST /webhook/zalo", oa.Webhook())
	a.mux.Handle("GET /zalo/oauth/callback", oa.Callback())
	a.ready("zalo", oa.Ready)
	a.background(ctx, "zalo", oa.Run)
	if err := oa.Ready(ctx); err != nil {
		log.Warn("zalo channel is not ready", "reason", err)
	}
	return nil
}

// paced takes an admission slot before each update and waits for one
// when all are taken: events that are already durable (the Zalo stream) are
// worked off at the pace the replica can manage instead of being refused.
type paced struct {
	delivery.Processor
	gate *admission.Gate
}

// Process handles in once a slot is free; an error (ctx ended) leaves the
// event queued.
func (p paced) Process(ctx context.Context, in flows.Inbound) error {
	if err := p.gate.Acquire(ctx); err != nil {
		return err
	}
	defer p.gate.Release()
	return p.Processor.Process(ctx, in)
}
