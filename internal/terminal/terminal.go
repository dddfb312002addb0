// Package terminal is the bot's channel in a terminal ("vneidbot chat"):
// replies as plain text, buttons numbered, links with their address.
package terminal

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/cli"
)

// Handler answers one update: the engine's Handle.
type Handler func(ctx context.Context, in flows.Inbound) ([]flows.Reply, error)

// Options is what "vneidbot chat" needs from the binary.
type Options struct {
	ContentDir string // CONTENT_DIR: the default of --dir
	// Open starts the bot's engine on the content folder dir (the built-in
	// content for ""); done releases it.
	Open func(ctx context.Context, dir string) (h Handler, done func(), err error)
}

// Command runs "vneidbot chat": the same engine and content as the other
// channels, in the terminal.
func Command(ctx context.Context, o Options, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := cli.NewFlags("chat", "chat [--user ID] [--dir FOLDER]\n\nChats with the bot in this terminal. Type a number to press a button, \"menu\" for the menu,\nand an empty line or Ctrl-D to leave.", stdout)
	user := fs.String("user", "local", "chat id to use (keeps your place when REDIS_URL is set)")
	dir := fs.String("dir", o.ContentDir, "content `folder` to try (default CONTENT_DIR, else the built-in content)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	handle, done, err := o.Open(ctx, *dir)
	if err != nil {
		return err
	}
	defer done()
	send := func(in flows.Inbound) error {
		in.Channel, in.ChatID = flows.Terminal, *user
		replies, err := handle(ctx, in)
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
