package broadcast

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
)

const broadcastSynopsis = `broadcast --text FILE|--entry ID [--segment S] [--dry-run] [--json] [--rate N]
       vneidbot broadcast --resume ID [--retry-failed] [--retry-uncertain]
       vneidbot broadcast --status [ID]

Sends one message to a segment of users through every configured channel:
  all              everyone active in the last 90 days (default)
  unfinished       users inside a flow they have not completed
  stuck:<flow>     users who pressed "Tôi bị kẹt" in <flow> and have not completed it
  ref:<code>       users a volunteer code brought
Zalo OA users are reached only within 7 days of their last message (the others
are skipped and counted); the web chat cannot be written to first. Telegram
sends yield to live replies. Progress is kept in Redis: after a stop (Ctrl-C)
or a crash, --resume ID carries on without sending anyone the message twice.
--dry-run prints the counts per channel and sends nothing. Needs REDIS_URL.`

// CLIOptions is what "vneidbot broadcast" takes from the configuration.
type CLIOptions struct {
	Store    store.Options                    // REDIS_URL and SESSION_TTL
	LogLevel slog.Level                       // LOG_LEVEL of the progress log on stderr
	Catalog  func() (*content.Catalog, error) // the content (FAQ entries to send)
	// Platforms gives the configured channels on st, rendering with content.
	Platforms func(st *store.Store, content func() *content.Catalog) Platforms
}

// Command runs "vneidbot broadcast ...".
func Command(ctx context.Context, o CLIOptions, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlags("broadcast", broadcastSynopsis, stdout)
	textFile := fs.String("text", "", "file holding the message text (UTF-8, at most 4000 characters)")
	entry := fs.String("entry", "", "FAQ entry id to send instead of a text (in each user's language)")
	segment := fs.String("segment", "all", "all, unfinished, stuck:<flow> or ref:<code>")
	dry := fs.Bool("dry-run", false, "count the recipients per channel and send nothing")
	asJSON := fs.Bool("json", false, "print JSON")
	rate := fs.Float64("rate", 20, "messages per second per channel (Telegram allows about 30 for the whole bot)")
	resume := fs.String("resume", "", "carry on with the broadcast ID")
	status := fs.Bool("status", false, "show the broadcast ID (or list the recent ones)")
	retryFailed := fs.Bool("retry-failed", false, "with --resume: send again where a send failed")
	retryUncertain := fs.Bool("retry-uncertain", false, "with --resume: send again where a crash left it unknown (they may get it twice)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	var msg Message
	switch {
	case *status:
		if fs.NArg() > 1 {
			return cli.UsageError{Msg: "broadcast --status: give at most one id"}
		}
	case fs.NArg() > 0:
		return cli.Usagef("broadcast: unexpected argument %q", fs.Arg(0))
	case *resume != "":
	case (*textFile == "") == (*entry == ""):
		return cli.UsageError{Msg: "broadcast: give --text FILE or --entry ID (one of them)"}
	case *textFile != "":
		b, err := os.ReadFile(*textFile)
		if err != nil {
			return cli.UsageError{Msg: "broadcast: --text: " + err.Error()}
		}
		msg.Text = strings.TrimSpace(string(b))
		if msg.Text == "" {
			return cli.UsageError{Msg: "broadcast: --text: the file is empty"}
		}
	default:
		msg.Entry = *entry
	}
	seg, err := ParseSegment(*segment)
	if err != nil {
		return cli.UsageError{Msg: "broadcast: " + err.Error()}
	}
	if *rate <= 0 || *rate > 30 {
		return cli.UsageError{Msg: "broadcast: --rate must be more than 0 and at most 30"}
	}
	st, err := store.OpenForCommand(ctx, o.Store, "broadcast", "users and progress live in the Redis the bot uses")
	if err != nil {
		return err
	}
	defer st.Close()
	cat, err := o.Catalog()
	if err != nil {
		return err
	}
	catalog := func() *content.Catalog { return cat }
	chans, err := Channels(o.Platforms(st, catalog), *rate)
	if err != nil {
		return err
	}
	b := New(Options{
		Store: st, Content: catalog, Channels: chans,
		Stats: stats.NewReader(st, 0), Recorder: stats.NewRecorder(st, stats.Options{}),
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.LogLevel})),
	})

	switch {
	case *status && fs.NArg() == 0:
		ids, err := b.Jobs(ctx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			s, err := b.Status(ctx, id)
			if err != nil {
				continue
			}
			state := "unfinished"
			if s.Done {
				state = "done"
			}
			fmt.Fprintf(stdout, "%s  %-10s  %s\n", id, state, s.Segment)
		}
		return nil
	case *status:
		s, err := b.Status(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		return printStatus(stdout, s, *asJSON)
	case *dry:
		plan, err := b.Plan(ctx, seg)
		if err != nil {
			return err
		}
		if *asJSON {
			return cli.PrintJSON(stdout, map[string]any{"segment": seg.String(), "channels": plan})
		}
		return printCounts(stdout, "dry run, segment "+seg.String()+": nothing was sent", plan)
	}

	id := *resume
	if id == "" {
		s, err := b.Create(ctx, msg, seg)
		if err != nil {
			return err
		}
		id = s.ID
		fmt.Fprintf(stderr, "broadcast %s created; if it stops, carry on with: vneidbot broadcast --resume %s\n", id, id)
	}
	runCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := b.Run(runCtx, id, RunOptions{RetryFailed: *retryFailed, RetryUncertain: *retryUncertain})
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "broadcast %s stopped; carry on with: vneidbot broadcast --resume %s\n", id, id)
	}
	if s.ID != "" {
		if perr := printStatus(stdout, s, *asJSON); perr != nil {
			return perr
		}
	}
	if errors.Is(err, ErrBusy) {
		return fmt.Errorf("broadcast %s: another process is sending it now (or crashed less than 30 s ago: try again)", id)
	}
	return err
}

func printStatus(w io.Writer, s Status, asJSON bool) error {
	if asJSON {
		return cli.PrintJSON(w, s)
	}
	state := "unfinished"
	if s.Done {
		state = "done"
	}
	return printCounts(w, fmt.Sprintf("broadcast %s (%s), segment %s", s.ID, state, s.Segment), s.Channels)
}

func printCounts(w io.Writer, title string, counts map[string]Counts) error {
	fmt.Fprintln(w, title)
	names := make([]string, 0, len(counts))
	for ch := range counts {
		names = append(names, ch)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "channel\trecipients\tto send\tsent\toutside window\tblocked\tfailed\tuncertain\tgone\t")
	for _, ch := range names {
		c := counts[ch]
		pending := fmt.Sprint(c.Pending)
		if c.NoSender {
			pending += " (no sender)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", ch, c.Recipients, pending, c.Sent, c.OutsideWindow, c.Blocked, c.Failed, c.Uncertain, c.Gone)
	}
	return tw.Flush()
}
