package store

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ParseURL turns REDIS_URL into client options. Accepted forms:
//
//	redis://[:password@]host:port/db                   one server
//	rediss://[:password@]host:port/db                  one server over TLS
//	redis+sentinel://[:password@]h1:26379,h2:26379/master/db   Redis Sentinel
//	redis+cluster://[:password@]h1:6379,h2:6379        Redis Cluster
//
// Every form yields a redis.UniversalClient, so the rest of the code does not
// care which it is.
func ParseURL(raw string) (*redis.UniversalOptions, error) {
	switch {
	case strings.HasPrefix(raw, "redis://"), strings.HasPrefix(raw, "rediss://"):
		o, err := redis.ParseURL(raw)
		if err != nil {
			return nil, scrub(err, raw)
		}
		return &redis.UniversalOptions{
			Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig,
		}, nil
	case strings.HasPrefix(raw, "redis+sentinel://"), strings.HasPrefix(raw, "redis+cluster://"):
		u, err := url.Parse(raw)
		if err != nil {
			return nil, scrub(err, raw)
		}
		o := &redis.UniversalOptions{Addrs: strings.Split(u.Host, ",")}
		if u.User != nil {
			o.Username = u.User.Username()
			o.Password, _ = u.User.Password()
		}
		path := strings.Split(strings.Trim(u.Path, "/"), "/")
		if u.Scheme == "redis+cluster" {
			if u.Path != "" && u.Path != "/" {
				return nil, fmt.Errorf("redis+cluster URLs take no path (Cluster has only db 0)")
			}
			o.IsClusterMode = true
			return o, nil
		}
		if len(path) == 0 || path[0] == "" {
			return nil, fmt.Errorf("redis+sentinel URLs need the master name: redis+sentinel://host:26379/mymaster/0")
		}
		o.MasterName = path[0]
		if len(path) > 1 && path[1] != "" {
			if o.DB, err = strconv.Atoi(path[1]); err != nil {
				return nil, fmt.Errorf("bad db number %q", path[1])
			}
		}
		o.SentinelPassword = o.Password
		return o, nil
	}
	return nil, fmt.Errorf("must start with redis://, rediss://, redis+sentinel:// or redis+cluster://")
}

// scrub keeps the URL, which may hold a password, out of an error message.
func scrub(err error, raw string) error {
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	msg = strings.ReplaceAll(msg, raw, "<REDIS_URL>")
	if i := strings.Index(raw, "@"); i > 0 {
		msg = strings.ReplaceAll(msg, raw[:i], "<credentials>")
	}
	return errors.New(msg)
}
