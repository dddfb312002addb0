package accounts

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// CLIOptions is what the operator and officer commands take from the
// configuration.
type CLIOptions struct {
	RedisURL  string        // REDIS_URL: accounts live there
	PublicURL string        // PUBLIC_URL: the base of the sign-in links
	LinkLife  time.Duration // SIGNIN_LINK_TTL: how long a sign-in link works (DefaultLinkLife when 0)
}

const officerUsage = `Usage:
  vneidbot officer add --name NAME --area AREA [--json]
  vneidbot officer link ID|NAME [--json]
  vneidbot officer list [--json]
  vneidbot officer remove ID|NAME

  add     makes a personal account for a commune officer who answers citizens handed
          to a person in AREA (a commune or ward, e.g. "Phường Bến Nghé"), and prints
          the sign-in link and token, once: the token is not stored and cannot be shown
          again
  link    prints a new sign-in link and token for an officer whose link expired or
          was lost; the old one stops working and their sessions end
  list    lists the officers and their areas
  remove  deletes an officer's account and ends their sessions at once

An officer signs in with the link, lands on /admin/inbox and sees only the
tickets of their area. A link works for SIGNIN_LINK_TTL (30 days by default)
after it was made, as often as needed; a sign-in lasts 12 hours. The link is
made from PUBLIC_URL. Accounts live in the Redis the bot uses (REDIS_URL).
See docs/officers.md.
`

const operatorUsage = `Usage:
  vneidbot operator add --name NAME --role editor|publisher [--json]
  vneidbot operator link ID|NAME [--json]
  vneidbot operator list [--json]
  vneidbot operator remove ID|NAME

  add     makes a personal account for the content editor (/admin/content) and prints
          its sign-in link and token, once: the token is not stored and cannot be shown
          again
  link    prints a new sign-in link and token for an account whose link expired or
          was lost; the old one stops working and its sessions end
  list    lists the editors and publishers
  remove  deletes an account and ends its sessions at once

Editors change entries and save drafts; publishers also publish and roll back.
A link works for SIGNIN_LINK_TTL (30 days by default) after it was made; a
sign-in lasts 12 hours. The link is made from PUBLIC_URL. Accounts live in the
Redis the bot uses (REDIS_URL). Officers' accounts are made with
"vneidbot officer add".
`

// newAccount is the account "add" makes.
type newAccount struct {
	name string
	role Role
	area string
}

// accountCommand is what differs between "vneidbot officer" and
// "vneidbot operator": the roles they manage and their words.
type accountCommand struct {
	name, usage string
	roles       []Role
	// addFlags declares the flags of add and returns what checks them and
	// gives the new account.
	addFlags func(fs *flag.FlagSet) func() (newAccount, error)
	notFound string // remove, link: no account is the given one (%q)
	removed  func(Account) string
	empty    string // list: there are none yet
}

var officerCommand = accountCommand{
	name: "officer", usage: officerUsage, roles: []Role{Officer},
	addFlags: func(fs *flag.FlagSet) func() (newAccount, error) {
		name := fs.String("name", "", "the officer's name (required)")
		area := fs.String("area", "", "the commune or ward they answer for (required)")
		return func() (newAccount, error) {
			if strings.TrimSpace(*name) == "" || strings.TrimSpace(*area) == "" {
				return newAccount{}, cli.UsageError{Msg: "officer add: --name and --area are required, e.g. vneidbot officer add --name \"Lê Văn Hùng\" --area \"Phường Bến Nghé\""}
			}
			return newAccount{*name, Officer, *area}, nil
		}
	},
	notFound: "officer %s: no officer is %q (see vneidbot officer list)",
	removed: func(a Account) string {
		return fmt.Sprintf("removed officer %s (%s, %s); their sessions are ended\n", a.Name, a.Area, a.ID)
	},
	empty: "no officers yet: vneidbot officer add --name NAME --area AREA",
}

var operatorCommand = accountCommand{
	name: "operator", usage: operatorUsage, roles: []Role{Editor, Publisher},
	addFlags: func(fs *flag.FlagSet) func() (newAccount, error) {
		name := fs.String("name", "", "the person's name (required)")
		role := fs.String("role", "", "editor or publisher (required)")
		return func() (newAccount, error) {
			if strings.TrimSpace(*name) == "" {
				return newAccount{}, cli.UsageError{Msg: "operator add: --name is required, e.g. vneidbot operator add --name \"Trần Thị Lan\" --role editor"}
			}
			r, err := ParseRole(*role)
			if err != nil || r == Officer {
				return newAccount{}, cli.UsageError{Msg: "operator add: --role must be editor or publisher (officers: vneidbot officer add)"}
			}
			return newAccount{*name, r, ""}, nil
		}
	},
	notFound: "operator %s: no editor or publisher is %q (see vneidbot operator list)",
	removed: func(a Account) string {
		return fmt.Sprintf("removed %s %s (%s); their sessions are ended\n", a.Role, a.Name, a.ID)
	},
	empty: "no operators yet: vneidbot operator add --name NAME --role editor",
}

// OfficerCommand runs "vneidbot officer add|link|list|remove": commune officers'
// accounts (the role Officer).
func OfficerCommand(ctx context.Context, o CLIOptions, args []string, stdout, stderr io.Writer) error {
	return officerCommand.run(ctx, o, args, stdout, stderr)
}

