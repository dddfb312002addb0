package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/telegram"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
)

// newHandoff builds the handoff service (issue 14): tickets, the relay to
// the citizen's channel, hours and the first-answer target. Senders are
// the engine's, found once the channels are set up.
func newHandoff(cfg Config, st *store.Store, src *contentSource, log *slog.Logger, eng func() *flows.Engine) *handoff.Service {
	return handoff.New(handoff.Options{
		Logger:  log.With("component", "handoff"),
		Store:   st,
		Content: src.Catalog,
		Hours:   cfg.HandoffHours,
		SLA:     cfg.HandoffSLA,
		Refs:    volunteerAreas{volunteer.NewRegistry(st, nil)},
		Areas:   officerAreas{accounts.New(st, nil)},
		Senders: func(channel string) flows.Sender {
			if e := eng(); e != nil {
				return e.SenderOf(channel)
			}
			return nil
		},
	})
}

// volunteerAreas finds the area of a referral: the volunteer's, or that of
// the first volunteer up the chain of a citizen's shared link.
type volunteerAreas struct{ reg *volunteer.Registry }

func (v volunteerAreas) AreaOfRef(ctx context.Context, ref string) (string, error) {
	code, ok := strings.CutPrefix(ref, volunteer.RefPrefix)
	for i := 0; ok && code != "" && i < 5; i++ {
		vol, err := v.reg.Get(ctx, code)
		if errors.Is(err, volunteer.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if vol.Area != "" {
			return vol.Area, nil
		}
		code = vol.Parent
	}
	return "", nil
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

const handoffUsage = `Usage:
  vneidbot handoff list [--json] [--area AREA] [--closed]
  vneidbot handoff reply TICKET TEXT
  vneidbot handoff close TICKET

  list   the tickets not closed (with --closed, also those closed in the last day),
         their area, channel, step, state and last messages (redacted)
  reply  relays TEXT to the ticket's citizen on their own channel (Telegram, Zalo OA
         within 7 days of their last message, Zalo Bot, web chat). A reply asking for
         an OTP, password or passcode, or holding a link outside allowed_domains, is
         refused: the command exits 1 and says why. The bot must be running (with the
         channel configured) for Telegram and Zalo replies: the command sends through
         the same Redis and tokens, so it needs the same configuration.
  close  closes the ticket; the citizen is back with the automatic assistant

The command acts as an operator (every area). Needs REDIS_URL.
`

// handoffCommand runs "vneidbot handoff ...".
func handoffCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			return usageError{"handoff: expected list, reply or close (see vneidbot handoff --help)"}
		}
		fmt.Fprint(stdout, handoffUsage)
		return nil
	}
	sub, rest := args[0], args[1:]
	fs := newFlags("handoff "+sub, strings.TrimPrefix(strings.TrimPrefix(handoffUsage, "Usage:\n  "), "vneidbot "), stdout)
	asJSON := fs.Bool("json", false, "print JSON")
	area := fs.String("area", "", "only this area's tickets")
	closed := fs.Bool("closed", false, "also tickets closed in the last day")
	switch sub {
	case "list", "reply", "close":
	default:
		return usageError{fmt.Sprintf("handoff: unknown subcommand %q: expected list, reply or close", sub)}
	}
	pos, err := parseInterleaved(fs, rest)
	if err != nil {
		return err
	}
	switch {
	case sub == "list" && len(pos) != 0:
		return usageError{"handoff list: takes no arguments"}
	case sub == "reply" && len(pos) < 2:
		return usageError{`handoff reply: give a ticket and the text, e.g. vneidbot handoff reply 12 "Bạn mang CCCD ra Công an xã nhé."`}
	case sub == "close" && len(pos) != 1:
		return usageError{"handoff close: give one ticket, e.g. vneidbot handoff close 12"}
	}
	ctx, cancel := context.WithTimeout(ctx, operatorTimeout)
	defer cancel()
	a, err := newApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.store.Close()
	if err := setupSenders(ctx, a); err != nil {
		return err
	}
	op := handoff.Officer{ID: "cli", Name: "operator", All: true}
	switch sub {
	case "list":
		if *area != "" {
			op = handoff.Officer{ID: "cli", Area: *area}
		}
		list, err := a.handoff.Tickets().List(ctx, op, *closed)
		if err != nil {
			return err
		}
		return printTickets(stdout, list, *asJSON)
	case "reply":
		t, err := a.handoff.Reply(ctx, pos[0], op, strings.Join(pos[1:], " "))
		if err != nil {
			fmt.Fprintf(stderr, "vneidbot: handoff reply %s: %v\n", pos[0], err)
			return errSilent
		}
		fmt.Fprintf(stdout, "ticket %s: sent to the citizen (%s)\n", t.ID, t.Channel)
	case "close":
		t, err := a.handoff.Close(ctx, pos[0], op)
		if err != nil {
			fmt.Fprintf(stderr, "vneidbot: handoff close %s: %v\n", pos[0], err)
			return errSilent
		}
		fmt.Fprintf(stdout, "ticket %s: closed\n", t.ID)
	}
	return nil
}

