package feedback

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// Command runs "vneidbot faq misses|votes ...": what operators read to
// grow the FAQ. redisURL is REDIS_URL.
func Command(ctx context.Context, redisURL string, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cli.UsageError{Msg: "faq: expected a subcommand: misses or votes"}
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "misses":
		return faqMisses(ctx, redisURL, rest, stdout, stderr)
	case "votes":
		return faqVotes(ctx, redisURL, rest, stdout, stderr)
	default:
		return cli.Usagef("faq: unknown subcommand %q: expected misses or votes", sub)
	}
}

// openFAQStore opens the bot's Redis for reading the FAQ logs.
func openFAQStore(ctx context.Context, redisURL string, stderr io.Writer) (*store.Store, error) {
	st, err := store.Open(ctx, store.Options{URL: redisURL})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if st.InProcess() {
		fmt.Fprintln(stderr, "vneidbot: REDIS_URL is empty, so this reads a new, empty in-process Redis; set REDIS_URL to the bot's Redis")
	}
	return st, nil
}

// faqMisses runs "vneidbot faq misses [--json] [--limit N] [--recent]".
func faqMisses(ctx context.Context, redisURL string, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlags("faq misses", "faq misses [--json] [--limit N] [--recent]\n\n"+
		"Lists the questions the bot could not answer confidently (no match, unsure, out of scope),\n"+
		"redacted of ID numbers, phone numbers and codes, most asked first.", stdout)
	asJSON := fs.Bool("json", false, "print JSON: [{\"text\",\"key\",\"count\",\"verdict\",\"last\"}]")
	limit := fs.Int("limit", 50, "show at most N questions (0 for all kept)")
	recent := fs.Bool("recent", false, "list the latest questions, newest first, instead of the most asked")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("faq misses: unexpected argument %q", fs.Arg(0))
	}
	if *limit < 0 {
		return cli.UsageError{Msg: "faq misses: --limit must be 0 or more"}
	}
	st, err := openFAQStore(ctx, redisURL, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	m := NewMisses(st)
	list, err := m.List(ctx, *limit)
	if *recent {
		list, err = m.Recent(ctx, *limit)
	}
	if err != nil {
		return err
	}
	return cli.PrintList(stdout, *asJSON, list, func(m Miss) any { return m },
		"no unanswered questions recorded", "COUNT\tVERDICT\tLAST ASKED\tQUESTION", func(m Miss) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s", m.Count, m.Verdict, m.Last.Format("2006-01-02 15:04"), tableCell(m.Text))
		})
}

// faqVotes runs "vneidbot faq votes [--json]".
func faqVotes(ctx context.Context, redisURL string, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlags("faq votes", "faq votes [--json]\n\n"+
		"Lists the answers to \"Câu trả lời có giúp bạn không?\" per FAQ entry, least helpful first.", stdout)
	asJSON := fs.Bool("json", false, "print JSON: {\"<entry id>\": {\"helpful\",\"not_helpful\"}}")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("faq votes: unexpected argument %q", fs.Arg(0))
	}
	st, err := openFAQStore(ctx, redisURL, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	counts, err := NewVotes(st).Counts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(counts)
	}
	if len(counts) == 0 {
		fmt.Fprintln(stdout, "no votes recorded")
		return nil
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := counts[ids[i]], counts[ids[j]]
		if a.NotHelpful != b.NotHelpful {
			return a.NotHelpful > b.NotHelpful
		}
		return ids[i] < ids[j]
	})
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ENTRY\tHELPFUL\tNOT HELPFUL")
	for _, id := range ids {
		fmt.Fprintf(w, "%s\t%d\t%d\n", id, counts[id].Helpful, counts[id].NotHelpful)
	}
	return w.Flush()
}

// tableCell keeps a question on one table row.
func tableCell(s string) string { return strings.Join(strings.Fields(s), " ") }
