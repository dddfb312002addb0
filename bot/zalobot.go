package main

import "context"

// setupZaloBot starts the Zalo Bot Platform channel when ZALO_BOT_TOKEN is set.
func setupZaloBot(ctx context.Context, a *app) error {
	if a.cfg.ZaloBotToken == "" {
		return nil
	}
	a.log.Warn("zalo bot channel is not built yet")
	return nil
}
