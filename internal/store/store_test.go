package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func TestSessionRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		snap, err := st.LoadSession(ctx, "web:u1", "")
		if err != nil || snap.Version != 0 || snap.Data != nil {
			t.Fatalf("new session = %+v, %v; want empty, version 0", snap, err)
		}
		saved, err := st.SaveSession(ctx, store.Commit{Chat: "web:u1", Data: []byte(`{"f":"install"}`), MsgID: "m1"})
		if err != nil || saved.Version != 1 {
			t.Fatalf("first save = %+v, %v; want version 1", saved, err)
		}
		snap, err = st.LoadSession(ctx, "web:u1", "m1")
		if err != nil {
			t.Fatal(err)
		}
		if string(snap.Data) != `{"f":"install"}` || snap.Version != 1 || !snap.Duplicate {
			t.Fatalf("loaded %+v; want the saved data, version 1, duplicate m1", snap)
		}
	})
}

func TestSaveConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.SaveSession(ctx, store.Commit{Chat: "tg:1", Data: []byte("a")}); err != nil {
			t.Fatal(err)
		}
		// A second writer that loaded version 0 too must not overwrite.
		if _, err := st.SaveSession(ctx, store.Commit{Chat: "tg:1", Data: []byte("b")}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale save: err = %v, want ErrConflict", err)
		}
		snap, _ := st.LoadSession(ctx, "tg:1", "")
		if string(snap.Data) != "a" {
			t.Fatalf("data = %q, want the first writer's", snap.Data)
		}
	})
}

func TestSaveDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.SaveSession(ctx, store.Commit{Chat: "zalo:9", Data: []byte("a"), MsgID: "msg-1"}); err != nil {
			t.Fatal(err)
		}
		_, err := st.SaveSession(ctx, store.Commit{Chat: "zalo:9", Version: 1, Data: []byte("b"), MsgID: "msg-1"})
		if !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("second save of msg-1: err = %v, want ErrDuplicate", err)
		}
		snap, _ := st.LoadSession(ctx, "zalo:9", "")
		if string(snap.Data) != "a" || snap.Version != 1 {
			t.Fatalf("duplicate changed the session: %+v", snap)
		}
	})
}

func TestSessionExpires(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{SessionTTL: time.Hour, DedupTTL: 2 * time.Hour})
	if _, err := st.SaveSession(ctx, store.Commit{Chat: "web:x", Data: []byte("a"), MsgID: "m"}); err != nil {
		t.Fatal(err)
	}
	st.FastForward(61 * time.Minute)
	snap, _ := st.LoadSession(ctx, "web:x", "m")
	if snap.Data != nil || snap.Version != 0 {
		t.Fatalf("session after its TTL = %+v, want gone", snap)
	}
	if !snap.Duplicate {
		t.Fatal("dedup mark expired before its own TTL")
	}
	st.FastForward(time.Hour)
	if snap, _ := st.LoadSession(ctx, "web:x", "m"); snap.Duplicate {
		t.Fatal("dedup mark outlived its TTL")
	}
}

func TestKeysShareSlotPerChat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.SaveSession(ctx, store.Commit{Chat: "tg:42", Data: []byte("a"), MsgID: "m7", Replies: []byte("r")}); err != nil {
			t.Fatal(err)
		}
		keys := storetest.Keys(t, st.Client(), st.Key("*"))
		if len(keys) != 3 {
			t.Fatalf("keys = %v, want a session key, a dedup key and an outbox", keys)
		}
		for _, k := range keys {
			if !strings.Contains(k, "{tg:42}") {
				t.Errorf("key %q lacks the {tg:42} hash tag", k)
			}
		}
	})
}

func TestOpenBadURL(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{URL: "redis://127.0.0.1:1/0"})
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
}

func TestOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		saved, err := st.SaveSession(ctx, store.Commit{Chat: "tg:5", Data: []byte("a"), MsgID: "u1", Replies: []byte(`[{"Text":"hi"}]`), Pending: true})
		if err != nil || saved.EntryID == "" {
			t.Fatalf("save: %+v %v", saved, err)
		}
		out, err := st.Outbox(ctx, "tg:5")
		if err != nil || len(out) != 1 || out[0].MsgID != "u1" || string(out[0].Replies) != `[{"Text":"hi"}]` {
			t.Fatalf("outbox = %+v, %v", out, err)
		}
		pending, err := st.PendingOlder(ctx, -time.Minute, 10)
		if err != nil || len(pending) != 1 || pending[0] != (store.Pending{Chat: "tg:5", MsgID: "u1"}) {
			t.Fatalf("pending = %+v, %v", pending, err)
		}
		if err := st.Ack(ctx, "tg:5", "u1", saved.EntryID, nil); err != nil {
			t.Fatal(err)
		}
		out, _ = st.Outbox(ctx, "tg:5")
		pending, _ = st.PendingOlder(ctx, -time.Minute, 10)
		if len(out) != 0 || len(pending) != 0 {
			t.Fatalf("after ack: outbox %v, pending %v", out, pending)
		}
	})
}

func TestLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		unlock, ok, err := st.Lock(ctx, "tg:1", time.Minute)
		if err != nil || !ok {
			t.Fatalf("first lock: %v %v", ok, err)
		}
		if _, ok, _ := st.Lock(ctx, "tg:1", time.Minute); ok {
			t.Fatal("second lock taken while the first is held")
		}
		unlock()
		if _, ok, _ := st.Lock(ctx, "tg:1", time.Minute); !ok {
			t.Fatal("lock not free after unlock")
		}
	})
}

// TestScriptsSurviveRedisRestart: a Redis that lost its script cache (a
// restart) must not break saving.
func TestScriptsSurviveRedisRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.Client().ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SaveSession(ctx, store.Commit{Chat: "web:r", Data: []byte("a")}); err != nil {
			t.Fatalf("save after SCRIPT FLUSH: %v", err)
		}
	})
}

// TestCommitTTL: a commit may keep its session a shorter time than
// SessionTTL (a greeting-only conversation), and its dedup mark then lives
// no longer; the next commit without TTL restores SessionTTL.
func TestCommitTTL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.SaveSession(ctx, store.Commit{Chat: "web:g", Data: []byte("a"), MsgID: "m1", TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
		rdb := st.Client()
		for _, key := range []string{st.Key("{web:g}", "s"), st.Key("{web:g}", "m:m1")} {
			if ttl := rdb.TTL(ctx, key).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
				t.Errorf("TTL of %s = %v, want 1h", key, ttl)
			}
		}
		if _, err := st.SaveSession(ctx, store.Commit{Chat: "web:g", Version: 1, Data: []byte("b"), MsgID: "m2"}); err != nil {
			t.Fatal(err)
		}
		if ttl := rdb.TTL(ctx, st.Key("{web:g}", "s")).Val(); ttl <= 719*time.Hour {
			t.Errorf("TTL after a normal save = %v, want SessionTTL (720h)", ttl)
		}
		if ttl := rdb.TTL(ctx, st.Key("{web:g}", "m:m2")).Val(); ttl <= 47*time.Hour {
			t.Errorf("dedup TTL after a normal save = %v, want 48h", ttl)
		}
	})
}

