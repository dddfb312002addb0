package queue

import (
	"context"
	"errors"
	"testing"
)

func TestSpool(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"one", "two", "three"} {
		if err := s.Put([]byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	down := errors.New("redis down")
	var got []string
	add := func(_ context.Context, b []byte) error {
		if len(got) == 1 && down != nil {
			return down
		}
		got = append(got, string(b))
		return nil
	}
	if n, err := s.Replay(context.Background(), add); n != 1 || !errors.Is(err, down) {
		t.Fatalf("replay while Redis fails: %d, %v", n, err)
	}
	// A restarted process finds what is left.
	s, err = OpenSpool(dir)
	if err != nil || s.Len() != 2 {
		t.Fatalf("reopened spool holds %d, %v; want 2", s.Len(), err)
	}
	down = nil
	if n, err := s.Replay(context.Background(), add); n != 2 || err != nil {
		t.Fatalf("replay: %d, %v", n, err)
	}
	if len(got) != 3 || got[0] != "one" || got[1] != "two" || got[2] != "three" || s.Len() != 0 {
		t.Fatalf("replayed %v (left %d), want one, two, three in order", got, s.Len())
	}
	s.maxFiles = 1
	if err := s.Put([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put([]byte("b")); !errors.Is(err, ErrSpoolFull) {
		t.Fatalf("put into a full spool: %v", err)
	}
}
