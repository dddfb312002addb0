package main

import (
	"context"
	"io"
)

// volunteerCommand runs "vneidbot volunteer ...".
func volunteerCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	return usageError{"volunteer: not built yet"}
}
