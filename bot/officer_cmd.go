package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/store"
)

const officerUsage = `Usage:
  vneidbot officer add --name NAME --area AREA [--json]
  vneidbot officer list [--json]
  vneidbot officer remove ID|NAME

  add     makes a personal account for a commune officer who answers citizens handed
          to a person in AREA (a commune or ward, e.g. "Phường Bến Nghé"), and prints
          the sign-in link and token, once: the token is not stored and cannot be shown
          again (remove the account and add it again if it is lost)
  list    lists the officers and their areas
  remove  deletes an officer's account and ends their sessions at once

An officer signs in with the link, lands on /admin/inbox and sees only the
tickets of their area. The link is made from PUBLIC_URL. Accounts live in the
Redis the bot uses (REDIS_URL). See docs/officers.md.
`

// officerCommand runs "vneidbot officer ...": accounts with the role
// officer in internal/accounts (the same accounts as "operator").
func officerCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			return usageError{"officer: expected add, list or remove (see vneidbot officer --help)"}
		}
		fmt.Fprint(stdout, officerUsage)
		return nil
	}
	sub, rest := args[0], args[1:]
	fs := newFlags("officer "+sub, strings.TrimPrefix(strings.TrimPrefix(officerUsage, "Usage:\n  "), "vneidbot "), stdout)
	asJSON := fs.Bool("json", false, "print JSON")
	var name, area *string
	switch sub {
	case "add":
		name = fs.String("name", "", "the officer's name (required)")
		area = fs.String("area", "", "the commune or ward they answer for (required)")
	case "list", "remove":
	default:
		return usageError{fmt.Sprintf("officer: unknown subcommand %q: expected add, list or remove", sub)}
	}
	pos, err := parseInterleaved(fs, rest)
	if err != nil {
		return err
	}
	switch {
	case sub == "add" && (strings.TrimSpace(*name) == "" || strings.TrimSpace(*area) == ""):
		return usageError{"officer add: --name and --area are required, e.g. vneidbot officer add --name \"Lê Văn Hùng\" --area \"Phường Bến Nghé\""}
	case sub == "remove" && len(pos) != 1:
		return usageError{"officer remove: give one account id or name (see vneidbot officer list)"}
	case sub != "remove" && len(pos) != 0:
		return usageError{fmt.Sprintf("officer %s: unexpected argument %q", sub, pos[0])}
	}
	if cfg.RedisURL == "" {
		return usageError{"officer " + sub + ": REDIS_URL is not set: accounts live in the Redis the bot uses"}
	}
	ctx, cancel := context.WithTimeout(ctx, operatorTimeout)
	defer cancel()
	st, err := store.Open(ctx, store.Options{URL: cfg.RedisURL})
	if err != nil {
		return fmt.Errorf("officer %s: %w", sub, err)
	}
	defer st.Close()
	accts := accounts.New(st, nil)

	switch sub {
	case "add":
		a, token, err := accts.Create(ctx, *name, accounts.Officer, *area)
		if errors.Is(err, accounts.ErrInvalid) || errors.Is(err, accounts.ErrNameInUse) {
			return usageError{"officer add: " + err.Error()}
		}
		if err != nil {
			return err
		}
		return printNewAccount(cfg, a, token, *asJSON, stdout, stderr)
	case "remove":
		a, err := accts.Find(ctx, pos[0], accounts.Officer)
		if errors.Is(err, accounts.ErrNotFound) {
			return fmt.Errorf("officer remove: no officer is %q (see vneidbot officer list)", pos[0])
		}
		if err != nil {
			return fmt.Errorf("officer remove: %w", err)
		}
		if err := accts.Remove(ctx, a.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed officer %s (%s, %s); their sessions are ended\n", a.Name, a.Area, a.ID)
		return nil
	default:
		list, err := accts.List(ctx, accounts.Officer)
		if err != nil {
			return err
		}
		return printAccounts(list, *asJSON, "no officers yet: vneidbot officer add --name NAME --area AREA", stdout)
	}
}
