package stats

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
)

const statsSynopsis = `stats [--json] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--ref CODE]

Prints the activation funnel and other numbers for a period (the last 30 days
by default; days in Asia/Ho_Chi_Minh, both ends included): users, users per
channel, each flow step reached, flows completed, stuck points, FAQ answers and
misses, and what each volunteer's code brought. --ref limits everything to the
users a code brought. Unique users are counted with HyperLogLog: exact for
small numbers, within about 1% beyond. Needs REDIS_URL.`

// CLIOptions is what "vneidbot stats" takes from the configuration.
type CLIOptions struct {
	RedisURL string                           // REDIS_URL: the statistics live there
	Catalog  func() (*content.Catalog, error) // the content, for the names of flows and steps
}

// Command runs "vneidbot stats ...".
func Command(ctx context.Context, o CLIOptions, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlags("stats", statsSynopsis, stdout)
	asJSON := fs.Bool("json", false, `print JSON: {"users","by_channel","funnel","completed","stuck","faq","referrals",…}`)
	since := fs.String("since", "", "first day, YYYY-MM-DD (30 days before --until)")
	until := fs.String("until", "", "last day, YYYY-MM-DD (today)")
	ref := fs.String("ref", "", "only the users a volunteer code brought (k7m2p9xq or v_k7m2p9xq)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("stats: unexpected argument %q", fs.Arg(0))
	}
	var f Filter
	var err error
	if *until != "" {
		if f.Until, err = ParseDay(*until); err != nil {
			return cli.UsageError{Msg: "stats: --until: " + err.Error()}
		}
	}
	if *since != "" {
		if f.Since, err = ParseDay(*since); err != nil {
			return cli.UsageError{Msg: "stats: --since: " + err.Error()}
		}
	}
	if *ref != "" {
		if !volunteer.ValidRef(volunteer.RefPrefix + trimRef(*ref)) {
			return cli.Usagef("stats: --ref %q is not a volunteer code", *ref)
		}
		f.Ref = trimRef(*ref)
	}
	ctx, cancel := context.WithTimeout(ctx, cli.Timeout)
	defer cancel()
	st, err := store.OpenForCommand(ctx, store.Options{URL: o.RedisURL}, "stats", "statistics live in the Redis the bot uses")
	if err != nil {
		return err
	}
	defer st.Close()
	cat, err := o.Catalog()
	if err != nil {
		return err
	}
	vols, err := volunteer.NewRegistry(st, nil).All(ctx)
	if err != nil {
		return err
	}
	rep, err := NewReader(st, 0).Report(ctx, f, cat, vols)
	if err != nil {
		return cli.UsageError{Msg: err.Error()}
	}
	// tickets handed to officers, per area (issue 14)
	ho, err := handoff.NewStore(st, nil).Numbers(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return cli.PrintJSON(stdout, struct {
			*Report
			Handoff []handoff.AreaNumbers `json:"handoff"`
		}{rep, ho})
	}
	printReport(stdout, rep)
	handoff.PrintNumbers(stdout, ho)
	return nil
}

func trimRef(s string) string {
	if len(s) > len(volunteer.RefPrefix) && s[:len(volunteer.RefPrefix)] == volunteer.RefPrefix {
		return s[len(volunteer.RefPrefix):]
	}
	return s
}

// printReport writes the report for a terminal.
func printReport(w io.Writer, r *Report) {
	fmt.Fprintf(w, "%s to %s", r.Since, r.Until)
	if r.Ref != "" {
		fmt.Fprintf(w, ", users brought by %s", r.Ref)
	}
	fmt.Fprintf(w, "\nusers %d (new %d)", r.Users, r.NewUsers)
	chans := make([]string, 0, len(r.ByChannel))
	for ch := range r.ByChannel {
		chans = append(chans, ch)
	}
	sort.Strings(chans)
	for _, ch := range chans {
		fmt.Fprintf(w, "  %s %d", ch, r.ByChannel[ch])
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	if len(r.Flows) > 0 {
		fmt.Fprintln(w, "\nflows")
		fmt.Fprintln(tw, "started\tcompleted\t\t")
		for _, f := range r.Flows {
			fmt.Fprintf(tw, "%d\t%d\t\t%s\n", f.Started, f.Completed, f.Flow)
		}
		tw.Flush()
	}
	if len(r.Funnel) > 0 {
		fmt.Fprintln(w, "\nfunnel")
		fmt.Fprintln(tw, "users\tnext\tleft\t\t")
		for _, s := range r.Funnel {
			end := ""
			if s.End {
				end = " (end)"
			}
			fmt.Fprintf(tw, "%d\t%d\t%d\t\t%s/%s%s\n", s.Users, s.Next, s.Left, s.Flow, s.Step, end)
		}
		tw.Flush()
	}
	if len(r.Stuck) > 0 {
		fmt.Fprintln(w, "\nstuck")
		for _, s := range r.Stuck {
			fmt.Fprintf(tw, "%d\t\t%s/%s\n", s.Users, s.Flow, s.Step)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\nfaq: answered %d, suggested %d, missed %d\n", r.FAQ.Answered, r.FAQ.Unsure, r.FAQ.Missed)
	for _, e := range r.FAQ.Top {
		fmt.Fprintf(tw, "%d\t👍 %d\t👎 %d\t\t%s\n", e.Count, e.Helpful, e.NotHelpful, e.Entry)
	}
	tw.Flush()
	if len(r.Referrals) > 0 {
		fmt.Fprintln(w, "\nreferrals")
		fmt.Fprintln(tw, "started\tcompleted\tnetwork\t\t")
		for _, v := range r.Referrals {
			fmt.Fprintf(tw, "%d\t%d\t%d\t\t%s %s\n", v.Started, v.Completed, v.Network, v.Code, v.Name)
		}
		tw.Flush()
	}
}
