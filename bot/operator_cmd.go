package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/store"
)

const operatorUsage = `Usage:
  vneidbot operator add --name NAME --role editor|publisher [--json]
  vneidbot operator list [--json]
  vneidbot operator remove ID|NAME

  add     makes a personal account for the content editor (/admin/content) and prints
          its sign-in link and token, once: the token is not stored and cannot be shown
          again (remove the account and add it again if it is lost)
  list    lists the editors and publishers
  remove  deletes an account and ends its sessions at once

Editors change entries and save drafts; publishers also publish and roll back.
The link is made from PUBLIC_URL. Accounts live in the Redis the bot uses
(REDIS_URL). Officers' accounts are made with "vneidbot officer add".
`

// accountJSON is the JSON of "operator add" and "operator list" (and the
// officer commands): {"id","name","role","area","created"}, plus the token
// and link right after add.
type accountJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Area    string `json:"area,omitempty"`
	Created string `json:"created"`
	Token   string `json:"token,omitempty"` // only from add: shown once
	Link    string `json:"link,omitempty"`  // only from add: the personal sign-in link
}

func accountToJSON(a accounts.Account) accountJSON {
	return accountJSON{ID: a.ID, Name: a.Name, Role: string(a.Role), Area: a.Area, Created: a.Created.Format("2006-01-02T15:04:05Z07:00")}
}

// operatorCommand runs "vneidbot operator ...".
func operatorCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			return usageError{"operator: expected add, list or remove (see vneidbot operator --help)"}
		}
		fmt.Fprint(stdout, operatorUsage)
		return nil
	}
	sub, rest := args[0], args[1:]
	fs := newFlags("operator "+sub, strings.TrimPrefix(strings.TrimPrefix(operatorUsage, "Usage:\n  "), "vneidbot "), stdout)
	asJSON := fs.Bool("json", false, "print JSON")
	var name, role *string
	switch sub {
	case "add":
		name = fs.String("name", "", "the person's name (required)")
		role = fs.String("role", "", "editor or publisher (required)")
	case "list", "remove":
	default:
		return usageError{fmt.Sprintf("operator: unknown subcommand %q: expected add, list or remove", sub)}
	}
	pos, err := parseInterleaved(fs, rest)
	if err != nil {
		return err
	}
	var r accounts.Role
	switch {
	case sub == "add" && strings.TrimSpace(*name) == "":
		return usageError{"operator add: --name is required, e.g. vneidbot operator add --name \"Trần Thị Lan\" --role editor"}
	case sub == "add":
		r, err = accounts.ParseRole(*role)
		if err != nil || r == accounts.Officer {
			return usageError{"operator add: --role must be editor or publisher (officers: vneidbot officer add)"}
		}
	case sub == "remove" && len(pos) != 1:
		return usageError{"operator remove: give one account id or name (see vneidbot operator list)"}
	}
	if sub != "remove" && len(pos) != 0 {
		return usageError{fmt.Sprintf("operator %s: unexpected argument %q", sub, pos[0])}
	}
	if cfg.RedisURL == "" {
		return usageError{"operator " + sub + ": REDIS_URL is not set: accounts live in the Redis the bot uses"}
	}
	ctx, cancel := context.WithTimeout(ctx, operatorTimeout)
	defer cancel()
	st, err := store.Open(ctx, store.Options{URL: cfg.RedisURL})
	if err != nil {
		return fmt.Errorf("operator %s: %w", sub, err)
	}
	defer st.Close()
	accts := accounts.New(st, nil)

	switch sub {
	case "add":
		a, token, err := accts.Create(ctx, *name, r, "")
		if errors.Is(err, accounts.ErrInvalid) || errors.Is(err, accounts.ErrNameInUse) {
			return usageError{"operator add: " + err.Error()}
		}
		if err != nil {
			return err
		}
		return printNewAccount(cfg, a, token, *asJSON, stdout, stderr)
	case "remove":
		a, err := accts.Find(ctx, pos[0], accounts.Editor, accounts.Publisher)
		if errors.Is(err, accounts.ErrNotFound) {
			return fmt.Errorf("operator remove: no editor or publisher is %q (see vneidbot operator list)", pos[0])
		}
		if err != nil {
			return fmt.Errorf("operator remove: %w", err)
		}
		if err := accts.Remove(ctx, a.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s %s (%s); their sessions are ended\n", a.Role, a.Name, a.ID)
		return nil
	default:
		list, err := accts.List(ctx, accounts.Editor, accounts.Publisher)
		if err != nil {
			return err
		}
		return printAccounts(list, *asJSON, "no operators yet: vneidbot operator add --name NAME --role editor", stdout)
	}
}

// printNewAccount prints a new account with its token and sign-in link,
// which are shown only this once.
func printNewAccount(cfg Config, a accounts.Account, token string, asJSON bool, stdout, stderr io.Writer) error {
	link := accounts.SignInLink(cfg.PublicURL, token)
	if cfg.PublicURL == "" {
		fmt.Fprintln(stderr, "vneidbot: warning: PUBLIC_URL is empty, so the sign-in link is only a path: prefix it with the bot's address")
	}
	if asJSON {
		j := accountToJSON(a)
		j.Token, j.Link = token, link
		return encodeJSON(stdout, j)
	}
	fmt.Fprintf(stdout, "%s  %s  %s", a.ID, a.Name, a.Role)
	if a.Area != "" {
		fmt.Fprintf(stdout, " (%s)", a.Area)
	}
	fmt.Fprintf(stdout, "\n  Sign-in link: %s\n  Token:        %s\n", link, token)
	fmt.Fprintln(stdout, "  Give them to the person privately; they are shown only now.")
	return nil
}

// printAccounts prints accounts as a table, or JSON.
func printAccounts(list []accounts.Account, asJSON bool, empty string, stdout io.Writer) error {
	if asJSON {
		out := make([]accountJSON, 0, len(list))
		for _, a := range list {
			out = append(out, accountToJSON(a))
		}
		return encodeJSON(stdout, out)
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, empty)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tAREA\tCREATED")
	for _, a := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ID, a.Name, a.Role, a.Area, a.Created.Format("2006-01-02"))
	}
	return tw.Flush()
}