// OperatorCommand runs "vneidbot operator add|link|list|remove": the content
// editor's accounts (the roles Editor and Publisher).
func OperatorCommand(ctx context.Context, o CLIOptions, args []string, stdout, stderr io.Writer) error {
	return operatorCommand.run(ctx, o, args, stdout, stderr)
}

func (c accountCommand) run(ctx context.Context, o CLIOptions, args []string, stdout, stderr io.Writer) error {
	sub, rest, fs, asJSON, err := cli.Sub(c.name, []string{"add", "link", "list", "remove"}, c.usage, args, stdout)
	if fs == nil {
		return err
	}
	var checkAdd func() (newAccount, error)
	if sub == "add" {
		checkAdd = c.addFlags(fs)
	}
	pos, err := cli.ParseInterleaved(fs, rest)
	if err != nil {
		return err
	}
	var add newAccount
	switch {
	case sub == "add":
		if add, err = checkAdd(); err != nil {
			return err
		}
	case (sub == "remove" || sub == "link") && len(pos) != 1:
		return cli.Usagef("%s %s: give one account id or name (see vneidbot %s list)", c.name, sub, c.name)
	}
	if sub != "remove" && sub != "link" && len(pos) != 0 {
		return cli.Usagef("%s %s: unexpected argument %q", c.name, sub, pos[0])
	}
	ctx, cancel := context.WithTimeout(ctx, cli.Timeout)
	defer cancel()
	st, err := store.OpenForCommand(ctx, store.Options{URL: o.RedisURL}, c.name+" "+sub, "accounts live in the Redis the bot uses")
	if err != nil {
		return err
	}
	defer st.Close()
	accts := New(st, nil).SetLinkLife(o.LinkLife)

	switch sub {
	case "add":
		a, token, err := accts.Create(ctx, add.name, add.role, add.area)
		if errors.Is(err, ErrInvalid) || errors.Is(err, ErrNameInUse) {
			return cli.UsageError{Msg: c.name + " add: " + err.Error()}
		}
		if err != nil {
			return err
		}
		return printNewAccount(o.PublicURL, a, token, accts.Expires(a), *asJSON, stdout, stderr)
	case "link":
		a, err := accts.Find(ctx, pos[0], c.roles...)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf(c.notFound, sub, pos[0])
		}
		if err != nil {
			return fmt.Errorf("%s link: %w", c.name, err)
		}
		a, token, err := accts.NewToken(ctx, a.ID)
		if err != nil {
			return err
		}
		return printNewAccount(o.PublicURL, a, token, accts.Expires(a), *asJSON, stdout, stderr)
	case "remove":
		a, err := accts.Find(ctx, pos[0], c.roles...)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf(c.notFound, sub, pos[0])
		}
		if err != nil {
			return fmt.Errorf("%s remove: %w", c.name, err)
		}
		if err := accts.Remove(ctx, a.ID); err != nil {
			return err
		}
		fmt.Fprint(stdout, c.removed(a))
		return nil
	default:
		list, err := accts.List(ctx, c.roles...)
		if err != nil {
			return err
		}
		return printAccounts(list, *asJSON, c.empty, stdout)
	}
}

// accountJSON is the JSON of "operator add" and "operator list" (and the
// officer commands): {"id","name","role","area","created"}, plus the token
// and link right after add.
type accountJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Area    string `json:"area,omitempty"`
	Created string `json:"created"`
	Token   string `json:"token,omitempty"`   // only from add and link: shown once
	Link    string `json:"link,omitempty"`    // only from add and link: the personal sign-in link
	Expires string `json:"expires,omitempty"` // only from add and link: when the link stops working
}

func accountToJSON(a Account) accountJSON {
	return accountJSON{ID: a.ID, Name: a.Name, Role: string(a.Role), Area: a.Area, Created: a.Created.Format("2006-01-02T15:04:05Z07:00")}
}

// printNewAccount prints an account with its new token and sign-in link,
// which are shown only this once, and when they stop working.
func printNewAccount(publicURL string, a Account, token string, expires time.Time, asJSON bool, stdout, stderr io.Writer) error {
	link := SignInLink(publicURL, token)
	if publicURL == "" {
		fmt.Fprintln(stderr, "vneidbot: warning: PUBLIC_URL is empty, so the sign-in link is only a path: prefix it with the bot's address")
	}
	if asJSON {
		j := accountToJSON(a)
		j.Token, j.Link, j.Expires = token, link, expires.UTC().Format(time.RFC3339)
		return cli.PrintJSON(stdout, j)
	}
	fmt.Fprintf(stdout, "%s  %s  %s", a.ID, a.Name, a.Role)
	if a.Area != "" {
		fmt.Fprintf(stdout, " (%s)", a.Area)
	}
	fmt.Fprintf(stdout, "\n  Sign-in link: %s\n  Token:        %s\n  Works until:  %s\n", link, token, expires.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintln(stdout, "  Give them to the person privately; they are shown only now. A new link: vneidbot "+cmdOf(a)+" link "+a.ID)
	return nil
}

// printAccounts prints accounts as a table, or JSON.
func printAccounts(list []Account, asJSON bool, empty string, stdout io.Writer) error {
	return cli.PrintList(stdout, asJSON, list, func(a Account) any { return accountToJSON(a) },
		empty, "ID\tNAME\tROLE\tAREA\tCREATED", func(a Account) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", a.ID, a.Name, a.Role, a.Area, a.Created.Format("2006-01-02"))
		})
}

// cmdOf is the command that manages a's account.
func cmdOf(a Account) string {
	if a.Role == Officer {
		return "officer"
	}
	return "operator"
}
