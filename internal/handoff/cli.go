package handoff

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vneid-guide/vneidbot/internal/cli"
)

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

// CLIOptions is what "vneidbot handoff" needs from the binary.
type CLIOptions struct {
	// Open builds the service on the bot's Redis, with the senders of the
	// configured channels (the same tokens the running bot uses); done
	// releases it.
	Open func(ctx context.Context) (s *Service, done func(), err error)
}

// Command runs "vneidbot handoff list|reply|close", acting as an operator
// (every area).
func Command(ctx context.Context, o CLIOptions, args []string, stdout, stderr io.Writer) error {
	sub, rest, fs, asJSON, err := cli.Sub("handoff", []string{"list", "reply", "close"}, handoffUsage, args, stdout)
	if fs == nil {
		return err
	}
	area := fs.String("area", "", "only this area's tickets")
	closed := fs.Bool("closed", false, "also tickets closed in the last day")
	pos, err := cli.ParseInterleaved(fs, rest)
	if err != nil {
		return err
	}
	switch {
	case sub == "list" && len(pos) != 0:
		return cli.UsageError{Msg: "handoff list: takes no arguments"}
	case sub == "reply" && len(pos) < 2:
		return cli.UsageError{Msg: `handoff reply: give a ticket and the text, e.g. vneidbot handoff reply 12 "Bạn mang CCCD ra Công an xã nhé."`}
	case sub == "close" && len(pos) != 1:
		return cli.UsageError{Msg: "handoff close: give one ticket, e.g. vneidbot handoff close 12"}
	}
	ctx, cancel := context.WithTimeout(ctx, cli.Timeout)
	defer cancel()
	s, done, err := o.Open(ctx)
	if err != nil {
		return err
	}
	defer done()
	op := Officer{ID: "cli", Name: "operator", All: true}
	switch sub {
	case "list":
		if *area != "" {
			op = Officer{ID: "cli", Area: *area}
		}
		list, err := s.Tickets().List(ctx, op, *closed)
		if err != nil {
			return err
		}
		return printTickets(stdout, list, *asJSON)
	case "reply":
		t, err := s.Reply(ctx, pos[0], op, strings.Join(pos[1:], " "))
		if err != nil {
			fmt.Fprintf(stderr, "vneidbot: handoff reply %s: %v\n", pos[0], err)
			return cli.ErrSilent
		}
		fmt.Fprintf(stdout, "ticket %s: sent to the citizen (%s)\n", t.ID, t.Channel)
	case "close":
		t, err := s.Close(ctx, pos[0], op)
		if err != nil {
			fmt.Fprintf(stderr, "vneidbot: handoff close %s: %v\n", pos[0], err)
			return cli.ErrSilent
		}
		fmt.Fprintf(stdout, "ticket %s: closed\n", t.ID)
	}
	return nil
}

// printTickets prints tickets as a table, or as JSON: [{"id","area",
// "channel","step","state","messages":[{"from","text","at"}],…}].
func printTickets(w io.Writer, list []*Ticket, asJSON bool) error {
	if asJSON {
		if list == nil {
			list = []*Ticket{}
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Area, t.Channel, state, t.Opened.In(Vietnam).Format(time.DateTime), t.OfficerNm, last)
	}
	return tw.Flush()
}

// PrintNumbers writes the tickets per area, for "vneidbot stats".
func PrintNumbers(w io.Writer, nums []AreaNumbers) {
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
