package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/vneid-guide/vneidbot/internal/retry"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// RunPolling receives updates by long polling until ctx ends, then finishes
// the updates in flight (up to DrainTimeout) and returns nil.
//
// Any number of replicas may run it: a Redis lease lets exactly one of them
// poll, the others stand by and take over when the lease expires (a crashed
// poller) or is released (a poller that shut down). Updates that a takeover
// fetches again are answered once: the engine deduplicates by update_id.
// Errors never end the loop; they back off exponentially with jitter.
func (b *Adapter) RunPolling(ctx context.Context) error {
	defer b.drain()
	if err := b.init(ctx); err != nil {
		return nil // ctx ended before Telegram answered
	}
	// a webhook left from an earlier deployment would make getUpdates fail with 409
	if err := b.api.call(ctx, "deleteWebhook", tgbotapi.Params{}, nil, callOpts{}); err != nil && ctx.Err() == nil {
		b.log.Warn("telegram: deleteWebhook failed", "err", err)
	}
	b.ready.Store(true)
	l := b.store.NewLease(b.store.TelegramKey(b.botID, "poller"), b.o.LeaseTTL)
	standby := false
	for fails := 0; ctx.Err() == nil; {
		ok, err := l.Acquire(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			b.log.Warn("telegram: polling lease unavailable", "err", err)
			retry.Sleep(ctx, b.o.PollBackoff.delay(fails))
			fails++
			continue
		case !ok:
			if !standby {
				b.log.Info("telegram: another replica is polling; standing by", "replica", b.o.ReplicaID)
				standby = true
			}
			retry.Sleep(ctx, jitter(b.o.LeaseTTL/3))
			continue
		}
		fails, standby = 0, false
		b.pollWhileHolding(ctx, l)
	}
	return nil
}

// pollWhileHolding polls while this replica holds the lease. It returns
// when ctx ends (releasing the lease after the drain) or the lease is lost.
func (b *Adapter) pollWhileHolding(ctx context.Context, l *store.Lease) {
	b.log.Info("telegram: polling", "replica", b.o.ReplicaID)
	b.metrics.poller.Set(1)
	defer b.metrics.poller.Set(0)

	pctx, lost := context.WithCancel(ctx)
	defer lost()
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		last := time.Now()
		for retry.Sleep(pctx, l.TTL()/3) == nil {
			ok, err := l.Renew(pctx)
			switch {
			case err == nil && ok:
				last = time.Now()
			case err == nil && !ok:
				b.log.Warn("telegram: polling lease taken by another replica; stopping")
				lost()
				return
			case pctx.Err() == nil && time.Since(last) > l.TTL():
				b.log.Warn("telegram: polling lease could not be renewed; stopping", "err", err)
				lost()
				return
			}
		}
	}()

	offset := 0
	for fails := 0; pctx.Err() == nil; {
		start := time.Now()
		updates, next, err := b.getUpdates(pctx, offset)
		if err != nil {
			if pctx.Err() != nil {
				break
			}
			b.metrics.pollErrs.Inc()
			d := b.o.PollBackoff.delay(fails)
			var ae *APIError
			if errors.As(err, &ae) && ae.Code == http.StatusTooManyRequests && ae.RetryAfter > d {
				d = ae.RetryAfter
			}
			fails++
			b.log.Warn("telegram: getUpdates failed", "err", err, "retry_in", d)
			retry.Sleep(pctx, d)
			continue
		}
		fails = 0
		offset = max(offset, next)
		for _, u := range updates {
			if _, _, err := b.submit(ctx, u); err != nil {
				break // ctx ended while the queue was full; Telegram sends it again
			}
		}
		if len(updates) == 0 && time.Since(start) < b.o.PollTimeout/2 {
			// the server did not hold the poll (an emulator, a proxy): do
			// not spin
			retry.Sleep(pctx, b.o.IdlePause)
		}
	}
	lost()
	<-renewed
	if ctx.Err() == nil {
		return // the lease was lost: another replica polls now
	}
	// shutting down: finish what was fetched, confirm it to Telegram so that
	// the next poller does not fetch it again, and hand the lease over
	b.drain()
	cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if offset > 0 {
		p := tgbotapi.Params{"offset": strconv.Itoa(offset), "limit": "1", "timeout": "0"}
		if err := b.api.do(cctx, "getUpdates", p, nil); err != nil {
			b.log.Debug("telegram: could not confirm the last updates", "err", err)
		}
	}
	if err := l.Release(cctx); err != nil {
		b.log.Warn("telegram: could not release the polling lease", "err", err)
	}
}

// getUpdates makes one long poll. next is the offset that confirms every
// update fetched, the unreadable ones included (they are logged and skipped,
// never fetched again and again).
func (b *Adapter) getUpdates(ctx context.Context, offset int) (updates []tgbotapi.Update, next int, err error) {
	js, _ := json.Marshal(allowedUpdates)
	p := tgbotapi.Params{
		"timeout":         strconv.Itoa(int(b.o.PollTimeout / time.Second)),
		"limit":           "100",
		"allowed_updates": string(js),
	}
	p.AddNonZero("offset", offset)
	ctx, cancel := context.WithTimeout(ctx, b.o.PollTimeout+15*time.Second)
	defer cancel()
	var raw []json.RawMessage
	if err := b.api.do(ctx, "getUpdates", p, &raw); err != nil {
		return nil, 0, err
	}
	for _, r := range raw {
		var id struct {
			UpdateID int `json:"update_id"`
		}
		json.Unmarshal(r, &id)
		next = max(next, id.UpdateID+1)
		u, err := parseUpdate(r)
		if err != nil {
			b.log.Warn("telegram: unreadable update skipped", "update", id.UpdateID, "err", err)
			continue
		}
		updates = append(updates, u)
	}
	return updates, next, nil
}

// jitter returns a random duration between d/2 and d.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}
