package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/vneid-guide/vneidbot/content"
)

// cmdContent runs "vneidbot content check [DIR]".
func cmdContent(cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stdout, "Usage: vneidbot content check [DIR]")
			return nil
		}
		return usageError{"content: expected a subcommand: check"}
	}
	flags := newFlags("content check", "content check [DIR]\n\nValidates the embedded content, or the content folder DIR.\nPrints every problem as file:line: message; exits non-zero when any is an error.", stdout)
	if err := parseFlags(flags, args[1:]); err != nil {
		return err
	}
	if flags.NArg() > 1 {
		return usageError{"content check: takes at most one folder"}
	}
	var fsys fs.FS = content.Embedded
	base := "content"
	if dir := flags.Arg(0); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return usageError{fmt.Sprintf("content check: %s is not a folder", dir)}
		}
		fsys, base = os.DirFS(dir), dir
	}
	cat, problems := content.Load(fsys, content.Options{Today: time.Now().Format(time.DateOnly)})
	for _, p := range problems {
		p.File = filepath.Join(base, p.File)
		fmt.Fprintln(stdout, p)
	}
	if cat == nil {
		fmt.Fprintf(stderr, "content check: %d error(s)\n", len(problems.Errors()))
		return errSilent
	}
	fmt.Fprintf(stdout, "ok: %s\n", cat.Summary())
	return nil
}
