package main

import (
	"context"

	"github.com/vneid-guide/vneidbot/internal/contentsource"
)

// contentSource is the content a replica serves: CONTENT_DIR, else the
// published version, else the built-in content (internal/contentsource).
type contentSource = contentsource.Source

var newContentSource = contentsource.New

// watchContent keeps the content of a up to date until ctx ends, swapping
// new content into the engine first.
func (a *app) watchContent(ctx context.Context) {
	a.content.Watch(ctx, contentsource.WatchOptions{
		Store: a.store, Logger: a.log, Metrics: a.metrics, Swap: a.engine.SetContent, Go: a.background,
	})
}
