package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/broadcast"
	"github.com/vneid-guide/vneidbot/internal/clientaddr"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/telegram"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
)

// newHandoff builds the handoff service (issue 14): tickets, the relay to
// the citizen's channel, hours and the first-answer target. Senders are
// the engine's, found once the channels are set up.
func newHandoff(cfg Config, st *store.Store, src *contentSource, log *slog.Logger, senders func() *delivery.Core) *handoff.Service {
	return handoff.New(handoff.Options{
		Logger:  log.With("component", "handoff"),
		Store:   st,
		Content: src.Catalog,
		Hours:   cfg.HandoffHours,
		SLA:     cfg.HandoffSLA,
		Refs:    volunteer.NewRegistry(st, nil),
		Areas:   accounts.New(st, nil),
		Senders: func(channel string) flows.Sender {
			if d := senders(); d != nil {
				return d.SenderOf(flows.Channel(channel))
			}
			return nil
		},
	})
}

// setupHandoff serves the web chat's live officer replies, checks the
// first-answer target in the background and, with TELEGRAM_OPERATORS_CHAT_ID,
// relays the operators group.
func setupHandoff(ctx context.Context, a *app) error {
	if a.handoff == nil {
		return nil
	}
	a.background(ctx, "handoff first-answer target", a.handoff.Run)
	if err := setupOperatorsGroup(ctx, a); err != nil {
		return err
	}
	return setupInbox(ctx, a)
}

// liveRoute serves GET /api/chat/live: the web chat's stream of officers'
// replies, for the conversation the chat cookies name.
func (a *app) liveRoute(chat interface {
	ChatOf(*http.Request) (string, error)
}) {
	if a.handoff == nil {
		return
	}
	l := a.handoff.Live()
	l.ChatOf = chat.ChatOf
	l.ClientOf = func(r *http.Request) netip.Addr {
		return clientaddr.Addr(r, a.cfg.TrustedProxyHeader, a.cfg.TrustedProxies)
	}
	a.mux.Handle("GET /api/chat/live", l)
}

// openHandoff is the handoff of a command that does not serve (handoff
// list, reply, close): the same Redis, and the channels' senders made from
// the same tokens.
func openHandoff(cfg Config, stderr io.Writer) func(context.Context) (*handoff.Service, func(), error) {
	return func(ctx context.Context) (*handoff.Service, func(), error) {
		a, err := newApp(ctx, cfg, newLogger(cfg, stderr))
		if err != nil {
			return nil, nil, err
		}
		chans, err := broadcast.Channels(platforms(a.cfg, a.store, a.engine.Content), 5)
		if err != nil {
			a.store.Close()
			return nil, nil, err
		}
		for name, ch := range chans {
			a.handoff.RegisterSender(name, ch.Sender)
		}
		return a.handoff, func() { a.store.Close() }, nil
	}
}

// setupOperatorsGroup posts tickets to TELEGRAM_OPERATORS_CHAT_ID and relays
// officers' replies to those posts (and /dong, /nhan) when Telegram runs.
func setupOperatorsGroup(ctx context.Context, a *app) error {
	if a.cfg.TelegramOperatorsChat == 0 {
		return nil
	}
	tg, ok := a.delivery.SenderOf(flows.Telegram).(*telegram.Adapter)
	if !ok {
		a.log.Warn("TELEGRAM_OPERATORS_CHAT_ID is set but Telegram is not (TELEGRAM_BOT_TOKEN)")
		return nil
	}
	chat := a.cfg.TelegramOperatorsChat
	a.handoff.SetGroup(operatorsGroup{tg, chat})
	tg.SetOperators(chat, func(ctx context.Context, m telegram.OperatorMessage) string {
		return a.handoff.FromGroup(ctx, handoff.GroupMessage{ReplyTo: m.ReplyTo, Text: m.Text, UserID: m.UserID, UserName: m.UserName})
	})
	a.log.Info("handoff: tickets go to the Telegram operators group", "chat", chat)
	return nil
}

// operatorsGroup is the Telegram operators group as the handoff sees it.
type operatorsGroup struct {
	bot  *telegram.Adapter
	chat int64
}

func (g operatorsGroup) Post(ctx context.Context, text string, replyTo int64) (int64, error) {
	return g.bot.Post(ctx, g.chat, text, replyTo)
}

// setupInbox serves /admin/inbox: officers signed in with their personal
// accounts see their area's tickets; ADMIN_TOKEN (Bearer) sees all. Like the
// rest of /admin it is off while ADMIN_TOKEN is empty: the bot's admin
// surface is then closed whole, not in part.
func setupInbox(ctx context.Context, a *app) error {
	if a.cfg.AdminToken == "" {
		a.log.Info("officer inbox off (ADMIN_TOKEN is empty); tickets stay reachable with vneidbot handoff and the operators group")
		return nil
	}
	in := handoff.NewInbox(handoff.InboxOptions{
		Service:        a.handoff,
		Accounts:       accounts.New(a.store, nil).SetLinkLife(a.cfg.SignInLinkTTL),
		AdminToken:     a.cfg.AdminToken,
		Logger:         a.log.With("component", "inbox"),
		TrustedHeader:  a.cfg.TrustedProxyHeader,
		TrustedProxies: a.cfg.TrustedProxies,
	})
	a.mux.Handle("/admin/inbox", in)
	a.mux.Handle("/admin/inbox/", in)
	return nil
}

// handoffTickets is the ticket store, or nil when the app has no handoff
// (tests that build an app by hand).
func (a *app) handoffTickets() *handoff.Store {
	if a.handoff == nil {
		return nil
	}
	return a.handoff.Tickets()
}
