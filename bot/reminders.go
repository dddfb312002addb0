package main

import (
	"context"
	"fmt"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/broadcast"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/telegram"
	"github.com/vneid-guide/vneidbot/internal/zalo"
	"github.com/vneid-guide/vneidbot/internal/zalobot"
)

// setupReminders sends the automatic reminders when REMINDERS=on: one per
// flow to a user idle inside it for REMINDERS_AFTER, within
// REMINDERS_HOURS (Asia/Ho_Chi_Minh), never outside a platform's window.
func setupReminders(ctx context.Context, a *app) error {
	if !a.cfg.Reminders {
		return nil
	}
	chans, err := broadcast.Channels(platforms(a.cfg, a.store, a.engine.Content), 5)
	if err != nil {
		return err
	}
	if len(chans) == 0 {
		a.log.Warn("REMINDERS=on but no channel that can send is configured")
		return nil
	}
	r := broadcast.NewReminders(broadcast.ReminderOptions{
		Store: a.store, Content: a.engine.Content, Channels: chans, Stats: stats.NewReader(a.store, 0),
		Logger: a.log.With("component", "reminders"),
		After:  a.cfg.RemindersAfter, From: a.cfg.RemindersFrom, To: a.cfg.RemindersTo,
	})
	a.background(ctx, "reminders", r.Run)
	a.log.Info("reminders on", "after", a.cfg.RemindersAfter, "hours", fmt.Sprintf("%d-%d", a.cfg.RemindersFrom, a.cfg.RemindersTo))
	return nil
}

// platforms are the adapters' options of the configured channels that can
// write first, for broadcast.Channels (reminders, broadcasts, the handoff).
func platforms(cfg Config, st *store.Store, cat func() *content.Catalog) broadcast.Platforms {
	var p broadcast.Platforms
	if cfg.TelegramToken != "" {
		p.Telegram = &telegram.Options{Token: cfg.TelegramToken, APIURL: cfg.TelegramAPIURL, Content: cat, Store: st}
	}
	if cfg.ZaloEnabled() {
		p.Zalo = &zalo.Options{
			AppID: cfg.ZaloAppID, AppSecret: cfg.ZaloAppSecret, OASecretKey: cfg.ZaloOASecretKey,
			APIURL: cfg.ZaloAPIURL, OAuthURL: cfg.ZaloOAuthURL,
			ChannelOptions: delivery.ChannelOptions{Store: st, Content: cat},
		}
	}
	if cfg.ZaloBotToken != "" {
		p.ZaloBot = &zalobot.Options{Token: cfg.ZaloBotToken, APIURL: cfg.ZaloBotAPIURL,
			ChannelOptions: delivery.ChannelOptions{Store: st, Content: cat}}
	}
	return p
}
