package main

import "context"

// setupZalo starts the Zalo Official Account channel when ZALO_APP_ID is set.
func setupZalo(ctx context.Context, a *app) error {
	if !a.cfg.ZaloEnabled() {
		return nil
	}
	a.log.Warn("zalo channel is not built yet")
	return nil
}
