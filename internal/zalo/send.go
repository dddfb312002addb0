package zalo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnreachable wraps the *APIError of a send to a user who cannot be
// messaged now; the rest of the batch is not sent.
var ErrUnreachable = errors.New("zalo: user unreachable")

// sender sends rendered messages to one user, handling the API's errors:
// a refused token is refreshed once and the message retried once; rate
// limiting (-32) backs off and retries; an unreachable user (-230, -232,
// -213, -227, -244) is marked and nothing more is sent; anything else is
// logged with its code and message.
type sender struct {
	api    *Client
	tokens *Tokens
	rdb    redis.UniversalClient
	key    func(user string) string // unreachable mark
	log    *slog.Logger
	m      *metrics

	rateRetries int           // retries after -32 (4)
	rateBackoff time.Duration // first pause after -32, doubling (1s)
	sleep       func(context.Context, time.Duration) error
}

// unreachableTTL is how long an unreachable mark lasts; the user's next
// message clears it sooner.
const unreachableTTL = 30 * 24 * time.Hour

// send sends msgs in order and stops at the first failure.
func (s *sender) send(ctx context.Context, user string, msgs []Message) error {
	for i, m := range msgs {
		if err := s.sendOne(ctx, user, m); err != nil {
			if left := len(msgs) - i - 1; left > 0 {
				s.log.Warn("zalo: messages not sent after a failure", "user", user, "count", left)
			}
			return err
		}
	}
	return nil
}

func (s *sender) sendOne(ctx context.Context, user string, m Message) error {
	token, err := s.tokens.Access(ctx)
	if err != nil {
		s.m.sends.WithLabelValues("token").Inc()
		return err
	}
	refreshed := false
	for attempt := 0; ; attempt++ {
		_, err := s.api.SendCS(ctx, token, user, m)
		var ae *APIError
		if err == nil {
			s.m.sends.WithLabelValues("ok").Inc()
			return nil
		}
		if !errors.As(err, &ae) {
			// The message may have arrived; resending could duplicate it.
			s.m.sends.WithLabelValues("error").Inc()
			s.log.Warn("zalo: send failed", "user", user, "err", err)
			return err
		}
		switch {
		case ae.TokenRejected() && !refreshed:
			refreshed = true
			s.log.Info("zalo: access token refused; refreshing once", "code", ae.Code)
			if token, err = s.tokens.Refresh(ctx, token); err != nil {
				s.m.sends.WithLabelValues("token").Inc()
				return fmt.Errorf("zalo: send after %w: %w", ae, err)
			}
			continue
		case ae.Code == CodeRateLimited && attempt < s.rateRetries:
			s.m.sends.WithLabelValues("rate_limited").Inc()
			d := s.rateBackoff << attempt
			s.log.Warn("zalo: rate limited; backing off", "pause", d)
			if err := s.sleep(ctx, d); err != nil {
				return err
			}
			continue
		case ae.Unreachable():
			s.m.sends.WithLabelValues("unreachable").Inc()
			s.markUnreachable(ctx, user, strconv.Itoa(ae.Code))
			s.log.Info("zalo: user unreachable; not retrying", "user", user, "code", ae.Code, "message", ae.Message)
			return fmt.Errorf("%w: %w", ErrUnreachable, ae)
		}
		s.m.sends.WithLabelValues("error").Inc()
		s.log.Error("zalo: send refused", "user", user, "code", ae.Code, "message", ae.Message)
		return ae
	}
}

// markUnreachable records that user cannot be messaged, and why.
func (s *sender) markUnreachable(ctx context.Context, user, why string) {
	s.m.unreachable.WithLabelValues(why).Inc()
	if err := s.rdb.Set(ctx, s.key(user), why, unreachableTTL).Err(); err != nil {
		s.log.Warn("zalo: could not mark user unreachable", "user", user, "err", err)
	}
}

// reachable clears the mark: the user just wrote or followed.
func (s *sender) reachable(ctx context.Context, user string) error {
	return s.rdb.Del(ctx, s.key(user)).Err()
}
