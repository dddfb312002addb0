package main

import (
	"context"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admin"
	"github.com/vneid-guide/vneidbot/internal/broadcast"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
	"github.com/vneid-guide/vneidbot/internal/volunteer/inchat"
)

// statsOptions returns what the engine needs for statistics and the
// volunteer features: newApp passes them in flows.Options as Recorder and
// Volunteers.
func statsOptions(cfg Config, st *store.Store) (flows.Recorder, *inchat.Service) {
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
