// Package accounts keeps the personal accounts of the people who work in
// /admin: content editors and publishers (the content editor, issue 16) and
// commune officers (the handoff inbox, issue 14). Each person has a name, a
// role and, for an officer, an area, and signs in with a personal token
// that is shown once, in a sign-in link, when the account is created or a
// new link is made for it (NewToken); only its SHA-256 is stored. A token
// works for the link life (DefaultLinkLife, SIGNIN_LINK_TTL) after it was
// made, then the person needs a new link (security review R11). Signing
// in starts a session whose id lives in Redis until it expires (12 hours)
// or the person signs out; removing an account, or making it a new link,
// ends its sessions at once (a session is only as good as the account it
// points to).
//
// ADMIN_TOKEN is not an account: it may create accounts from the command
// line, but the pages that need a person (who edited, who published, which
// officer) need an account.
//
// Keys, all under the {accounts} hash tag so that multi-key commands and
// transactions stay in one Redis Cluster slot:
//
//	<prefix>:{accounts}:acct        hash  id → Account as JSON (with the token's hash)
//	<prefix>:{accounts}:token       hash  token hash → id
//	<prefix>:{accounts}:s:<hash>    string  session (hash of its id) → account id, with a TTL
//	<prefix>:{accounts}:sessof:<id> set   the session hashes of one account
//	<prefix>:{accounts}:old:<hash>  string  a token replaced by a new link or of a removed
//	                                        account → account id, for a link life (ErrRevoked)
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Role is what an account may do.
type Role string

// Roles.
const (
	Editor    Role = "editor"    // edits content and saves drafts
	Publisher Role = "publisher" // also publishes drafts and rolls back
	Officer   Role = "officer"   // answers handed-off conversations of one area
)

// ParseRole returns the role named s ("editor", "publisher", "officer").
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case Editor, Publisher, Officer:
		return r, nil
	}
	return "", fmt.Errorf("%w: role must be editor, publisher or officer, not %q", ErrInvalid, s)
}

// Account is one person's account. The token itself is never kept.
type Account struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	Area    string    `json:"area,omitempty"` // officers only
	Created time.Time `json:"created"`
	// Issued is when the account's token (its sign-in link) was made, or,
	// for an account made before links expired, first used since: an
	// upgrade signs nobody out. Zero until then.
	Issued time.Time `json:"token_issued,omitzero"`
}

// CanEdit reports whether a may edit content and save drafts.
func (a Account) CanEdit() bool { return a.Role == Editor || a.Role == Publisher }

// CanPublish reports whether a may publish drafts and roll back.
func (a Account) CanPublish() bool { return a.Role == Publisher }

// IsOfficer reports whether a answers handed-off conversations.
func (a Account) IsOfficer() bool { return a.Role == Officer }

// InArea reports whether a is an officer of area. Areas are compared
// without case or accents: "Phường Bến Nghé" is "phuong ben nghe".
func (a Account) InArea(area string) bool {
	return a.Role == Officer && area != "" && SameArea(a.Area, area)
}

// SameArea reports whether two area names name the same area: equal
// without case, accents or surrounding spaces.
func SameArea(x, y string) bool {
	return strings.Join(strings.Fields(vntext.Fold(x)), " ") == strings.Join(strings.Fields(vntext.Fold(y)), " ")
}

// stored is an account as kept in Redis.
type stored struct {
	Account
	TokenHash string `json:"token_sha256"`
}

// Errors of the accounts store.
var (
	ErrNotFound = errors.New("accounts: no such account")
	ErrInvalid  = errors.New("accounts: invalid input")
	ErrBadToken = errors.New("accounts: unknown token")
	ErrExpired  = errors.New("accounts: the sign-in link has expired")
	// ErrRevoked is a token that was real but has been replaced by a new
	// link or whose account was removed: like an expired one, it is no
	// guess (seventh probe, V7).
	ErrRevoked   = errors.New("accounts: the sign-in link was replaced or withdrawn")
	ErrNoSession = errors.New("accounts: no such session")
	ErrNameInUse = errors.New("accounts: an account with this name and role exists")
	errNoFreeID  = errors.New("accounts: could not find a free id")
)

// Limits on what an operator types.
const (
	MaxName = 80
	MaxArea = 80
)

// TokenPrefix starts every personal token, so a leaked one is recognisable
// (and secret scanners can find it).
const TokenPrefix = "vna_"

// DefaultSessionTTL is how long a sign-in lasts unless the caller says.
const DefaultSessionTTL = 12 * time.Hour

// DefaultLinkLife is how long a personal token, and so the sign-in link
// that carries it, works after it was made, unless SetLinkLife says.
const DefaultLinkLife = 30 * 24 * time.Hour

