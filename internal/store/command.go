package store

import (
	"context"
	"fmt"

	"github.com/vneid-guide/vneidbot/internal/cli"
)

// OpenForCommand opens the bot's Redis for the operator command cmd. An
// empty opts.URL (REDIS_URL) is a usage error ending with why, which says
// what lives there ("volunteers live in the Redis the bot uses"): an
// in-process Redis would be new and empty.
func OpenForCommand(ctx context.Context, opts Options, cmd, why string) (*Store, error) {
	if opts.URL == "" {
		return nil, cli.UsageError{Msg: cmd + ": REDIS_URL is not set: " + why}
	}
	st, err := Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	return st, nil
}
