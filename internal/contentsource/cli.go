package contentsource

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/contentstore"
	"github.com/vneid-guide/vneidbot/internal/store"
)

const contentUsage = `Usage: vneidbot content check [DIR]
       vneidbot content publish DIR [--note TEXT] [--by NAME]
       vneidbot content versions [--json] [--limit N]
       vneidbot content rollback N [--by NAME]
       vneidbot content export DIR [--version N | --builtin]
       vneidbot content stale [--days N] [--json] [DIR]

  check     validate the embedded content, or the content folder DIR
  publish   validate DIR and make it the content every replica serves (needs REDIS_URL)
  versions  list the published versions, newest first; * marks the current one
  rollback  make the published version N current again
  export    write a published version's files (or the built-in ones) into the new folder DIR, to edit them
  stale     list the FAQ entries, flows and steps last checked against their sources more than N days ago
`

// Command runs "vneidbot content check|publish|versions|rollback|export|stale".
// redisURL is REDIS_URL, where versions are published.
func Command(ctx context.Context, redisURL string, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cli.UsageError{Msg: "content: expected a subcommand: check, publish, versions, rollback, export or stale"}
	}
	ctx, cancel := context.WithTimeout(ctx, cli.Timeout)
	defer cancel()
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, contentUsage)
		return nil
	case "check":
		return contentCheck(args, stdout, stderr)
	case "publish":
		return contentPublish(ctx, redisURL, args, stdout, stderr)
	case "versions":
		return contentVersions(ctx, redisURL, args, stdout)
	case "rollback":
		return contentRollback(ctx, redisURL, args, stdout, stderr)
	case "export":
		return contentExport(ctx, redisURL, args, stdout)
	case "stale":
		return contentStale(args, stdout, stderr)
	}
	return cli.Usagef("content: unknown subcommand %q: expected check, publish, versions, rollback, export or stale", sub)
}

// contentCheck runs "content check [DIR]".
func contentCheck(args []string, stdout, stderr io.Writer) error {
	flags := cli.NewFlags("content check", "content check [DIR]\n\nValidates the embedded content, or the content folder DIR.\nPrints every problem as file:line: message; exits non-zero when any is an error.", stdout)
	fsys, base, err := contentFolder("content check", flags, args)
	if err != nil {
		return err
	}
	if errs := check(fsys, base, stdout); errs > 0 {
		fmt.Fprintf(stderr, "content check: %d error(s)\n", errs)
		return cli.ErrSilent
	}
	return nil
}

// check validates fsys, printing each problem as file:line: message (file
// names start with base) and "ok: <summary>; N answers over 600 characters"
// when it is valid. It returns the number of errors (warnings, such as stale
// entries or long answers, do not count).
func check(fsys fs.FS, base string, stdout io.Writer) int {
	cat, problems := content.Load(fsys, content.Options{Today: time.Now().Format(time.DateOnly)})
	printProblems(stdout, base, problems)
	if cat == nil {
		return max(1, len(problems.Errors()))
	}
	over := cat.AnswersOver()
	names := ""
	if len(over) > 0 {
		names = " (" + strings.Join(over, ", ") + ")"
	}
	fmt.Fprintf(stdout, "ok: %s; %d answers over %d characters%s\n", cat.Summary(), len(over), content.MaxAnswer, names)
	return 0
}

// staleJSON is what "content stale --json" prints.
type staleJSON struct {
	Today string              `json:"today"`
	Days  int                 `json:"days"`
	Items []content.StaleItem `json:"items"`
}

