package main

import (
	"context"
	"fmt"

	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/zalobot"
)

// setupZaloBot starts the Zalo Bot Platform channel when ZALO_BOT_TOKEN is
// set. With ZALO_BOT_WEBHOOK_SECRET, updates come to POST /webhook/zalobot
// (the operator registers it with setWebhook and that secret); without it,
// one replica at a time polls getUpdates.
func setupZaloBot(ctx context.Context, a *app) error {
	if a.cfg.ZaloBotToken == "" {
		return nil
	}
	log := a.log.With("channel", "zalobot")
	zb, err := zalobot.New(zalobot.Options{
		Token:         a.cfg.ZaloBotToken,
		APIURL:        a.cfg.ZaloBotAPIURL,
		WebhookSecret: a.cfg.ZaloBotWebhookSecret,
		ChannelOptions: delivery.ChannelOptions{
			Store:    a.store,
			Delivery: a.delivery,
			Content:  a.engine.Content,
			Logger:   log,
			Metrics:  a.metrics,
		},
	})
	if err != nil {
		return err
	}
	a.delivery.Register(zalobot.Channel, zb)
	if zb.Polling() {
		log.Info("zalo bot: polling getUpdates (ZALO_BOT_WEBHOOK_SECRET is empty)")
	} else {
		a.mux.Handle("POST /webhook/zalobot", zb.Webhook())
		if url := a.cfg.ZaloBotWebhookURL; url != "" {
			if err := zb.Client().SetWebhook(ctx, url, a.cfg.ZaloBotWebhookSecret); err != nil {
				return fmt.Errorf("zalo bot setWebhook: %w", err)
			}
			log.Info("zalo bot: webhook registered", "url", url)
		} else {
			log.Info("zalo bot: webhook mode; register <public URL>/webhook/zalobot with setWebhook and secret_token = ZALO_BOT_WEBHOOK_SECRET, or set ZALO_BOT_WEBHOOK_URL")
		}
	}
	a.background(ctx, "zalobot", zb.Run)
	return nil
}
