package broadcast

import (
	"context"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/telegram"
	"github.com/vneid-guide/vneidbot/internal/zalo"
	"github.com/vneid-guide/vneidbot/internal/zalobot"
)

// Platforms are the configured channels that can write to a user first,
// each given by its adapter's options; nil means the channel is off.
type Platforms struct {
	Telegram *telegram.Options
	Zalo     *zalo.Options
	ZaloBot  *zalobot.Options
}

// Channels builds a sender for each configured platform: Telegram (bulk
// sends yield to live replies), the Zalo OA (7-day window) and the Zalo Bot
// Platform. perSecond paces each channel; Telegram allows about 30 messages
// a second for the whole bot, so keep room for the replies of the serving
// bot. Reminders, broadcasts and the handoff's relay use them.
func Channels(p Platforms, perSecond float64) (map[string]Channel, error) {
	out := map[string]Channel{}
	if p.Telegram != nil {
		tg, err := telegram.New(*p.Telegram)
		if err != nil {
			return nil, err
		}
		out[string(flows.Telegram)] = Channel{Sender: tgBulk{tg}, PerSecond: perSecond, Buttons: true, Unreachable: blocked(tg)}
	}
	if p.Zalo != nil {
		oa, err := zalo.New(*p.Zalo)
		if err != nil {
			return nil, err
		}
		out[string(zalo.Channel)] = Channel{Sender: oa, PerSecond: perSecond, Window: 7 * 24 * time.Hour, Buttons: true, Unreachable: blocked(oa)}
	}
	if p.ZaloBot != nil {
		zb, err := zalobot.New(*p.ZaloBot)
		if err != nil {
			return nil, err
		}
		out[string(zalobot.Channel)] = Channel{Sender: zb, PerSecond: perSecond, Buttons: false}
	}
	return out, nil
}

// blocked is "the user blocked or left the bot", as the channel's adapter
// classifies its own errors.
func blocked(c interface{ Classify(error) delivery.Fate }) func(error) bool {
	return func(err error) bool { return c.Classify(err) == delivery.Blocked }
}

// tgBulk sends through Telegram's bulk path, which yields to live replies.
type tgBulk struct{ b *telegram.Adapter }

func (t tgBulk) Send(ctx context.Context, chatID string, replies []flows.Reply) error {
	return t.b.Broadcast(ctx, chatID, replies)
}