// contentStale runs "content stale [--days N] [--json] [DIR]".
func contentStale(args []string, stdout, stderr io.Writer) error {
	flags := cli.NewFlags("content stale", "content stale [--days N] [--json] [DIR]\n\nLists the FAQ entries, flows and flow steps whose \"checked\" date is more than N days old,\noldest first, with the source ids they cite (see content/sources.yaml): re-check each\nagainst its sources, then set \"checked\" to the day you did. Reads the embedded content,\nor the content folder DIR.", stdout)
	days := flags.Int("days", -1, "list what was checked more than N days ago (default: stale_after_days of meta.yaml)")
	asJSON := flags.Bool("json", false, `print JSON: {"today":...,"days":N,"items":[{"kind","id","checked","days","file","line","sources"}]}`)
	fsys, base, err := contentFolder("content stale", flags, args)
	if err != nil {
		return err
	}
	cat, problems := content.Load(fsys, content.Options{})
	if cat == nil {
		printProblems(stdout, base, problems)
		fmt.Fprintf(stderr, "content stale: the content has %d error(s); run content check\n", len(problems.Errors()))
		return cli.ErrSilent
	}
	n := *days
	if n < 0 {
		n = cat.Meta.StaleAfterDays
	}
	now := time.Now()
	today, _ := time.Parse(time.DateOnly, now.Format(time.DateOnly))
	items := cat.Stale(today, n)
	for i := range items {
		items[i].File = filepath.Join(base, items[i].File)
	}
	if *asJSON {
		if items == nil {
			items = []content.StaleItem{}
		}
		return cli.PrintJSON(stdout, staleJSON{Today: today.Format(time.DateOnly), Days: n, Items: items})
	}
	if len(items) == 0 {
		fmt.Fprintf(stdout, "Nothing to re-check: everything was checked in the last %d days.\n", n)
		return nil
	}
	fmt.Fprintf(stdout, "%d item(s) last checked more than %d days ago, oldest first:\n\n", len(items), n)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tID\tCHECKED\tDAYS\tWHERE\tSOURCES")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s:%d\t%s\n", it.Kind, it.ID, it.Checked, it.Days, it.File, it.Line, strings.Join(it.Sources, " "))
	}
	return tw.Flush()
}

// contentFolder parses args with flags, and opens the content folder DIR
// they may name (at most one), else the embedded content. base is how
// problems name the folder.
func contentFolder(cmd string, flags *flag.FlagSet, args []string) (fsys fs.FS, base string, err error) {
	pos, err := cli.ParseInterleaved(flags, args)
	switch {
	case err != nil:
		return nil, "", err
	case len(pos) > 1:
		return nil, "", cli.UsageError{Msg: cmd + ": takes at most one folder"}
	case len(pos) == 1:
		fsys, err := contentDir(cmd, pos[0])
		return fsys, pos[0], err
	}
	return content.Embedded, "content", nil
}

// contentDir opens a content folder named on the command line.
func contentDir(cmd, dir string) (fs.FS, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, cli.Usagef("%s: %s is not a folder", cmd, dir)
	}
	return os.DirFS(dir), nil
}

// contentPublish runs "content publish DIR [--note TEXT] [--by NAME]".
func contentPublish(ctx context.Context, redisURL string, args []string, stdout, stderr io.Writer) error {
	flags := cli.NewFlags("content publish", "content publish DIR [--note TEXT] [--by NAME]\n\nValidates the content folder DIR like \"content check\" and, when it is valid, stores it\nin Redis as a new numbered version and makes it current: every running replica\nswitches to it within 5 seconds. Replicas with CONTENT_DIR set keep serving their folder.", stdout)
	note := flags.String("note", "", "what changed, shown by \"content versions\"")
	by := flags.String("by", defaultBy(), "who publishes, shown by \"content versions\"")
	pos, err := cli.ParseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cli.UsageError{Msg: "content publish: give the content folder, e.g. vneidbot content publish ./noi-dung --note \"sửa câu hỏi OTP\""}
	}
	fsys, err := contentDir("content publish", pos[0])
	if err != nil {
		return err
	}
	if redisURL == "" {
		_, _, err := publishedStore(ctx, redisURL, "content publish")
		return err
	}
	if errs := check(fsys, pos[0], stdout); errs > 0 {
		fmt.Fprintf(stderr, "content publish: %d error(s); nothing was published\n", errs)
		return cli.ErrSilent
	}
	versions, closeStore, err := publishedStore(ctx, redisURL, "content publish")
	if err != nil {
		return err
	}
	defer closeStore()
	prev, err := versions.Current(ctx)
	if err != nil {
		return fmt.Errorf("content publish: %w", err)
	}
	if same, err := versions.Unchanged(ctx, fsys); err != nil {
		return fmt.Errorf("content publish: %w", err)
	} else if same != 0 {
		fmt.Fprintf(stdout, "unchanged: %s is the same as version %d, which is current; nothing was published\n", pos[0], same)
		return nil
	}
	v, err := versions.Publish(ctx, fsys, *note, *by)
	var inv *contentstore.InvalidError
	if errors.As(err, &inv) {
		printProblems(stdout, pos[0], inv.Problems)
		fmt.Fprintf(stderr, "content publish: %d error(s); nothing was published\n", len(inv.Problems))
		return cli.ErrSilent
	}
	if err != nil {
		return fmt.Errorf("content publish: %w", err)
	}
	fmt.Fprintf(stdout, "published version %d: %s\n", v.Number, v.Summary())
	fmt.Fprintln(stdout, "Every running replica switches to it within 5 seconds (except those with CONTENT_DIR set).")
	if prev.Version != 0 {
		fmt.Fprintf(stdout, "To go back: vneidbot content rollback %d\n", prev.Version)
	}
	return nil
}