// Store keeps accounts and sessions in the Redis of a store.Store. It is
// safe for concurrent use.
type Store struct {
	rdb  redis.UniversalClient
	key  func(parts ...string) string
	now  func() time.Time
	life time.Duration
}

// New returns the accounts kept in st. now is the clock (time.Now when nil).
func New(st *store.Store, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{
		rdb:  st.Client(),
		key:  st.AccountsKey,
		now:  now,
		life: DefaultLinkLife,
	}
}

// SetLinkLife sets how long a token works after it was made
// (SIGNIN_LINK_TTL); d <= 0 keeps DefaultLinkLife. Set it before use.
func (s *Store) SetLinkLife(d time.Duration) *Store {
	if d > 0 {
		s.life = d
	}
	return s
}

// LinkLife is how long a token works after it was made.
func (s *Store) LinkLife() time.Duration { return s.life }

// Expires is when a's token stops working: zero for an account made
// before links expired whose token was not used since (its life starts at
// its next use).
func (s *Store) Expires(a Account) time.Time {
	if a.Issued.IsZero() {
		return time.Time{}
	}
	return a.Issued.Add(s.life)
}

// Create makes an account and returns it with its personal token, which is
// shown to the person once and never stored. area is required for officers
// and must be empty for the others. Two accounts of the same role may not
// share a name (compared folded), so that "operator remove NAME" is not
// ambiguous; the check is not atomic, which is fine for accounts made from
// the command line one at a time.
func (s *Store) Create(ctx context.Context, name string, role Role, area string) (Account, string, error) {
	name, area = strings.TrimSpace(name), strings.TrimSpace(area)
	if _, err := ParseRole(string(role)); err != nil {
		return Account{}, "", err
	}
	if name == "" || utf8.RuneCountInString(name) > MaxName || !printable(name) {
		return Account{}, "", fmt.Errorf("%w: name must be 1-%d printable characters", ErrInvalid, MaxName)
	}
	switch {
	case role == Officer && (area == "" || utf8.RuneCountInString(area) > MaxArea || !printable(area)):
		return Account{}, "", fmt.Errorf("%w: an officer needs an area of 1-%d printable characters", ErrInvalid, MaxArea)
	case role != Officer && area != "":
		return Account{}, "", fmt.Errorf("%w: only officers have an area", ErrInvalid)
	}
	all, err := s.List(ctx)
	if err != nil {
		return Account{}, "", err
	}
	for _, a := range all {
		if a.Role == role && SameArea(a.Name, name) {
			return Account{}, "", fmt.Errorf("%w: %s %q (%s)", ErrNameInUse, role, a.Name, a.ID)
		}
	}
	token := TokenPrefix + random(32)
	now := s.now().UTC().Truncate(time.Second)
	a := stored{
		Account:   Account{Name: name, Role: role, Area: area, Created: now, Issued: now},
		TokenHash: hash(token),
	}
	for range 10 {
		a.ID = random(8)
		data, err := json.Marshal(a)
		if err != nil {
			return Account{}, "", err
		}
		added, err := createScript.Run(ctx, s.rdb, []string{s.key("acct"), s.key("token")}, a.ID, data, a.TokenHash).Int()
		if err != nil {
			return Account{}, "", fmt.Errorf("create account: %w", err)
		}
		if added == 1 {
			return a.Account, token, nil
		}
	}
	return Account{}, "", errNoFreeID
}

// createScript stores an account under a fresh id and its token's hash,
// both or neither; 0 means the id is taken. KEYS: acct, token (one slot).
var createScript = redis.NewScript(`
if redis.call("HSETNX", KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call("HSET", KEYS[2], ARGV[3], ARGV[1])
return 1`)

// Get returns the account with id.
func (s *Store) Get(ctx context.Context, id string) (Account, error) {
	a, err := s.get(ctx, id)
	return a.Account, err
}

func (s *Store) get(ctx context.Context, id string) (stored, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if id == "" {
		return stored{}, ErrNotFound
	}
	var a stored
	if err := store.ReadJSON(s.rdb.HGet(ctx, s.key("acct"), id), &a, "account "+id, ErrNotFound); err != nil {
		return stored{}, err
	}
	return a, nil
}

