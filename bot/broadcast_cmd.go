package main

import (
	"context"
	"io"
)

// broadcastCommand runs "vneidbot broadcast ...".
func broadcastCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	return usageError{"broadcast: not built yet"}
}