func printProblems(w io.Writer, base string, problems content.Problems) {
	for _, p := range problems {
		p.File = filepath.Join(base, p.File)
		fmt.Fprintln(w, p)
	}
}

// versionsJSON is what "content versions --json" prints.
type versionsJSON struct {
	Current  contentstore.Current   `json:"current"`
	Versions []contentstore.Version `json:"versions"`
}

// contentVersions runs "content versions [--json] [--limit N]".
func contentVersions(ctx context.Context, redisURL string, args []string, stdout io.Writer) error {
	flags := cli.NewFlags("content versions", "content versions [--json] [--limit N]\n\nLists the published content versions, newest first: number, time, counts, who and note.\nThe current one, which every replica serves, is marked with *.", stdout)
	asJSON := flags.Bool("json", false, `print JSON: {"current":{...},"versions":[...]}`)
	limit := flags.Int("limit", 20, "how many versions to list (0: all)")
	pos, err := cli.ParseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return cli.UsageError{Msg: "content versions: takes no arguments"}
	}
	versions, closeStore, err := publishedStore(ctx, redisURL, "content versions")
	if err != nil {
		return err
	}
	defer closeStore()
	cur, err := versions.Current(ctx)
	if err != nil {
		return fmt.Errorf("content versions: %w", err)
	}
	list, err := versions.Versions(ctx, *limit)
	if err != nil {
		return fmt.Errorf("content versions: %w", err)
	}
	if *asJSON {
		if list == nil {
			list = []contentstore.Version{}
		}
		return cli.PrintJSON(stdout, versionsJSON{Current: cur, Versions: list})
	}
	if cur.Version == 0 {
		fmt.Fprintln(stdout, "No version is published yet: replicas serve the built-in content (or their CONTENT_DIR).")
		return nil
	}
	how := "published"
	if cur.Action == "rollback" {
		how = "made current again"
	}
	fmt.Fprintf(stdout, "current: version %d (%s %s%s)\n\n", cur.Version, how, localTime(cur.Time), byWhom(cur.By))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tVERSION\tTIME\tFLOWS\tSTEPS\tFAQ\tBY\tNOTE")
	for _, v := range list {
		mark := ""
		if v.Number == cur.Version {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\n", mark, v.Number, localTime(v.Time), v.Flows, v.Steps, v.FAQ, v.By, oneLine(v.Note, 60))
	}
	return tw.Flush()
}

func localTime(t time.Time) string { return t.Local().Format("2006-01-02 15:04 MST") }

func byWhom(by string) string {
	if by == "" {
		return ""
	}
	return " by " + by
}

