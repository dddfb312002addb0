package store

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// ReadJSON decodes into v the JSON value that cmd (a GET or an HGET) read.
// When the key or the field does not exist it returns missing, and v stays
// as it was (pass nil when absence is no error). what names the value in
// the other errors ("account 42").
func ReadJSON(cmd *redis.StringCmd, v any, what string, missing error) error {
	b, err := cmd.Bytes()
	if errors.Is(err, redis.Nil) {
		return missing
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}

// DecodeEach decodes the JSON values a command read (an LRANGE, an HVALS),
// in their order. A damaged value is left out, so that one bad record
// does not hide the others.
func DecodeEach[T any](vals []string) []T {
	out := make([]T, 0, len(vals))
	for _, s := range vals {
		var v T
		if json.Unmarshal([]byte(s), &v) == nil {
			out = append(out, v)
		}
	}
	return out
}
