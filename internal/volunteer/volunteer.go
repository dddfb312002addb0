// Package volunteer keeps the people who spread the bot: registered
// volunteers (youth union members, commune officers) and citizens who shared
// their own link. Each has a short, unguessable code; a chat that opens the
// bot through "v_<code>" (a Telegram deep link, the web chat's ?ref=, or the
// code typed on Zalo) is attributed to it, first touch wins, and the chain of
// who referred the referrer is kept.
//
// Everything lives in Redis under the store's prefix, in one cluster slot
// (store.VolunteerKey):
//
//	{vol}:code    hash  code → JSON Volunteer
//	{vol}:list    zset  registered volunteers' codes by creation time
//	{vol}:chat    hash  chat → code the chat owns or is linked to
//	{vol}:claim   hash  private claim key → code (typed as "/thongke <key>")
//	{vol}:claimof hash  code → its claim key, for "volunteer link"
package volunteer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/volunteer/refcode"
)

// Kinds of code owner.
const (
	KindVolunteer = "volunteer" // registered with "vneidbot volunteer add"
	KindCitizen   = "citizen"   // a citizen who pressed "Chia sẻ cho người thân"
)

// RefPrefix starts every referral parameter (refcode.Prefix).
const RefPrefix = refcode.Prefix

// Volunteer is the owner of a referral code.
type Volunteer struct {
	Code    string    `json:"code"`
	Name    string    `json:"name,omitempty"`
	Area    string    `json:"area,omitempty"`
	Kind    string    `json:"kind"`
	Parent  string    `json:"parent,omitempty"` // code of whoever referred this owner: the chain
	Chat    string    `json:"chat,omitempty"`   // a citizen's own chat ("tg:123")
	Created time.Time `json:"created"`
}

// Ref is the referral parameter that attributes a chat to v.
func (v Volunteer) Ref() string { return RefPrefix + v.Code }

// Errors of the registry.
var (
	ErrNotFound = errors.New("volunteer: no such code")
	ErrInvalid  = errors.New("volunteer: invalid input")
)

// Limits on what an operator types.
const (
	MaxName = 80
	MaxArea = 80
)

// Registry stores volunteers and their codes in Redis. It is safe for
// concurrent use.
type Registry struct {
	st  *store.Store
	rdb redis.UniversalClient
	now func() time.Time
}

// NewRegistry returns the registry kept in st. now is the clock (time.Now
// when nil).
func NewRegistry(st *store.Store, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{st: st, rdb: st.Client(), now: now}
}

// Add registers a volunteer with a new code and a private claim key.
func (r *Registry) Add(ctx context.Context, name, area string) (Volunteer, error) {
	name, area = strings.TrimSpace(name), strings.TrimSpace(area)
	if name == "" || utf8.RuneCountInString(name) > MaxName || !printable(name) {
		return Volunteer{}, fmt.Errorf("%w: name must be 1-%d printable characters", ErrInvalid, MaxName)
	}
	if utf8.RuneCountInString(area) > MaxArea || !printable(area) {
		return Volunteer{}, fmt.Errorf("%w: area must be at most %d printable characters", ErrInvalid, MaxArea)
	}
	v := Volunteer{Name: name, Area: area, Kind: KindVolunteer, Created: r.now().UTC().Truncate(time.Second)}
	if err := r.create(ctx, &v); err != nil {
		return Volunteer{}, err
	}
	claim := refcode.NewClaim()
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, r.st.VolunteerKey("list"), redis.Z{Score: float64(v.Created.Unix()), Member: v.Code})
		p.HSet(ctx, r.st.VolunteerKey("claim"), claim, v.Code)
		p.HSet(ctx, r.st.VolunteerKey("claimof"), v.Code, claim)
		return nil
	})
	if err != nil {
		return Volunteer{}, fmt.Errorf("volunteer add: %w", err)
	}
	return v, nil
}

// create gives v a fresh code and stores it; codes never collide.
func (r *Registry) create(ctx context.Context, v *Volunteer) error {
	for range 10 {
		v.Code = NewCode()
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		ok, err := r.rdb.HSetNX(ctx, r.st.VolunteerKey("code"), v.Code, data).Result()
		if err != nil {
			return fmt.Errorf("store volunteer code: %w", err)
		}
		if ok {
			return nil
		}
	}
	return errors.New("volunteer: could not find a free code")
}

