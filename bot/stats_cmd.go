package main

import (
	"context"
	"io"
)

// statsCommand runs "vneidbot stats ...".
func statsCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	return usageError{"stats: not built yet"}
}
