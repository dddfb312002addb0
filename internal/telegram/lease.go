package telegram

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// lease is a Redis lock with expiry that decides which replica polls. The
// holder renews it every ttl/3; if the holder dies, the lease expires and
// another replica acquires it at its next try (within ttl + ttl/3).
type lease struct {
	rdb   redis.UniversalClient
	key   string
	owner string // this replica's id
	ttl   time.Duration
}

var (
	// renewScript extends the lease only if this replica still holds it.
	renewScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`)
	// releaseScript deletes the lease only if this replica still holds it.
	releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)
)

// acquire takes the lease if nobody holds it (or this replica already does).
func (l *lease) acquire(ctx context.Context) (bool, error) {
	ok, err := l.rdb.SetNX(ctx, l.key, l.owner, l.ttl).Result()
	if err != nil || ok {
		return ok, err
	}
	return l.renew(ctx)
}

// renew extends the lease; false means another replica holds it now.
func (l *lease) renew(ctx context.Context) (bool, error) {
	n, err := renewScript.Run(ctx, l.rdb, []string{l.key}, l.owner, l.ttl.Milliseconds()).Int()
	return n == 1, err
}

// release gives the lease up, so that a standby replica takes over at once.
func (l *lease) release(ctx context.Context) error {
	return releaseScript.Run(ctx, l.rdb, []string{l.key}, l.owner).Err()
}