// Get returns the owner of code (with or without the "v_" prefix).
func (r *Registry) Get(ctx context.Context, code string) (Volunteer, error) {
	code = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(code)), RefPrefix)
	if !ValidCode(code) {
		return Volunteer{}, ErrNotFound
	}
	var v Volunteer
	if err := store.ReadJSON(r.rdb.HGet(ctx, r.st.VolunteerKey("code"), code), &v, "volunteer "+code, ErrNotFound); err != nil {
		return Volunteer{}, err
	}
	return v, nil
}

// Lookup returns the owners of the given codes that exist, in one round trip.
func (r *Registry) Lookup(ctx context.Context, codes []string) (map[string]Volunteer, error) {
	out := map[string]Volunteer{}
	if len(codes) == 0 {
		return out, nil
	}
	vals, err := r.rdb.HMGet(ctx, r.st.VolunteerKey("code"), codes...).Result()
	if err != nil {
		return nil, fmt.Errorf("read volunteers: %w", err)
	}
	for _, val := range vals {
		s, ok := val.(string)
		if !ok {
			continue
		}
		var v Volunteer
		if json.Unmarshal([]byte(s), &v) == nil {
			out[v.Code] = v
		}
	}
	return out, nil
}

// List returns the registered volunteers, oldest first (citizens' codes are
// not listed).
func (r *Registry) List(ctx context.Context) ([]Volunteer, error) {
	codes, err := r.rdb.ZRange(ctx, r.st.VolunteerKey("list"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list volunteers: %w", err)
	}
	found, err := r.Lookup(ctx, codes)
	if err != nil {
		return nil, err
	}
	out := make([]Volunteer, 0, len(codes))
	for _, c := range codes {
		if v, ok := found[c]; ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// ClaimKey returns the private key a volunteer types ("/thongke <key>") to
// link their own chat to their code.
func (r *Registry) ClaimKey(ctx context.Context, code string) (string, error) {
	k, err := r.rdb.HGet(ctx, r.st.VolunteerKey("claimof"), code).Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrNotFound
	}
	return k, err
}

// Claim links chat to the volunteer whose claim key is key. Claiming again
// is harmless; a chat is linked to one code at a time.
func (r *Registry) Claim(ctx context.Context, chat, key string) (Volunteer, error) {
	code, err := r.rdb.HGet(ctx, r.st.VolunteerKey("claim"), strings.ToLower(strings.TrimSpace(key))).Result()
	if errors.Is(err, redis.Nil) {
		return Volunteer{}, ErrNotFound
	}
	if err != nil {
		return Volunteer{}, fmt.Errorf("read claim: %w", err)
	}
	v, err := r.Get(ctx, code)
	if err != nil {
		return Volunteer{}, err
	}
	if err := r.rdb.HSet(ctx, r.st.VolunteerKey("chat"), chat, code).Err(); err != nil {
		return Volunteer{}, fmt.Errorf("link chat: %w", err)
	}
	return v, nil
}

// OfChat returns the code chat owns or is linked to; ok is false when none.
func (r *Registry) OfChat(ctx context.Context, chat string) (v Volunteer, ok bool, err error) {
	code, err := r.rdb.HGet(ctx, r.st.VolunteerKey("chat"), chat).Result()
	if errors.Is(err, redis.Nil) {
		return Volunteer{}, false, nil
	}
	if err != nil {
		return Volunteer{}, false, fmt.Errorf("read chat link: %w", err)
	}
	v, err = r.Get(ctx, code)
	if errors.Is(err, ErrNotFound) {
		return Volunteer{}, false, nil
	}
	return v, err == nil, err
}

// ForCitizen returns the code chat shares, creating it on first use. parent
// is the chat's own first-touch referral ("v_<code>" or ""), which keeps the
// chain. Safe to call twice for one chat: the first code stays.
func (r *Registry) ForCitizen(ctx context.Context, chat, parent string) (Volunteer, error) {
	if v, ok, err := r.OfChat(ctx, chat); err != nil || ok {
		return v, err
	}
	v := Volunteer{Kind: KindCitizen, Chat: chat, Created: r.now().UTC().Truncate(time.Second)}
	if p := strings.TrimPrefix(parent, RefPrefix); p != parent && ValidCode(p) {
		v.Parent = p
	}
	if err := r.create(ctx, &v); err != nil {
		return Volunteer{}, err
	}
	won, err := r.rdb.HSetNX(ctx, r.st.VolunteerKey("chat"), chat, v.Code).Result()
	if err != nil {
		return Volunteer{}, fmt.Errorf("link citizen code: %w", err)
	}
	if !won {
		// Another update of the same chat made a code first: use that one
		// and drop ours.
		r.rdb.HDel(ctx, r.st.VolunteerKey("code"), v.Code)
		got, ok, err := r.OfChat(ctx, chat)
		if err != nil {
			return Volunteer{}, err
		}
		if !ok {
			return Volunteer{}, errors.New("volunteer: citizen code vanished")
		}
		return got, nil
	}
	return v, nil
}

// ShareCodeLife is how long a citizen's share code lives without bringing
// anyone: a chat makes one with a single button press, so unused ones would
// otherwise pile up for ever (security review R9).
const ShareCodeLife = 30 * 24 * time.Hour

// expireCodes deletes codes (ARGV[i+1]) and, where it still points to the
// code, the chat link (ARGV[i] → code) in one step.
var expireCodes = redis.NewScript(`
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i+1] then redis.call('HDEL', KEYS[2], ARGV[i]) end
  n = n + redis.call('HDEL', KEYS[1], ARGV[i+1])
end
return n`)

// ExpireUnused deletes the citizens' share codes created before before that
// brought nobody: started holds the referral parameters ("v_<code>") that
// started a chat, with their counts. Registered volunteers' codes, and codes
// that are another code's parent, stay. A chat whose code went gets a new
// one the next time it shares. It returns how many codes it deleted.
func (r *Registry) ExpireUnused(ctx context.Context, before time.Time, started map[string]int64) (int, error) {
	all, err := r.All(ctx)
	if err != nil {
		return 0, err
	}
	parents := map[string]bool{}
	for _, v := range all {
		parents[v.Parent] = true
	}
	var args []any
	for code, v := range all {
		if v.Kind == KindCitizen && v.Created.Before(before) && started[v.Ref()] == 0 && !parents[code] {
			args = append(args, v.Chat, code)
		}
	}
	keys := []string{r.st.VolunteerKey("code"), r.st.VolunteerKey("chat")}
	deleted := 0
	for len(args) > 0 {
		// a few hundred at a time: one script holds Redis while it runs
		batch := args[:min(len(args), 2*expireBatch)]
		args = args[len(batch):]
		n, err := expireCodes.Run(ctx, r.rdb, keys, batch...).Int()
		if err != nil {
			return deleted, fmt.Errorf("expire share codes: %w", err)
		}
		deleted += n
	}
	return deleted, nil
}

// expireBatch is how many codes one expiry script deletes.
const expireBatch = 500

// maxChain bounds how far a chain is followed (and breaks any loop).
const maxChain = 10

// Chain returns who referred code's owner, nearest first.
func (r *Registry) Chain(ctx context.Context, code string) ([]Volunteer, error) {
	v, err := r.Get(ctx, code)
	if err != nil {
		return nil, err
	}
	var out []Volunteer
	seen := map[string]bool{v.Code: true}
	for v.Parent != "" && len(out) < maxChain && !seen[v.Parent] {
		seen[v.Parent] = true
		p, err := r.Get(ctx, v.Parent)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
		v = p
	}
	return out, nil
}

// All returns every code, volunteers' and citizens', for the statistics'
// chains. Registries hold thousands, not millions, of codes.
func (r *Registry) All(ctx context.Context) (map[string]Volunteer, error) {
	vals, err := r.rdb.HGetAll(ctx, r.st.VolunteerKey("code")).Result()
	if err != nil {
		return nil, fmt.Errorf("read volunteers: %w", err)
	}
	out := make(map[string]Volunteer, len(vals))
	for _, s := range vals {
		var v Volunteer
		if json.Unmarshal([]byte(s), &v) == nil {
			out[v.Code] = v
		}
	}
	return out, nil
}

// CodeLen is the length of a code (refcode.Len).
const CodeLen = refcode.Len

// claimLen is the length of a volunteer's private claim key.
const claimLen = refcode.ClaimLen

// NewCode returns a random code (refcode.New).
func NewCode() string { return refcode.New() }

// ValidCode reports whether s has the shape of a code.
func ValidCode(s string) bool { return refcode.Valid(s) }

// ValidRef reports whether ref is "v_" followed by a well-formed code.
func ValidRef(ref string) bool {
	c, ok := strings.CutPrefix(ref, RefPrefix)
	return ok && ValidCode(c)
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return false
		}
	}
	return utf8.ValidString(s)
}
