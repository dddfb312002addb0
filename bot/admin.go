package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admin"
	"github.com/vneid-guide/vneidbot/internal/broadcast"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/telegram"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
	"github.com/vneid-guide/vneidbot/internal/volunteer/inchat"
	"github.com/vneid-guide/vneidbot/internal/zalo"
	"github.com/vneid-guide/vneidbot/internal/zalobot"
)

// operatorTimeout bounds what the volunteer and stats commands spend on Redis.
const operatorTimeout = time.Minute

// statsOptions returns what the engine needs for statistics and the
// volunteer features: newApp passes them in flows.Options as Recorder and
// Volunteers.
func statsOptions(cfg Config, st *store.Store) (flows.Recorder, flows.Volunteers) {
	return stats.NewRecorder(st, stats.Options{}), &inchat.Service{
		Registry: volunteer.NewRegistry(st, nil),
		Stats:    stats.NewReader(st, 0),
		Links:    links(cfg),
		OptOut:   func(ctx context.Context, chat string) error { return broadcast.OptOut(ctx, st, chat) },
	}
}

// links are the bot's public addresses, from which volunteers' links are made.
func links(cfg Config) volunteer.Links {
	return volunteer.Links{TelegramBot: cfg.TelegramBotUsername, WebURL: cfg.PublicURL, ZaloOA: cfg.ZaloOAURL}
}

// setupAdmin serves the dashboard under /admin when ADMIN_TOKEN is set.
// Every path under /admin needs the token (Bearer header or the login
// form's cookie); without it nothing but the login form is shown (401).
func setupAdmin(ctx context.Context, a *app) error {
	if a.cfg.AdminToken == "" {
		return nil
	}
	h, err := admin.New(admin.Options{
		Token:    a.cfg.AdminToken,
		Stats:    stats.NewReader(a.store, 0),
		Registry: volunteer.NewRegistry(a.store, nil),
		Handoff:  a.handoffTickets(),
		Links:    links(a.cfg),
		Content:  a.engine.Content,
		Store:    a.store,
		Logger:   a.log.With("component", "admin"),

		TrustedHeader:  a.cfg.TrustedProxyHeader,
		TrustedProxies: a.cfg.TrustedProxies,
	})
	if err != nil {
		return err
	}
	a.mux.Handle("/admin", h)
	a.mux.Handle("/admin/", h)
	a.log.Info("admin dashboard at /admin (ADMIN_TOKEN is set)")
	return setupEditor(ctx, a, h)
}

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
			APIURL: cfg.ZaloAPIURL, OAuthURL: cfg.ZaloOAuthURL, Store: st, Content: cat,
		}
	}
	if cfg.ZaloBotToken != "" {
		p.ZaloBot = &zalobot.Options{Token: cfg.ZaloBotToken, APIURL: cfg.ZaloBotAPIURL, Store: st, Content: cat}
	}
	return p
}
