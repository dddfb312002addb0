package main

import (
	"context"
	"io"
)

// faqCommand runs "vneidbot faq ...".
func faqCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	return usageError{"faq: not built yet"}
}
