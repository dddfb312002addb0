package main

import (
	"context"
	"io"
)

// zaloAuthorize prints the Zalo OA permission URL.
func zaloAuthorize(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	return usageError{"zalo authorize: not built yet"}
}
