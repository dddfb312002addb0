package store

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lease is a Redis lock with an expiry and an unguessable owner. It is the
// one lock of the bot: the outbox sweeper, the pollers, the token refresh,
// broadcasts and reminders all take one. Only the owner can renew or
// release it, so a holder whose lease expired cannot delete the next one's.
type Lease struct {
	rdb   redis.UniversalClient
	key   string
	owner string
	ttl   time.Duration
}

// compareScript renews (ARGV[2] > 0: PEXPIRE) or releases (DEL) the key
// KEYS[1] only while it still holds the owner ARGV[1]. It is the project's
// only compare-and-delete script.
var compareScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return redis.call("DEL", KEYS[1])`)

// NewLease prepares a lease on key (build it with the Key* helpers) held
// for ttl at a time. Nothing is taken until Acquire.
func (s *Store) NewLease(key string, ttl time.Duration) *Lease {
	return &Lease{rdb: s.rdb, key: key, owner: crand.Text(), ttl: ttl}
}

// NewLeaseFor is NewLease with a label, such as who holds the lease, kept in
// the lease's value before the random owner so that Holder can show it to
// whoever finds the lease taken.
func (s *Store) NewLeaseFor(key, label string, ttl time.Duration) *Lease {
	l := s.NewLease(key, ttl)
	l.owner = label + "\n" + l.owner
	return l
}

// Holder returns the label (see NewLeaseFor) of whoever holds the lease now:
// "" when nobody does or the holder gave no label.
func (l *Lease) Holder(ctx context.Context) (string, error) {
	v, err := l.rdb.Get(ctx, l.key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read lease %s: %w", l.key, err)
	}
	label, _, ok := strings.Cut(v, "\n")
	if !ok {
		return "", nil
	}
	return label, nil
}

// Acquire takes the lease if nobody holds it, or extends it if this Lease
// already does. false means another owner holds it.
func (l *Lease) Acquire(ctx context.Context) (bool, error) {
	ok, err := l.rdb.SetNX(ctx, l.key, l.owner, l.ttl).Result()
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", l.key, err)
	}
	if ok {
		return true, nil
	}
	return l.Renew(ctx)
}

// Renew extends the lease by its ttl; false means it was lost (expired and
// perhaps taken by another owner).
func (l *Lease) Renew(ctx context.Context) (bool, error) {
	n, err := compareScript.Run(ctx, l.rdb, []string{l.key}, l.owner, l.ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("renew lease %s: %w", l.key, err)
	}
	return n == 1, nil
}

// Release gives the lease up at once, so another owner can take it without
// waiting for the expiry. It is safe to call when the lease was lost, and
// it still runs when ctx is already cancelled.
func (l *Lease) Release(ctx context.Context) error {
	if err := compareScript.Run(context.WithoutCancel(ctx), l.rdb, []string{l.key}, l.owner, 0).Err(); err != nil {
		return fmt.Errorf("release lease %s: %w", l.key, err)
	}
	return nil
}

// Key returns the Redis key of the lease.
func (l *Lease) Key() string { return l.key }

// TTL returns how long one Acquire or Renew holds the lease.
func (l *Lease) TTL() time.Duration { return l.ttl }
