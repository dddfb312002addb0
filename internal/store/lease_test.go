package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func TestLeaseHasOneOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		key := st.Key("test", "lease")
		a, b := st.NewLease(key, time.Minute), st.NewLease(key, time.Minute)
		if ok, err := a.Acquire(ctx); !ok || err != nil {
			t.Fatalf("first acquire = %v, %v; want true", ok, err)
		}
		if ok, err := b.Acquire(ctx); ok || err != nil {
			t.Fatalf("second owner's acquire = %v, %v; want false while the first holds it", ok, err)
		}
		if ok, err := a.Acquire(ctx); !ok || err != nil {
			t.Fatalf("holder's acquire again = %v, %v; want true (extends)", ok, err)
		}
		if ok, err := b.Renew(ctx); ok || err != nil {
			t.Fatalf("non-holder renew = %v, %v; want false", ok, err)
		}
		if err := b.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := b.Acquire(ctx); ok {
			t.Fatal("a non-holder's release freed the lease")
		}
		if err := a.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := b.Acquire(ctx); !ok || err != nil {
			t.Fatalf("acquire after release = %v, %v; want true", ok, err)
		}
	})
}

func TestLeaseRunsOutWithoutRenewal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		key := st.Key("test", "short")
		a, b := st.NewLease(key, 50*time.Millisecond), st.NewLease(key, time.Minute)
		if ok, _ := a.Acquire(ctx); !ok {
			t.Fatal("acquire failed")
		}
		st.FastForward(100 * time.Millisecond)
		deadline := time.Now().Add(2 * time.Second)
		for {
			ok, err := b.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("an expired lease was never free for another owner")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if ok, _ := a.Renew(ctx); ok {
			t.Fatal("the first owner renewed a lease another now holds")
		}
	})
}

func TestBackoffStaysInBounds(t *testing.T) {
	for attempt := range 10 {
		want := min(time.Millisecond<<attempt, 32*time.Millisecond)
		for range 50 {
			d := store.Backoff(attempt, time.Millisecond, 32*time.Millisecond)
			if d < want/2 || d >= want/2+want {
				t.Fatalf("Backoff(%d) = %v; want within [%v, %v)", attempt, d, want/2, want/2+want)
			}
		}
	}
}