// printTickets prints tickets as a table, or as JSON: [{"id","area",
// "channel","step","state","messages":[{"from","text","at"}],…}].
func printTickets(w io.Writer, list []*handoff.Ticket, asJSON bool) error {
	if asJSON {
		if list == nil {
			list = []*handoff.Ticket{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TICKET\tAREA\tCHANNEL\tSTATE\tOPENED\tOFFICER\tLAST MESSAGE")
	for _, t := range list {
		last := ""
		if n := len(t.Messages); n > 0 {
			last = t.Messages[n-1].Text
			if r := []rune(last); len(r) > 60 {
				last = string(r[:59]) + "…"
			}
		}
		state := t.State
		if t.Late {
			state += " (late)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Area, t.Channel, state, t.Opened.In(handoff.Vietnam).Format(time.DateTime), t.OfficerNm, last)
	}
	return tw.Flush()
}

// liveRoute serves GET /api/chat/live: the web chat's stream of officers'
// replies, for the conversation the chat cookie names.
func (a *app) liveRoute(chat interface{ ChatOf(*http.Request) string }) {
	if a.handoff == nil {
		return
	}
	l := a.handoff.Live()
	l.ChatOf = chat.ChatOf
	a.mux.Handle("GET /api/chat/live", l)
}

// setupSenders gives the handoff the channels' senders in a command that
// does not serve (handoff reply, close): the same tokens and Redis.
func setupSenders(ctx context.Context, a *app) error {
	chans, err := channels(a.cfg, a.store, a.engine, 5)
	if err != nil {
		return err
	}
	for name, ch := range chans {
		a.handoff.RegisterSender(name, ch.Sender)
	}
	return nil
}

// setupOperatorsGroup posts tickets to TELEGRAM_OPERATORS_CHAT_ID and relays
// officers' replies to those posts (and /dong, /nhan) when Telegram runs.
func setupOperatorsGroup(ctx context.Context, a *app) error {
	if a.cfg.TelegramOperatorsChat == 0 {
		return nil
	}
	tg, ok := a.engine.SenderOf("tg").(*telegram.Bot)
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
	bot  *telegram.Bot
	chat int64
}

func (g operatorsGroup) Post(ctx context.Context, text string, replyTo int64) (int64, error) {
	return g.bot.Post(ctx, g.chat, text, replyTo)
}

// setupInbox serves /admin/inbox: officers signed in with their personal
// accounts see their area's tickets; ADMIN_TOKEN (Bearer) sees all.
func setupInbox(ctx context.Context, a *app) error {
	in := handoff.NewInbox(handoff.InboxOptions{
		Service:    a.handoff,
		Accounts:   accounts.New(a.store, nil),
		AdminToken: a.cfg.AdminToken,
		Logger:     a.log.With("component", "inbox"),
	})
	a.mux.Handle("/admin/inbox", in)
	a.mux.Handle("/admin/inbox/", in)
	return nil
}

// officerAreas are the areas of the officers' accounts.
type officerAreas struct{ accts *accounts.Store }

func (o officerAreas) OfficerAreas(ctx context.Context) ([]string, error) {
	list, err := o.accts.List(ctx, accounts.Officer)
	if err != nil {
		return nil, err
	}
	var areas []string
	for _, a := range list {
		areas = append(areas, a.Area)
	}
	return areas, nil
}

// printHandoff writes the tickets per area for "vneidbot stats".
func printHandoff(w io.Writer, nums []handoff.AreaNumbers) {
	if len(nums) == 0 {
		return
	}
	fmt.Fprintln(w, "\nHanded to officers (per area)")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  AREA\tOPENED\tANSWERED\tCLOSED\tOPEN NOW\tLATE NOW\tMEDIAN FIRST ANSWER")
	for _, n := range nums {
		median := "-"
		if n.MedianFirstAnswer > 0 {
			median = (time.Duration(n.MedianFirstAnswer) * time.Second).String()
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\t%s\n", n.Area, n.Opened, n.Answered, n.Closed, n.Open, n.Late, median)
	}
	tw.Flush()
}

// handoffTickets is the ticket store, or nil when the app has no handoff
// (tests that build an app by hand).
func (a *app) handoffTickets() *handoff.Store {
	if a.handoff == nil {
		return nil
	}
	return a.handoff.Tickets()
}
