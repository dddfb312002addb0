package faq

import (
	"fmt"
	"io"
	"strings"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/cli"
)

// askResult is the JSON printed by "vneidbot ask --json".
type askResult struct {
	ID           *string           `json:"id"`
	Score        float64           `json:"score"`
	Verdict      string            `json:"verdict"`
	Lang         string            `json:"lang"`
	Answer       string            `json:"answer"`
	Alternatives []alternative     `json:"alternatives"`
	Explain      *Explanation      `json:"explain,omitempty"`
	Sources      []*content.Source `json:"sources,omitempty"`
}

type alternative struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Score    float64 `json:"score"`
}

// AskCommand runs "vneidbot ask [--json] [--explain] [--after TEXT] [--lang
// vi|en] TEXT": what the bot answers to a question, and why. load reads the
// content of a folder (the built-in content for ""); contentDir
// (CONTENT_DIR) is the default folder.
func AskCommand(load func(dir string) (*content.Catalog, error), contentDir string, args []string, stdout io.Writer) error {
	fs := cli.NewFlags("ask", "ask [--json] [--explain] [--after TEXT] [--lang vi|en] [--dir FOLDER] TEXT\n\n"+
		"Prints what the bot answers to a free-text question, with the matched FAQ entry,\n"+
		"its score and the alternatives, so an edit can be tested before publishing.\n"+
		"--explain also shows why: the folded text, the terms that counted and their weights,\n"+
		"the verdict's inputs, the conversation facts used and the answer's sources.", stdout)
	asJSON := fs.Bool("json", false, "print JSON: {\"id\",\"score\",\"answer\",\"alternatives\"} (with --explain, also \"explain\")")
	explain := fs.Bool("explain", false, "show why the bot answers as it does")
	after := fs.String("after", "", "a previous `message` of the same conversation (to try a follow-up such as \"vậy giờ sao\")")
	lang := fs.String("lang", "", "language of the answer: vi or en (default: the question's language, else vi)")
	dir := fs.String("dir", contentDir, "content `folder` to try (default CONTENT_DIR, else the built-in content)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	text := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if text == "" {
		return cli.UsageError{Msg: "ask: give the question as arguments, e.g. vneidbot ask \"quên passcode\""}
	}
	cat, err := load(*dir)
	if err != nil {
		return err
	}
	if *lang != "" && !cat.HasLocale(*lang) {
		return cli.Usagef("ask: --lang must be one of %s", strings.Join(cat.Meta.Locales, ", "))
	}
	ix := New(cat)
	var cx Context
	if *after != "" {
		prev := ix.Search(*after, cat.DefaultLocale())
		cx.Situations = prev.Situations
		if prev.Verdict == Confident {
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
		return cli.PrintJSON(stdout, res)
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
func printExplanation(w io.Writer, x Explanation, sources []*content.Source) {
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
	fmt.Fprintln(w, "  candidates (score, evidence, pairs, share of the rare words missed):")
	for _, c := range x.Candidates {
		fmt.Fprintf(w, "    %-24s %.3f  %.2f  %d  %.2f\n", c.ID, c.Score, c.Evidence, c.Pairs, c.Missed)
	}
	fmt.Fprintf(w, "  verdict:  %s by rule %q; first entry right with probability %.2f (answer at %.2f, suggest at %.2f)\n", x.Result.Verdict, x.Rule, x.Sure, x.AnswerAt, x.UnsureAt)
	if x.Result.Followup {
		fmt.Fprintf(w, "  follow-up of the last topic %s: the bot gives its next action\n", x.Context.Last)
	}
	if x.Result.Second != nil {
		fmt.Fprintf(w, "  second question: %s (offered after the answer)\n", x.Result.Second.ID)
	}
	fmt.Fprintf(w, "  session:  last topic %q, situations %v; this message tells %v", x.Context.Last, x.Context.Situations, x.Result.Situations)
	if x.TopicPrior > 0 {
		fmt.Fprintf(w, "; the last topic and its related entries got +%.2f", x.TopicPrior)
	}
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
func describe(cat *content.Catalog, r Result, lang string) askResult {
	out := askResult{Verdict: r.Verdict.String(), Lang: lang, Alternatives: []alternative{}}
	if len(r.Hits) > 0 {
		out.Score = r.Hits[0].Score
	}
	alts := r.Hits
	switch r.Verdict {
	case Confident:
		id := r.Hits[0].ID
		out.ID = &id
		out.Answer = cat.Entry(id).Answer.Get(lang, cat.DefaultLocale())
		alts = alts[1:]
	case Unsure:
		out.Answer = cat.Msg(lang, "faq_suggest")
	case OutOfScope:
		out.Answer = cat.Msg(lang, "out_of_scope")
	case Greeting:
		out.Answer = cat.Msg(lang, "smalltalk_greeting")
	case Thanks:
		out.Answer = cat.Msg(lang, "smalltalk_thanks")
	default:
		out.Answer = cat.Msg(lang, FallbackKey(cat, r.Hits))
	}
	for _, h := range alts {
		out.Alternatives = append(out.Alternatives, alternative{ID: h.ID, Question: h.Question, Score: h.Score})
	}
	return out
}
