package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

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
		v, err := st.SaveSession(ctx, "web:u1", 0, []byte(`{"f":"install"}`), "m1")
		if err != nil || v != 1 {
			t.Fatalf("first save = %d, %v; want 1, nil", v, err)
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
		if _, err := st.SaveSession(ctx, "tg:1", 0, []byte("a"), ""); err != nil {
			t.Fatal(err)
		}
		// A second writer that loaded version 0 too must not overwrite.
		if _, err := st.SaveSession(ctx, "tg:1", 0, []byte("b"), ""); !errors.Is(err, store.ErrConflict) {
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
		if _, err := st.SaveSession(ctx, "zalo:9", 0, []byte("a"), "msg-1"); err != nil {
			t.Fatal(err)
		}
		_, err := st.SaveSession(ctx, "zalo:9", 1, []byte("b"), "msg-1")
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
	if _, err := st.SaveSession(ctx, "web:x", 0, []byte("a"), "m"); err != nil {
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
		if _, err := st.SaveSession(ctx, "tg:42", 0, []byte("a"), "m7"); err != nil {
			t.Fatal(err)
		}
		keys, err := st.Client().Keys(ctx, st.Key("*")).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 {
			t.Fatalf("keys = %v, want a session key and a dedup key", keys)
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