// TestOpenMovesRenamedKeys: a volunteer registry written under the old,
// untagged keys is found under the new {vol} keys after Open, with its old
// keys gone, on a real Redis (an in-process Redis holds no old data).
func TestOpenMovesRenamedKeys(t *testing.T) {
	for _, b := range storetest.Backends() {
		if b.URL == "" {
			continue
		}
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			old := storetest.Open(t, b, store.Options{})
			rdb := old.Client()
			rdb.HSet(ctx, old.Key("vol", "code"), "abc", `{"code":"abc"}`)
			rdb.ZAdd(ctx, old.Key("vol", "list"), redis.Z{Score: 7, Member: "abc"})
			rdb.HSet(ctx, old.VolunteerKey("chat"), "tg:1", "new")
			rdb.HSet(ctx, old.Key("vol", "chat"), "tg:1", "old")

			prefix, _, _ := strings.Cut(old.Key(), ":")
			st, err := store.Open(ctx, store.Options{URL: b.URL, Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if v := rdb.HGet(ctx, st.VolunteerKey("code"), "abc").Val(); v != `{"code":"abc"}` {
				t.Errorf("moved code = %q", v)
			}
			if z := rdb.ZScore(ctx, st.VolunteerKey("list"), "abc").Val(); z != 7 {
				t.Errorf("moved list score = %v", z)
			}
			if n := rdb.Exists(ctx, st.Key("vol", "code")).Val() + rdb.Exists(ctx, st.Key("vol", "list")).Val(); n != 0 {
				t.Errorf("%d old keys left", n)
			}
			if v := rdb.HGet(ctx, st.VolunteerKey("chat"), "tg:1").Val(); v != "new" {
				t.Errorf("an existing new key was overwritten: %q", v)
			}
		})
	}
}

// TestInlineKeepsRepliesWithTheMark: an Inline save keeps the replies as
// the dedup mark's value for Keep, with no outbox entry, and still refuses
// the same message twice.
func TestInlineKeepsRepliesWithTheMark(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		saved, err := st.SaveSession(ctx, store.Commit{Chat: "web:i", Data: []byte("a"), MsgID: "m1", Replies: []byte(`[{"t":"xin chào"}]`), Keep: 5 * time.Minute, Inline: true})
		if err != nil {
			t.Fatal(err)
		}
		if saved.EntryID != "" {
			t.Errorf("an inline save made outbox entry %q", saved.EntryID)
		}
		if out, err := st.Outbox(ctx, "web:i"); err != nil || len(out) != 0 {
			t.Errorf("outbox = %v, %v; want empty", out, err)
		}
		if got, err := st.Kept(ctx, "web:i", "m1"); err != nil || string(got) != `[{"t":"xin chào"}]` {
			t.Errorf("Kept = %q, %v; want the replies", got, err)
		}
		if snap, _ := st.LoadSession(ctx, "web:i", "m1"); !snap.Duplicate {
			t.Error("the message is not marked handled")
		}
		if _, err := st.SaveSession(ctx, store.Commit{Chat: "web:i", Version: 1, Data: []byte("b"), MsgID: "m1", Replies: []byte(`[]`), Keep: 5 * time.Minute, Inline: true}); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("second save of m1: %v, want ErrDuplicate", err)
		}
		// a save without replies leaves a plain mark, and Kept has nothing
		if _, err := st.SaveSession(ctx, store.Commit{Chat: "web:i", Version: 1, Data: []byte("c"), MsgID: "m2", Keep: 5 * time.Minute, Inline: true}); err != nil {
			t.Fatal(err)
		}
		if got, err := st.Kept(ctx, "web:i", "m2"); err != nil || got != nil {
			t.Errorf("Kept(m2) = %q, %v; want nothing", got, err)
		}
		if snap, _ := st.LoadSession(ctx, "web:i", "m2"); !snap.Duplicate {
			t.Error("m2 is not marked handled")
		}
	})
}

// TestInlineRepliesExpireWithKeep: the kept replies, and with them the
// mark, last Keep, not the longer dedup TTL.
func TestInlineRepliesExpireWithKeep(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{DedupTTL: 24 * time.Hour})
	if _, err := st.SaveSession(ctx, store.Commit{Chat: "web:e", Data: []byte("a"), MsgID: "m", Replies: []byte(`[{"t":"a"}]`), Keep: 5 * time.Minute, Inline: true}); err != nil {
		t.Fatal(err)
	}
	st.FastForward(6 * time.Minute)
	if got, _ := st.Kept(ctx, "web:e", "m"); got != nil {
		t.Fatalf("replies kept past Keep: %q", got)
	}
}