// List returns every account, oldest first (then by id). Pass roles to list
// only those.
func (s *Store) List(ctx context.Context, roles ...Role) ([]Account, error) {
	m, err := s.rdb.HGetAll(ctx, s.key("acct")).Result()
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out := make([]Account, 0, len(m))
	for _, data := range m {
		var a stored
		if json.Unmarshal([]byte(data), &a) != nil {
			continue
		}
		if len(roles) > 0 && !hasRole(roles, a.Role) {
			continue
		}
		out = append(out, a.Account)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func hasRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// Find returns the account named by ref: its id, or its name (compared
// without case or accents) when exactly one account of the given roles (any
// role when none) has it.
func (s *Store) Find(ctx context.Context, ref string, roles ...Role) (Account, error) {
	if a, err := s.Get(ctx, ref); err == nil && (len(roles) == 0 || hasRole(roles, a.Role)) {
		return a, nil
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return Account{}, err
	}
	all, err := s.List(ctx, roles...)
	if err != nil {
		return Account{}, err
	}
	var found []Account
	for _, a := range all {
		if SameArea(a.Name, ref) {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return Account{}, ErrNotFound
	case 1:
		return found[0], nil
	}
	return Account{}, fmt.Errorf("%w: %d accounts are named %q; give the id", ErrInvalid, len(found), ref)
}

// Remove deletes the account with id, its token and its sessions.
func (s *Store) Remove(ctx context.Context, id string) error {
	a, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	sess, err := s.rdb.SMembers(ctx, s.key("sessof", a.ID)).Result()
	if err != nil {
		return fmt.Errorf("remove account %s: %w", a.ID, err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, s.key("acct"), a.ID)
		p.HDel(ctx, s.key("token"), a.TokenHash)
		s.keepRevoked(ctx, p, a)
		s.endSessions(ctx, p, a.ID, sess)
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove account %s: %w", a.ID, err)
	}
	return nil
}

// keepRevoked queues a note of a's token, now replaced or withdrawn, for
// a link life: a script or bookmark still holding it is told so and not
// counted as guessing (seventh probe, V7). Only the token's hash is kept.
func (s *Store) keepRevoked(ctx context.Context, p redis.Pipeliner, a stored) {
	if a.TokenHash != "" {
		p.Set(ctx, s.key("old", a.TokenHash), a.ID, s.life)
	}
}

// endSessions queues the deletion of the sessions sess of account id.
func (s *Store) endSessions(ctx context.Context, p redis.Pipeliner, id string, sess []string) {
	for _, h := range sess {
		p.Del(ctx, s.key("s", h))
	}
	p.Del(ctx, s.key("sessof", id))
}

// NewToken makes the account with id a new personal token, for a new
// sign-in link, and returns the account and the token, which is shown once
// and never stored. The old token stops working, and the account's
// sessions end: a link is renewed when the old one expired or was lost.
func (s *Store) NewToken(ctx context.Context, id string) (Account, string, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return Account{}, "", err
	}
	token := TokenPrefix + random(32)
	n := a
	n.Issued = s.now().UTC().Truncate(time.Second)
	n.TokenHash = hash(token)
	swapped, err := s.swap(ctx, a, n)
	if err != nil {
		return Account{}, "", fmt.Errorf("new token for %s: %w", a.ID, err)
	}
	if !swapped {
		return Account{}, "", fmt.Errorf("new token for %s: the account changed meanwhile; try again", a.ID)
	}
	// The old token no longer signs in: the sessions it started are all
	// listed now.
	sess, err := s.rdb.SMembers(ctx, s.key("sessof", a.ID)).Result()
	if err == nil {
		_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			s.keepRevoked(ctx, p, a)
			s.endSessions(ctx, p, a.ID, sess)
			return nil
		})
	}
	if err != nil {
		return Account{}, "", fmt.Errorf("new token for %s: end the old sessions: %w", a.ID, err)
	}
	return n.Account, token, nil
}

// newTokenScript replaces an account (and its token) if the account is still as
// read: 0 when it changed or is gone. KEYS: acct, token (one slot). ARGV:
// id, the account as read, the account with its new token, the old token's
// hash, the new one's.
var newTokenScript = redis.NewScript(`
if redis.call("HGET", KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[3])
redis.call("HDEL", KEYS[2], ARGV[4])
redis.call("HSET", KEYS[2], ARGV[5], ARGV[1])
return 1`)

// Authenticate returns the account whose personal token is token, or
// ErrBadToken, or ErrExpired when the token is older than the link life,
// or ErrRevoked when a new link replaced it or its account was removed
// (within a link life of that).
// Callers must limit attempts per client (the admin pages count wrong
// tokens like wrong ADMIN_TOKENs).
func (s *Store) Authenticate(ctx context.Context, token string) (Account, error) {
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 200 {
		return Account{}, ErrBadToken
	}
	h := hash(token)
	a, err := s.accountOf(ctx, s.rdb.HGet(ctx, s.key("token"), h), "check token", ErrBadToken)
	if errors.Is(err, ErrBadToken) {
		if n, xerr := s.rdb.Exists(ctx, s.key("old", h)).Result(); xerr == nil && n > 0 {
			return Account{}, ErrRevoked
		}
	}
	if err != nil {
		return Account{}, err
	}
	if a.Issued.IsZero() {
		return s.stampIssued(ctx, a.ID)
	}
	if !s.now().Before(s.Expires(a)) {
		return Account{}, ErrExpired
	}
	return a, nil
}

