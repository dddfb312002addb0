package accounts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func TestCreateAuthenticateSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
		s := accounts.New(st, func() time.Time { return now })

		ed, edTok, err := s.Create(ctx, " Lan ", accounts.Editor, "")
		if err != nil {
			t.Fatal(err)
		}
		if ed.Name != "Lan" || ed.Role != accounts.Editor || ed.ID == "" || !ed.Created.Equal(now) {
			t.Fatalf("editor = %+v", ed)
		}
		if !strings.HasPrefix(edTok, accounts.TokenPrefix) || len(edTok) != len(accounts.TokenPrefix)+32 { // 160 random bits
			t.Fatalf("token %q is too short or unmarked", edTok)
		}
		pub, pubTok, err := s.Create(ctx, "Minh", accounts.Publisher, "")
		if err != nil {
			t.Fatal(err)
		}
		off, _, err := s.Create(ctx, "Hà", accounts.Officer, "Phường Bến Nghé")
		if err != nil {
			t.Fatal(err)
		}
		if edTok == pubTok {
			t.Fatal("two accounts got the same token")
		}

		// The token is never stored, only its hash.
		if dump := storetest.Dump(t, st.Client(), st.Key("*")); strings.Contains(dump, edTok) || strings.Contains(dump, pubTok) {
			t.Fatalf("a token is stored in Redis:\n%s", dump)
		}
		// Every key shares the {accounts} hash tag (one cluster slot).
		sid, err := s.StartSession(ctx, off.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(storetest.Dump(t, st.Client(), st.Key("*"))), "\n") {
			if !strings.HasPrefix(line, st.Key("{accounts}")+":") {
				t.Errorf("key outside the {accounts} hash tag: %s", line)
			}
		}

		got, err := s.Authenticate(ctx, " "+edTok+"\n")
		if err != nil || got.ID != ed.ID {
			t.Fatalf("Authenticate(editor token) = %+v, %v", got, err)
		}
		for _, bad := range []string{"", "vna_", edTok + "x", strings.TrimPrefix(edTok, accounts.TokenPrefix), strings.ToUpper(edTok)} {
			if _, err := s.Authenticate(ctx, bad); !errors.Is(err, accounts.ErrBadToken) {
				t.Errorf("Authenticate(%q) = %v, want ErrBadToken", bad, err)
			}
		}

		a, psid, err := s.SignIn(ctx, pubTok, time.Hour)
		if err != nil || a.ID != pub.ID || psid == "" {
			t.Fatalf("SignIn = %+v, %q, %v", a, psid, err)
		}
		if dump := storetest.Dump(t, st.Client(), st.Key("*")); strings.Contains(dump, psid) {
			t.Fatal("a session id is stored in clear")
		}
		if a, err := s.Session(ctx, psid); err != nil || a.ID != pub.ID || !a.CanPublish() {
			t.Fatalf("Session = %+v, %v", a, err)
		}
		if _, err := s.Session(ctx, psid+"x"); !errors.Is(err, accounts.ErrNoSession) {
			t.Fatalf("unknown session: %v", err)
		}
		if err := s.EndSession(ctx, psid); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, psid); !errors.Is(err, accounts.ErrNoSession) {
			t.Fatalf("session after sign-out: %v", err)
		}
		if err := s.EndSession(ctx, psid); err != nil {
			t.Fatalf("ending an ended session: %v", err)
		}

		// Removing an account ends its sessions and kills its token.
		if a, err := s.Session(ctx, sid); err != nil || a.ID != off.ID {
			t.Fatalf("officer session = %+v, %v", a, err)
		}
		if err := s.Remove(ctx, off.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, sid); !errors.Is(err, accounts.ErrNoSession) {
			t.Fatalf("session of a removed account: %v", err)
		}
		if err := s.Remove(ctx, off.ID); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("removing twice: %v", err)
		}
		if err := s.Remove(ctx, ed.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, edTok); !errors.Is(err, accounts.ErrRevoked) {
			t.Fatalf("token of a removed account: %v, want ErrRevoked", err)
		}
		list, err := s.List(ctx)
		if err != nil || len(list) != 1 || list[0].ID != pub.ID {
			t.Fatalf("List = %+v, %v", list, err)
		}
	})
}

func TestSessionExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := accounts.New(st, nil)
		a, _, err := s.Create(ctx, "Lan", accounts.Editor, "")
		if err != nil {
			t.Fatal(err)
		}
		sid, err := s.StartSession(ctx, a.ID, 90*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		// The session's key carries the TTL asked for.
		keys := storetest.Keys(t, st.Client(), st.AccountsKey("s", "*"))
		if len(keys) != 1 {
			t.Fatalf("session keys = %v", keys)
		}
		if ttl := st.Client().TTL(ctx, keys[0]).Val(); ttl <= 80*time.Minute || ttl > 90*time.Minute {
			t.Fatalf("session TTL = %v, want about 90m", ttl)
		}
		st.Client().Del(ctx, keys[0]) // what expiry does
		if _, err := s.Session(ctx, sid); !errors.Is(err, accounts.ErrNoSession) {
			t.Fatalf("expired session: %v", err)
		}
	})
}

func TestCreateRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := accounts.New(st, nil)
		if _, _, err := s.Create(ctx, "Lan", accounts.Editor, ""); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, area string
			role       accounts.Role
			want       error
		}{
			{"", "", accounts.Editor, accounts.ErrInvalid},
			{strings.Repeat("a", accounts.MaxName+1), "", accounts.Editor, accounts.ErrInvalid},
			{"a\x1bb", "", accounts.Editor, accounts.ErrInvalid},
			{"Lan", "", "admin", accounts.ErrInvalid},
			{"Hà", "", accounts.Officer, accounts.ErrInvalid},       // officer without area
			{"Hà", "Xã A", accounts.Publisher, accounts.ErrInvalid}, // area on a publisher
			{"lân", "", accounts.Editor, accounts.ErrNameInUse},     // same name, folded
		} {
			if _, _, err := s.Create(ctx, c.name, c.role, c.area); !errors.Is(err, c.want) {
				t.Errorf("Create(%q, %q, %q) = %v, want %v", c.name, c.role, c.area, err, c.want)
			}
		}
		// The same name in another role is another person's account.
		if _, _, err := s.Create(ctx, "Lan", accounts.Publisher, ""); err != nil {
			t.Fatalf("same name, other role: %v", err)
		}
	})
}

func TestFind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := accounts.New(st, nil)
		ed, _, _ := s.Create(ctx, "Nguyễn Lan", accounts.Editor, "")
		off, _, _ := s.Create(ctx, "Nguyễn Lan", accounts.Officer, "Xã An Phú")
		if a, err := s.Find(ctx, "nguyen lan", accounts.Editor, accounts.Publisher); err != nil || a.ID != ed.ID {
			t.Fatalf("Find by name among operators = %+v, %v", a, err)
		}
		if a, err := s.Find(ctx, off.ID, accounts.Officer); err != nil || a.ID != off.ID {
			t.Fatalf("Find by id = %+v, %v", a, err)
		}
		if _, err := s.Find(ctx, off.ID, accounts.Editor); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("an officer found among editors: %v", err)
		}
		if _, err := s.Find(ctx, "Nguyễn Lan"); !errors.Is(err, accounts.ErrInvalid) {
			t.Fatalf("ambiguous name: %v", err)
		}
		if _, err := s.Find(ctx, "nobody"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("unknown name: %v", err)
		}
	})
}

func TestRoles(t *testing.T) {
	ed := accounts.Account{Role: accounts.Editor}
	pub := accounts.Account{Role: accounts.Publisher}
	off := accounts.Account{Role: accounts.Officer, Area: "Phường Bến Nghé"}
	if !ed.CanEdit() || ed.CanPublish() || ed.IsOfficer() {
		t.Error("editor: edits, does not publish")
	}
	if !pub.CanEdit() || !pub.CanPublish() || pub.IsOfficer() {
		t.Error("publisher: edits and publishes")
	}
	if off.CanEdit() || off.CanPublish() || !off.IsOfficer() {
		t.Error("officer: neither edits nor publishes")
	}
	if !off.InArea("phuong  ben nghe") || off.InArea("Phường Bến Thành") || off.InArea("") || pub.InArea("Phường Bến Nghé") {
		t.Error("InArea compares folded areas, and only for officers")
	}
	for in, want := range map[string]accounts.Role{"editor": accounts.Editor, " Publisher ": accounts.Publisher, "officer": accounts.Officer} {
		if r, err := accounts.ParseRole(in); err != nil || r != want {
			t.Errorf("ParseRole(%q) = %q, %v", in, r, err)
		}
	}
	if _, err := accounts.ParseRole("admin"); !errors.Is(err, accounts.ErrInvalid) {
		t.Errorf("ParseRole(admin) = %v", err)
	}
}

