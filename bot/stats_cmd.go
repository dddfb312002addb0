package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/stats"
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

// statsCommand runs "vneidbot stats ...".
func statsCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("stats", statsSynopsis, stdout)
	asJSON := fs.Bool("json", false, `print JSON: {"users","by_channel","funnel","completed","stuck","faq","referrals",…}`)
	since := fs.String("since", "", "first day, YYYY-MM-DD (30 days before --until)")
	until := fs.String("until", "", "last day, YYYY-MM-DD (today)")
	ref := fs.String("ref", "", "only the users a volunteer code brought (k7m2p9xq or v_k7m2p9xq)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("stats: unexpected argument %q", fs.Arg(0))}
	}
	var f stats.Filter
	var err error
	if *until != "" {
		if f.Until, err = stats.ParseDay(*until); err != nil {
			return usageError{"stats: --until: " + err.Error()}
		}
	}
	if *since != "" {
		if f.Since, err = stats.ParseDay(*since); err != nil {
			return usageError{"stats: --since: " + err.Error()}
		}
	}
	if *ref != "" {
		if !volunteer.ValidRef(volunteer.RefPrefix + trimRef(*ref)) {
			return usageError{fmt.Sprintf("stats: --ref %q is not a volunteer code", *ref)}
		}
		f.Ref = trimRef(*ref)
	}
	if cfg.RedisURL == "" {
		return usageError{"stats: REDIS_URL is not set: statistics live in the Redis the bot uses"}
	}
	ctx, cancel := context.WithTimeout(ctx, operatorTimeout)
	defer cancel()
	st, err := store.Open(ctx, store.Options{URL: cfg.RedisURL})
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	defer st.Close()
	src, err := newContentSource(cfg.ContentDir)
	if err != nil {
		return err
	}
	vols, err := volunteer.NewRegistry(st, nil).All(ctx)
	if err != nil {
		return err
	}
	rep, err := stats.NewReader(st, 0).Report(ctx, f, src.Catalog(), vols)
	if err != nil {
		return usageError{err.Error()}
	}
	// tickets handed to officers, per area (issue 14)
	ho, err := handoff.NewStore(st, nil).Numbers(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return encodeJSON(stdout, struct {
			*stats.Report
			Handoff []handoff.AreaNumbers `json:"handoff"`
		}{rep, ho})
	}
	printReport(stdout, rep)
	printHandoff(stdout, ho)
	return nil
}

func trimRef(s string) string {
	if len(s) > len(volunteer.RefPrefix) && s[:len(volunteer.RefPrefix)] == volunteer.RefPrefix {
		return s[len(volunteer.RefPrefix):]
	}
	return s
}

// printReport writes the report for a terminal.
func printReport(w io.Writer, r *stats.Report) {
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
