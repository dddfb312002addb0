package main

import "context"

// setupTelegram starts the Telegram channel when TELEGRAM_BOT_TOKEN is set.
func setupTelegram(ctx context.Context, a *app) error {
	if a.cfg.TelegramToken == "" {
		return nil
	}
	a.log.Warn("telegram channel is not built yet")
	return nil
}
