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

// TestLeaseHolderLabel: a labelled lease tells who holds it, and only its
// owner can release it (the label is no key to it).
func TestLeaseHolderLabel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		key := st.Key("test", "publishing")
		lan, minh := st.NewLeaseFor(key, "Lan", time.Minute), st.NewLeaseFor(key, "Minh", time.Minute)
		if who, err := minh.Holder(ctx); who != "" || err != nil {
			t.Fatalf("holder of a free lease = %q, %v", who, err)
		}
		if ok, err := lan.Acquire(ctx); !ok || err != nil {
			t.Fatalf("acquire = %v, %v", ok, err)
		}
		if ok, _ := minh.Acquire(ctx); ok {
			t.Fatal("a second publisher took a held lease")
		}
		if who, err := minh.Holder(ctx); who != "Lan" || err != nil {
			t.Fatalf("holder = %q, %v; want Lan", who, err)
		}
		if err := st.NewLeaseFor(key, "Lan", time.Minute).Release(ctx); err != nil {
			t.Fatal(err)
		}
		if who, _ := minh.Holder(ctx); who != "Lan" {
			t.Fatal("another lease with the same label released it")
		}
		if err := lan.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if who, _ := minh.Holder(ctx); who != "" {
			t.Fatalf("holder after release = %q", who)
		}
	})
}
