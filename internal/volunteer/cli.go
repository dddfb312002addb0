package volunteer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/volunteer/qr"
)

const volunteerUsage = `Usage:
  vneidbot volunteer add --name NAME [--area AREA] [--json]
  vneidbot volunteer list [--json]
  vneidbot volunteer link CODE [--qr FILE.png] [--json]

  add   registers a volunteer with a short, unguessable code and prints their links
  list  lists the volunteers
  link  prints a volunteer's links (Telegram, web chat, and for Zalo the OA link plus
        the code to type there) and, with --qr, writes a printable QR code PNG

Links are made from PUBLIC_URL (web chat), TELEGRAM_BOT_USERNAME and ZALO_OA_URL.
A volunteer sees their own numbers by sending "/thongke <key>" once in the bot
(the private key printed by add and link), then "/thongke". Needs REDIS_URL.
`

// volunteerJSON is the JSON of "volunteer add" and "volunteer link":
// {"code","name","links":{"telegram","web","zalo"}} and more.
type volunteerJSON struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Area     string `json:"area,omitempty"`
	Ref      string `json:"ref"`
	Links    Set    `json:"links"`
	ZaloCode string `json:"zalo_code"`
	Key      string `json:"key,omitempty"` // private: "/thongke <key>" links the volunteer's chat
	QR       string `json:"qr,omitempty"`
	Created  string `json:"created"`
}

// CLIOptions is what "vneidbot volunteer" takes from the configuration.
type CLIOptions struct {
	RedisURL string // REDIS_URL: volunteers live there
	Links    Links  // the bot's public addresses
	// Catalog loads the content (CONTENT_DIR, else the built-in content),
	// for the words printed under a QR code.
	Catalog func() (*content.Catalog, error)
}

// Command runs "vneidbot volunteer add|list|link".
func Command(ctx context.Context, o CLIOptions, args []string, stdout, stderr io.Writer) error {
	sub, rest, fs, asJSON, err := cli.Sub("volunteer", []string{"add", "list", "link"}, volunteerUsage, args, stdout)
	if fs == nil {
		return err
	}
	var name, area, qrFile *string
	switch sub {
	case "add":
		name = fs.String("name", "", "the volunteer's name (required)")
		area = fs.String("area", "", "commune, ward or unit")
	case "link":
		qrFile = fs.String("qr", "", "write a printable QR code of the link to this PNG file")
	}
	pos, err := cli.ParseInterleaved(fs, rest)
	if err != nil {
		return err
	}
	switch {
	case sub == "add" && strings.TrimSpace(*name) == "":
		return cli.UsageError{Msg: "volunteer add: --name is required, e.g. vneidbot volunteer add --name \"Nguyễn Văn An\" --area \"Xã Tân Lập\""}
	case sub == "link" && len(pos) != 1:
		return cli.UsageError{Msg: "volunteer link: give one code, e.g. vneidbot volunteer link k7m2p9xq --qr an.png"}
	case sub != "link" && len(pos) != 0:
		return cli.Usagef("volunteer %s: unexpected argument %q", sub, pos[0])
	}
	ctx, cancel := context.WithTimeout(ctx, cli.Timeout)
	defer cancel()
	st, err := store.OpenForCommand(ctx, store.Options{URL: o.RedisURL}, "volunteer "+sub, "volunteers live in the Redis the bot uses")
	if err != nil {
		return err
	}
	defer st.Close()
	reg := NewRegistry(st, nil)
	l := o.Links
	if !l.For("x").Any() && sub != "list" {
		fmt.Fprintln(stderr, "vneidbot: warning: PUBLIC_URL, TELEGRAM_BOT_USERNAME and ZALO_OA_URL are all empty, so there are no links to print")
	}

	switch sub {
	case "add":
		v, err := reg.Add(ctx, *name, *area)
		if errors.Is(err, ErrInvalid) {
			return cli.UsageError{Msg: "volunteer add: " + err.Error()}
		}
		if err != nil {
			return err
		}
		return printVolunteer(ctx, reg, l, v, "", *asJSON, stdout)
	case "link":
		v, err := reg.Get(ctx, pos[0])
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("volunteer link: no volunteer has the code %q (see vneidbot volunteer list)", pos[0])
		}
		if err != nil {
			return err
		}
		if *qrFile != "" {
			if err := writeQR(o.Catalog, l, v, *qrFile); err != nil {
				return err
			}
		}
		return printVolunteer(ctx, reg, l, v, *qrFile, *asJSON, stdout)
	default:
		vs, err := reg.List(ctx)
		if err != nil {
			return err
		}
		return cli.PrintList(stdout, *asJSON, vs, func(v Volunteer) any { return toJSON(v, l, "", "") },
			"no volunteers yet: vneidbot volunteer add --name NAME", "CODE\tNAME\tAREA\tCREATED", func(v Volunteer) string {
				return fmt.Sprintf("%s\t%s\t%s\t%s", v.Code, v.Name, v.Area, v.Created.Format("2006-01-02"))
			})
	}
}

func toJSON(v Volunteer, l Links, key, qr string) volunteerJSON {
	set := l.For(v.Code)
	return volunteerJSON{Code: v.Code, Name: v.Name, Area: v.Area, Ref: v.Ref(), Links: set, ZaloCode: set.ZaloCode,
		Key: key, QR: qr, Created: v.Created.Format("2006-01-02T15:04:05Z07:00")}
}

func printVolunteer(ctx context.Context, reg *Registry, l Links, v Volunteer, qrFile string, asJSON bool, stdout io.Writer) error {
	key, err := reg.ClaimKey(ctx, v.Code)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	j := toJSON(v, l, key, qrFile)
	if asJSON {
		return cli.PrintJSON(stdout, j)
	}
	fmt.Fprintf(stdout, "%s  %s", j.Code, j.Name)
	if j.Area != "" {
		fmt.Fprintf(stdout, " (%s)", j.Area)
	}
	fmt.Fprintln(stdout)
	if j.Links.Telegram != "" {
		fmt.Fprintf(stdout, "  Telegram: %s\n", j.Links.Telegram)
	}
	if j.Links.Web != "" {
		fmt.Fprintf(stdout, "  Web chat: %s\n", j.Links.Web)
	}
	if j.Links.Zalo != "" {
		fmt.Fprintf(stdout, "  Zalo:     %s  (then send the code %s in the chat)\n", j.Links.Zalo, j.ZaloCode)
	}
	if key != "" {
		fmt.Fprintf(stdout, "  Private key for the volunteer's own chat: send \"/thongke %s\" to the bot once, then \"/thongke\"\n", key)
	}
	if qrFile != "" {
		fmt.Fprintf(stdout, "  QR code:  %s\n", qrFile)
	}
	return nil
}

// writeQR writes the printable QR code of v's best link to path.
func writeQR(catalog func() (*content.Catalog, error), l Links, v Volunteer, path string) error {
	link := l.For(v.Code).Best()
	if link == "" {
		return cli.UsageError{Msg: "volunteer link --qr: set PUBLIC_URL (or TELEGRAM_BOT_USERNAME) so there is a link to encode"}
	}
	cat, err := catalog()
	if err != nil {
		return err
	}
	lang := cat.DefaultLocale()
	png, err := qr.PNG(link, cat.Msg(lang, "web_title"), cat.Msg(lang, "qr_caption")+" · "+v.Ref())
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("volunteer link: %w", err)
	}
	return nil
}
