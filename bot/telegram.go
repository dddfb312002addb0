package main

import (
	"context"
	"fmt"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admission"
	"github.com/vneid-guide/vneidbot/internal/telegram"
)

// setupTelegram starts the Telegram channel when TELEGRAM_BOT_TOKEN is set:
// long polling when TELEGRAM_WEBHOOK_URL is empty (one replica polls at a
// time, by a Redis lease), else a webhook at POST /webhook/telegram checked
// against TELEGRAM_WEBHOOK_SECRET (generated and shared through Redis when
// empty).
func setupTelegram(ctx context.Context, a *app) error {
	if a.cfg.TelegramToken == "" {
		return nil
	}
	tg, err := telegram.New(telegram.Options{
		Token:  a.cfg.TelegramToken,
		APIURL: a.cfg.TelegramAPIURL,
		// Delivery runs the engine and sends the replies through tg.Send,
		// keeping them in the outbox until sent, so a crash never loses them.
		Delivery: a.delivery,
		Content:  a.engine.Content,
		Store:    a.store,
		Logger:   a.log.With("channel", "telegram"),
		Metrics:  a.metrics,
	})
	if err != nil {
		return err
	}
	a.delivery.Register(flows.Telegram, tg)
	a.ready("telegram", tg.Ready)
	if a.cfg.TelegramWebhookURL == "" {
		a.log.Info("telegram: long polling (TELEGRAM_WEBHOOK_URL is empty)")
		a.background(ctx, "telegram polling", tg.RunPolling)
		return nil
	}
	secret, err := tg.WebhookSecret(ctx, a.cfg.TelegramWebhookSecret)
	if err != nil {
		return fmt.Errorf("telegram webhook secret: %w", err)
	}
	// Past MAX_INFLIGHT updates in progress an update is refused with 503
	// at once, before any Redis work, and Telegram sends it again later.
	// The secret is checked before the gate reads the body or takes a slot.
	a.mux.Handle("POST /webhook/telegram", tg.RequireSecret(secret, a.gate.Middleware("telegram", telegram.MaxWebhookBody, tg.WebhookHandler(secret))))
	a.shed = append(a.shed, admission.ShedRoute{Method: "POST", Path: "/webhook/telegram", Channel: "telegram", Refuse: a.gate.RefusePlain})
	a.background(ctx, "telegram webhook", func(ctx context.Context) error {
		return tg.RunWebhook(ctx, a.cfg.TelegramWebhookURL, secret)
	})
	return nil
}
