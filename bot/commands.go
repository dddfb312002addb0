package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/faq"
)

// askResult is the JSON printed by "vneidbot ask --json".
type askResult struct {
	ID           *string           `json:"id"`
	Score        float64           `json:"score"`
	Verdict      string            `json:"verdict"`
	Lang         string            `json:"lang"`
	Answer       string            `json:"answer"`
	Alternatives []alternative     `json:"alternatives"`
	Explain      *faq.Explanation  `json:"explain,omitempty"`
	Sources      []*content.Source `json:"sources,omitempty"`
}

type alternative struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Score    float64 `json:"score"`
}

// cmdAsk runs "vneidbot ask [--json] [--explain] [--after TEXT] [--lang vi|en] TEXT".
func cmdAsk(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := newFlags("ask", "ask [--json] [--explain] [--after TEXT] [--lang vi|en] [--dir FOLDER] TEXT\n\n"+
		"Prints what the bot answers to a free-text question, with the matched FAQ entry,\n"+
		"its score and the alternatives, so an edit can be tested before publishing.\n"+
		"--explain also shows why: the folded text, the terms that counted and their weights,\n"+
		"the verdict's inputs, the conversation facts used and the answer's sources.", stdout)
	asJSON := fs.Bool("json", false, "print JSON: {\"id\",\"score\",\"answer\",\"alternatives\"} (with --explain, also \"explain\")")
	explain := fs.Bool("explain", false, "show why the bot answers as it does")
	after := fs.String("after", "", "a previous `message` of the same conversation (to try a follow-up such as \"vậy giờ sao\")")
	lang := fs.String("lang", "", "language of the answer: vi or en (default: the question's language, else vi)")
	dir := fs.String("dir", cfg.ContentDir, "content `folder` to try (default CONTENT_DIR, else the built-in content)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	text := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if text == "" {
		return usageError{"ask: give the question as arguments, e.g. vneidbot ask \"quên passcode\""}
	}
	src, err := newContentSource(*dir)
	if err != nil {
		return err
	}
	cat := src.Catalog()
	if *lang != "" && !cat.HasLocale(*lang) {
		return usageError{fmt.Sprintf("ask: --lang must be one of %s", strings.Join(cat.Meta.Locales, ", "))}
	}
	ix := faq.New(cat)
	var cx faq.Context
	if *after != "" {
		prev := ix.Search(*after, cat.DefaultLocale())
		cx.Situations = prev.Situations
		if prev.Verdict == faq.Confident {
			cx.Last = prev.Hits[0].ID
		}
	}
	x := ix.Explain(text, cat.DefaultLocale(), cx)
	r := x.Result
	if *lang == "" {
		*lang = cat.DefaultLocale()
		for _, l := range []string{r.LangRequest, r.Lang} {
			if l != "" && cat.HasLocale(l) {
				*lang = l
				break
			}
		}
	}
	res := describe(cat, r, *lang)
	if *explain {
		res.Explain = &x
		if res.ID != nil {
			res.Sources = cat.SourcesOf(cat.Entry(*res.ID))
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	id := "(none)"
	if res.ID != nil {
		id = *res.ID
	}
	fmt.Fprintf(stdout, "entry:   %s\nverdict: %s\nscore:   %.3f\nlang:    %s\n\n%s\n", id, res.Verdict, res.Score, res.Lang, res.Answer)
	if len(res.Alternatives) > 0 {
		fmt.Fprintln(stdout, "\nalternatives:")
		for _, a := range res.Alternatives {
			fmt.Fprintf(stdout, "  %.3f  %-24s %s\n", a.Score, a.ID, a.Question)
		}
	}
	if *explain {
		printExplanation(stdout, x, res.Sources)
	}
	return nil
}

// printExplanation prints why the bot answers as it does, for operators.
func printExplanation(w io.Writer, x faq.Explanation, sources []*content.Source) {
	fmt.Fprintf(w, "\nwhy:\n  folded:   %s\n  read as:  %s\n", x.Folded, x.Read)
	if x.Telling != "" {
		fmt.Fprintf(w, "  asks:     %s\n  tells:    %s (weighs less)\n", strings.TrimSpace(x.Asking), strings.TrimSpace(x.Telling))
	}
	if len(x.Unknown) > 0 {
		fmt.Fprintf(w, "  unknown:  %s (words the content never uses)\n", strings.Join(x.Unknown, " "))
	}
	fmt.Fprintln(w, "  terms (weight, entries holding it):")
	for _, t := range x.Terms {
		fmt.Fprintf(w, "    %-22s %5.2f  %d\n", t.Text, t.Weight, t.Entries)
	}
	fmt.Fprintln(w, "  candidates (score, evidence, pairs):")
	for _, c := range x.Candidates {
		fmt.Fprintf(w, "    %-24s %.3f  %.2f  %d\n", c.ID, c.Score, c.Evidence, c.Pairs)
	}
	fmt.Fprintf(w, "  verdict:  %s; first entry right with probability %.2f (answer at %.2f, suggest at %.2f)\n", x.Result.Verdict, x.Sure, x.AnswerAt, x.UnsureAt)
	if x.Result.Followup {
		fmt.Fprintf(w, "  follow-up of the last topic %s: the bot gives its next action\n", x.Context.Last)
	}
	if x.Result.Second != nil {
		fmt.Fprintf(w, "  second question: %s (offered after the answer)\n", x.Result.Second.ID)
	}
	fmt.Fprintf(w, "  session:  last topic %q, situations %v; this message tells %v", x.Context.Last, x.Context.Situations, x.Result.Situations)
	if x.Result.Situation != "" {
		fmt.Fprintf(w, "; the situation %s picked the entry", x.Result.Situation)
	}
	fmt.Fprintf(w, "\n  language: written %q, asked for %q\n", x.Result.Lang, x.Result.LangRequest)
	if len(sources) > 0 {
		fmt.Fprintln(w, "  sources of the answer:")
		for _, s := range sources {
			fmt.Fprintf(w, "    [%s] %s, %s (%s) %s\n", s.ID, s.Title, s.Publisher, s.Date, s.Address)
		}
	}
}

// describe turns a search result into what the bot would say.
func describe(cat *content.Catalog, r faq.Result, lang string) askResult {
	out := askResult{Verdict: r.Verdict.String(), Lang: lang, Alternatives: []alternative{}}
	if len(r.Hits) > 0 {
		out.Score = r.Hits[0].Score
	}
	alts := r.Hits
	switch r.Verdict {
	case faq.Confident:
		id := r.Hits[0].ID
		out.ID = &id
		out.Answer = cat.Entry(id).Answer.Get(lang, cat.DefaultLocale())
		alts = alts[1:]
	case faq.Unsure:
		out.Answer = cat.Msg(lang, "faq_suggest")
	case faq.OutOfScope:
		out.Answer = cat.Msg(lang, "out_of_scope")
	case faq.Greeting:
		out.Answer = cat.Msg(lang, "smalltalk_greeting")
	case faq.Thanks:
		out.Answer = cat.Msg(lang, "smalltalk_thanks")
	default:
		out.Answer = cat.Msg(lang, "faq_fallback")
	}
	for _, h := range alts {
		out.Alternatives = append(out.Alternatives, alternative{ID: h.ID, Question: h.Question, Score: h.Score})
	}
	return out
}

// cmdChat runs "vneidbot chat": the same engine and content, in the terminal.
func cmdChat(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlags("chat", "chat [--user ID] [--dir FOLDER]\n\nChats with the bot in this terminal. Type a number to press a button, \"menu\" for the menu,\nand an empty line or Ctrl-D to leave.", stdout)
	user := fs.String("user", "local", "chat id to use (keeps your place when REDIS_URL is set)")
	dir := fs.String("dir", cfg.ContentDir, "content `folder` to try (default CONTENT_DIR, else the built-in content)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg.ContentDir = *dir
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := newApp(ctx, cfg, quiet)
	if err != nil {
		return err
	}
	defer a.store.Close()
	send := func(in flows.Inbound) error {
		in.Channel, in.ChatID = "term", *user
		replies, err := a.engine.Handle(ctx, in)
		if err != nil {
			return err
		}
		printReplies(stdout, replies)
		return nil
	}
	if err := send(flows.Inbound{Kind: flows.KindStart}); err != nil {
		return err
	}
	sc := bufio.NewScanner(stdin)
	for {
		fmt.Fprint(stdout, "> ")
		if !sc.Scan() || strings.TrimSpace(sc.Text()) == "" {
			fmt.Fprintln(stdout)
			return sc.Err()
		}
		if err := send(flows.Inbound{Kind: flows.KindText, Text: sc.Text()}); err != nil {
			return err
		}
	}
}

// printReplies renders replies as plain text: numbered buttons, links with their address.
func printReplies(w io.Writer, replies []flows.Reply) {
	for _, r := range replies {
		fmt.Fprintf(w, "\n%s\n", r.Text)
		if r.Image != "" {
			fmt.Fprintf(w, "  [image] %s\n", r.Image)
		}
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.URL != "" {
					fmt.Fprintf(w, "  ↗ %s: %s\n", b.Label, b.URL)
					continue
				}
				fmt.Fprintf(w, "  [%d] %s\n", b.Number, b.Label)
			}
		}
	}
}