// stampIssued starts the link life of the account with id, made before
// links expired, at its first use since. The token stays.
func (s *Store) stampIssued(ctx context.Context, id string) (Account, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return Account{}, err
	}
	n := a
	n.Issued = s.now().UTC().Truncate(time.Second)
	// Not swapped: another replica stamped it a moment ago, as good.
	if _, err := s.swap(ctx, a, n); err != nil {
		return Account{}, fmt.Errorf("start the link life of %s: %w", a.ID, err)
	}
	return n.Account, nil
}

// swap stores n, with its token, in place of the account a if a is still
// as read, and reports whether it did.
func (s *Store) swap(ctx context.Context, a, n stored) (bool, error) {
	old, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	data, err := json.Marshal(n)
	if err != nil {
		return false, err
	}
	swapped, err := newTokenScript.Run(ctx, s.rdb, []string{s.key("acct"), s.key("token")}, a.ID, old, data, a.TokenHash, n.TokenHash).Int()
	return swapped == 1, err
}

// accountOf returns the account whose id cmd read (a token's or a
// session's), or missing when there is none or the account was removed.
func (s *Store) accountOf(ctx context.Context, cmd *redis.StringCmd, what string, missing error) (Account, error) {
	id, err := cmd.Result()
	if errors.Is(err, redis.Nil) {
		return Account{}, missing
	}
	if err != nil {
		return Account{}, fmt.Errorf("%s: %w", what, err)
	}
	a, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Account{}, missing
	}
	return a, err
}

// SignIn authenticates token and starts a session of ttl
// (DefaultSessionTTL when 0). It returns the account and the session id
// for the caller's cookie; only the id's hash is kept in Redis.
func (s *Store) SignIn(ctx context.Context, token string, ttl time.Duration) (Account, string, error) {
	a, err := s.Authenticate(ctx, token)
	if err != nil {
		return Account{}, "", err
	}
	sid, err := s.StartSession(ctx, a.ID, ttl)
	if err != nil {
		return Account{}, "", err
	}
	return a, sid, nil
}

// StartSession starts a session of ttl (DefaultSessionTTL when 0) for the
// account id and returns its id.
func (s *Store) StartSession(ctx context.Context, id string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	sid := random(32)
	h := hash(sid)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key("s", h), id, ttl)
		p.SAdd(ctx, s.key("sessof", id), h)
		p.Expire(ctx, s.key("sessof", id), ttl+time.Hour)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("start session: %w", err)
	}
	return sid, nil
}

// Session returns the account of a live session, or ErrNoSession when the
// session expired, was ended, or its account was removed.
func (s *Store) Session(ctx context.Context, sid string) (Account, error) {
	if sid == "" || len(sid) > 200 {
		return Account{}, ErrNoSession
	}
	return s.accountOf(ctx, s.rdb.Get(ctx, s.key("s", hash(sid))), "read session", ErrNoSession)
}

// EndSession deletes the session sid (sign-out). Ending a session that does
// not exist is not an error.
func (s *Store) EndSession(ctx context.Context, sid string) error {
	if sid == "" {
		return nil
	}
	h := hash(sid)
	id, err := s.rdb.Get(ctx, s.key("s", h)).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.key("s", h))
		p.SRem(ctx, s.key("sessof", id), h)
		return nil
	})
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// hash is the hex SHA-256 of a secret. Tokens and session ids are 160+
// random bits, so a fast hash is enough: nobody can try them all.
func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

var enc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// random returns n lower-case base32 characters (5 random bits each).
func random(n int) string {
	b := make([]byte, (n*5+7)/8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return enc.EncodeToString(b)[:n]
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return false
		}
	}
	return utf8.ValidString(s)
}

// SignInPath is the page where a person signs in with their token.
const SignInPath = "/admin/signin"

// SignInLink is the personal sign-in link for token: base (PUBLIC_URL)
// followed by SignInPath, with the token in the fragment, which browsers
// never send to a server or in a Referer, so it stays out of access logs.
// The page moves it into its sign-in form. base may be empty (the path is
// returned then).
func SignInLink(base, token string) string {
	return strings.TrimRight(base, "/") + SignInPath + "#" + token
}