// contentRollback runs "content rollback N [--by NAME]".
func contentRollback(ctx context.Context, redisURL string, args []string, stdout, stderr io.Writer) error {
	flags := cli.NewFlags("content rollback", "content rollback N [--by NAME]\n\nMakes the published version N current again (see \"content versions\"): every running\nreplica switches to it within 5 seconds. No version is deleted; you can switch back.", stdout)
	by := flags.String("by", defaultBy(), "who rolls back, shown by \"content versions\"")
	pos, err := cli.ParseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cli.UsageError{Msg: "content rollback: give the version number, e.g. vneidbot content rollback 7"}
	}
	n, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || n < 1 {
		return cli.Usagef("content rollback: %q is not a version number", pos[0])
	}
	versions, closeStore, err := publishedStore(ctx, redisURL, "content rollback")
	if err != nil {
		return err
	}
	defer closeStore()
	cur, err := versions.Current(ctx)
	if err != nil {
		return fmt.Errorf("content rollback: %w", err)
	}
	if cur.Version == n {
		fmt.Fprintf(stdout, "version %d is already current; nothing changed\n", n)
		return nil
	}
	v, err := versions.Rollback(ctx, n, *by)
	var inv *contentstore.InvalidError
	switch {
	case errors.Is(err, contentstore.ErrNotFound):
		return fmt.Errorf("content rollback: there is no version %d (see: vneidbot content versions)", n)
	case errors.As(err, &inv):
		printProblems(stdout, fmt.Sprintf("version-%d", n), inv.Problems)
		fmt.Fprintf(stderr, "content rollback: version %d does not pass this program's checks; nothing changed\n", n)
		return cli.ErrSilent
	case err != nil:
		return fmt.Errorf("content rollback: %w", err)
	}
	was := "nothing"
	if cur.Version != 0 {
		was = fmt.Sprintf("version %d", cur.Version)
	}
	fmt.Fprintf(stdout, "version %d is current again (was %s): %s\nEvery running replica switches to it within 5 seconds (except those with CONTENT_DIR set).\n", v.Number, was, v.Summary())
	return nil
}

// contentExport runs "content export DIR [--version N | --builtin]".
func contentExport(ctx context.Context, redisURL string, args []string, stdout io.Writer) error {
	flags := cli.NewFlags("content export", "content export DIR [--version N | --builtin]\n\nWrites the files of a published version (the current one by default), or of the\ncontent built into this program, into DIR, which must not exist yet, so that you\ncan edit them, check them and publish them.", stdout)
	n := flags.Int64("version", 0, "the version to export (default: the current one)")
	builtin := flags.Bool("builtin", false, "export the content built into this program instead (needs no REDIS_URL)")
	pos, err := cli.ParseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cli.UsageError{Msg: "content export: give a new folder, e.g. vneidbot content export ./noi-dung"}
	}
	if *builtin && *n != 0 {
		return cli.UsageError{Msg: "content export: give --version or --builtin, not both"}
	}
	dir := pos[0]
	if _, err := os.Stat(dir); err == nil {
		return cli.Usagef("content export: %s already exists; give a new folder", dir)
	}
	if *builtin {
		if err := os.CopyFS(dir, content.Embedded); err != nil {
			return fmt.Errorf("content export: %w", err)
		}
		fmt.Fprintf(stdout, "wrote the built-in content to %s\n", dir)
		return nil
	}
	versions, closeStore, err := publishedStore(ctx, redisURL, "content export")
	if err != nil {
		return err
	}
	defer closeStore()
	if *n == 0 {
		cur, err := versions.Current(ctx)
		if err != nil {
			return fmt.Errorf("content export: %w", err)
		}
		if cur.Version == 0 {
			return errors.New("content export: no version is published yet")
		}
		*n = cur.Version
	}
	v, fsys, err := versions.Get(ctx, *n)
	if errors.Is(err, contentstore.ErrNotFound) {
		return fmt.Errorf("content export: there is no version %d (see: vneidbot content versions)", *n)
	}
	if err != nil {
		return fmt.Errorf("content export: %w", err)
	}
	if err := os.CopyFS(dir, fsys); err != nil {
		return fmt.Errorf("content export: %w", err)
	}
	fmt.Fprintf(stdout, "wrote version %d (%d files: %s) to %s\n", v.Number, v.Files, v.Summary(), dir)
	return nil
}

// defaultBy names whoever runs the command: user@host.
func defaultBy() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		name += "@" + strings.Split(h, ".")[0]
	}
	return name
}

// publishedStore returns the version store for commands, or a usage error
// when REDIS_URL is not set (versions live in the Redis every replica uses).
func publishedStore(ctx context.Context, redisURL, cmd string) (*contentstore.Store, func(), error) {
	st, err := store.OpenForCommand(ctx, store.Options{URL: redisURL}, cmd, "published versions live in the Redis that every replica uses")
	if err != nil {
		return nil, nil, err
	}
	return contentstore.New(st), func() { st.Close() }, nil
}
