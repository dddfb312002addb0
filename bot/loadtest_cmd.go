package main

import (
	"context"
	"io"
)

// loadtestCommand runs "vneidbot loadtest ...".
func loadtestCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	return usageError{"loadtest: not built yet"}
}
