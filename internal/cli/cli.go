// Package cli holds the conventions every vneidbot subcommand follows:
// usage errors (exit 2), failures already explained (exit 1, nothing more
// printed), flag sets whose --help prints "Usage: vneidbot …", flags mixed
// with positional arguments, and JSON output. Opening the bot's Redis for a command is
// store.OpenForCommand.
//
// The commands themselves live next to the domain they serve (for example
// internal/volunteer/cli.go); the vneidbot binary only dispatches to them.
package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Timeout bounds what an operator's command spends on Redis.
const Timeout = time.Minute

// UsageError is a command-line mistake: vneidbot prints it and exits 2.
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error { return UsageError{fmt.Sprintf(format, args...)} }

// ErrSilent is a failure whose explanation was already printed: vneidbot
// exits 1 without printing more.
var ErrSilent = errors.New("failed")

// NewFlags returns a flag set whose --help prints "Usage: vneidbot
// <synopsis>" and the flags, to w.
func NewFlags(name, synopsis string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: vneidbot %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args, turning flag errors into usage errors; --help gives
// flag.ErrHelp, which vneidbot treats as success.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return Usagef("%s: %v", fs.Name(), err)
	}
	return nil
}

// ParseInterleaved parses flags given before, between or after the
// positional arguments ("volunteer link CODE --qr an.png") and returns the
// positional ones; everything after a lone "--" is positional.
func ParseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := Parse(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// Sub splits the arguments of a command made of subcommands ("volunteer
// add …") into the subcommand, one of subs, and its arguments, and returns
// the subcommand's flag set (see SubFlags) with --json registered: every
// such subcommand can print JSON. With no arguments, or an unknown
// subcommand, it returns a usage error naming subs; with -h, --help or help
// it prints usage and returns a nil flag set and a nil error.
func Sub(cmd string, subs []string, usage string, args []string, stdout io.Writer) (sub string, rest []string, fs *flag.FlagSet, asJSON *bool, err error) {
	expected := strings.Join(subs[:len(subs)-1], ", ") + " or " + subs[len(subs)-1]
	switch {
	case len(args) == 0:
		return "", nil, nil, nil, Usagef("%s: expected %s (see vneidbot %s --help)", cmd, expected, cmd)
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		fmt.Fprint(stdout, usage)
		return "", nil, nil, nil, nil
	case !slices.Contains(subs, args[0]):
		return "", nil, nil, nil, Usagef("%s: unknown subcommand %q: expected %s", cmd, args[0], expected)
	}
	fs = SubFlags(cmd, args[0], usage, stdout)
	return args[0], args[1:], fs, fs.Bool("json", false, "print JSON"), nil
}

// SubFlags is the flag set of subcommand sub of a command whose usage text
// starts "Usage:\n  vneidbot …" (the text --help prints).
func SubFlags(cmd, sub, usage string, stdout io.Writer) *flag.FlagSet {
	return NewFlags(cmd+" "+sub, strings.TrimPrefix(strings.TrimPrefix(usage, "Usage:\n  "), "vneidbot "), stdout)
}

// PrintJSON writes v as indented JSON, leaving <, > and & as they are.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// PrintList prints the rows of a list command: with asJSON, a JSON array
// of toJSON of each row ([] when there are none); else none when there are
// no rows; else a table of header and one line per row, its columns
// separated by tabs.
func PrintList[T any](w io.Writer, asJSON bool, rows []T, toJSON func(T) any, none, header string, line func(T) string) error {
	if asJSON {
		out := make([]any, 0, len(rows))
		for _, r := range rows {
			out = append(out, toJSON(r))
		}
		return PrintJSON(w, out)
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, none)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, line(r))
	}
	return tw.Flush()
}

// Exit prints err the way vneidbot does and returns the exit code: 0 for
// nil or --help, 2 for a usage error, 1 for any other failure (printing
// nothing for ErrSilent).
func Exit(err error, stderr io.Writer) int {
	var ue UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "vneidbot: %v\n", err)
		return 2
	case errors.Is(err, ErrSilent):
		return 1
	default:
		fmt.Fprintf(stderr, "vneidbot: %v\n", err)
		return 1
	}
}