// TestSignInLinksExpire is security review R11: a token, and so the
// sign-in link that carries it, works for the link life after it was made
// and then is refused as expired, while the account stays; NewToken makes
// the account a new one, which works again, and kills the old token and
// the sessions. Accounts made before links expired count from their first
// use since.
func TestSignInLinksExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := clocktest.New(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
		s := accounts.New(st, clk.Now).SetLinkLife(48 * time.Hour)
		a, tok, err := s.Create(ctx, "Hà", accounts.Officer, "Phường Bến Nghé")
		if err != nil {
			t.Fatal(err)
		}
		if want := clk.Now().Add(48 * time.Hour); !s.Expires(a).Equal(want) {
			t.Fatalf("Expires = %v, want %v", s.Expires(a), want)
		}
		clk.Add(48*time.Hour - time.Second)
		_, sid, err := s.SignIn(ctx, tok, 0)
		if err != nil {
			t.Fatalf("sign in within the link's life: %v", err)
		}
		clk.Add(time.Second)
		if _, _, err := s.SignIn(ctx, tok, 0); !errors.Is(err, accounts.ErrExpired) {
			t.Fatalf("sign in once the link expired: %v, want ErrExpired", err)
		}
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, accounts.ErrExpired) {
			t.Fatalf("an expired token as a Bearer token: %v, want ErrExpired", err)
		}
		if _, err := s.Session(ctx, sid); err != nil {
			t.Fatalf("a session started in time lasts its own life: %v", err)
		}

		b, tok2, err := s.NewToken(ctx, a.ID)
		if err != nil || b.ID != a.ID || tok2 == tok || !b.Issued.Equal(clk.Now()) {
			t.Fatalf("NewToken = %+v, %v", b, err)
		}
		if _, err := s.Session(ctx, sid); !errors.Is(err, accounts.ErrNoSession) {
			t.Fatalf("a new link must end the old sessions: %v", err)
		}
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, accounts.ErrRevoked) {
			t.Fatalf("the old token after a new link: %v, want ErrRevoked", err)
		}
		if got, err := s.Authenticate(ctx, tok2); err != nil || got.ID != a.ID || got.Area != "Phường Bến Nghé" {
			t.Fatalf("the new token: %+v, %v", got, err)
		}
		clk.Add(48 * time.Hour)
		if _, err := s.Authenticate(ctx, tok2); !errors.Is(err, accounts.ErrExpired) {
			t.Fatalf("the new token past its life: %v, want ErrExpired", err)
		}

		// An account stored before links expired has no issue time: its
		// token's life starts at its first use since, however old the
		// account, so that an upgrade signs nobody out.
		if !s.Expires(accounts.Account{Created: clk.Now()}).IsZero() {
			t.Fatal("Expires(no issue time) is not zero")
		}
		legacy := `{"id":"legacy1","name":"Cũ","role":"officer","area":"Xã Cũ","created":"2025-01-02T03:04:05Z","token_sha256":"` + sha256hex("vna_legacytoken") + `"}`
		rdb := st.Client()
		if err := rdb.HSet(ctx, st.AccountsKey("acct"), "legacy1", legacy).Err(); err != nil {
			t.Fatal(err)
		}
		if err := rdb.HSet(ctx, st.AccountsKey("token"), sha256hex("vna_legacytoken"), "legacy1").Err(); err != nil {
			t.Fatal(err)
		}
		first := clk.Now()
		if got, err := s.Authenticate(ctx, "vna_legacytoken"); err != nil || got.ID != "legacy1" || !got.Issued.Equal(first) {
			t.Fatalf("a legacy token's first use: %+v, %v; want it working, its life from now", got, err)
		}
		clk.Add(47 * time.Hour)
		if _, err := s.Authenticate(ctx, "vna_legacytoken"); err != nil {
			t.Fatalf("a legacy token within its life: %v", err)
		}
		clk.Add(time.Hour)
		if _, err := s.Authenticate(ctx, "vna_legacytoken"); !errors.Is(err, accounts.ErrExpired) {
			t.Fatalf("a legacy token past its life from its first use: %v, want ErrExpired", err)
		}
		if _, _, err := s.NewToken(ctx, "nosuchid"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("NewToken of nobody: %v", err)
		}
	})
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
