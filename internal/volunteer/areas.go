package volunteer

import (
	"context"
	"errors"
	"strings"
)

// AreaOfRef finds the area of a referral ("v_<code>"): the volunteer's, or
// that of the first volunteer with an area up the chain of a citizen's
// shared link (at most 5 steps). It is "" for an unknown or foreign ref.
// The handoff uses it to route a citizen to their commune's officers.
func (r *Registry) AreaOfRef(ctx context.Context, ref string) (string, error) {
	code, ok := strings.CutPrefix(ref, RefPrefix)
	for i := 0; ok && code != "" && i < 5; i++ {
		vol, err := r.Get(ctx, code)
		if errors.Is(err, ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if vol.Area != "" {
			return vol.Area, nil
		}
		code = vol.Parent
	}
	return "", nil
}
