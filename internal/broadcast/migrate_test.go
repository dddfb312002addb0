package broadcast

import (
	"context"
	"fmt"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestJobOfTheOldKeysIsMoved: a job stored before a job's keys shared its
// cluster slot (bc:<id>…) still reads and runs: its keys move to
// bc:{<id>}… and every recipient gets the message once.
func TestJobOfTheOldKeysIsMoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		tw := newTown(t, st)
		ctx := context.Background()
		for i := range 3 {
			tw.user(t, fmt.Sprint("tg:", 500+i), "")
		}
		b := tw.broadcaster(Options{})
		job, err := b.Create(ctx, Message{Text: "Thông báo"}, Segment{Kind: "all"})
		if err != nil {
			t.Fatal(err)
		}
		// Put the job where an older version kept it.
		for _, parts := range [][]string{nil, {"q", "tg"}, {"st"}} {
			if err := st.MoveKey(ctx, st.BroadcastKey(job.ID, parts...), st.OldBroadcastKey(job.ID, parts...)); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(storetest.Keys(t, st.Client(), st.BroadcastKey(job.ID)+"*")); n != 0 {
			t.Fatalf("%d new keys left after moving the job back", n)
		}

		s, err := b.Status(ctx, job.ID)
		if err != nil || s.Channels["tg"].Recipients != 3 {
			t.Fatalf("status of the old job = %+v, %v", s, err)
		}
		s, err = b.Run(ctx, job.ID, RunOptions{})
		if err != nil || !s.Done || tw.tg.total() != 3 {
			t.Fatalf("run of the old job: %+v, %v; %d sent", s, err, tw.tg.total())
		}
		if old := storetest.Keys(t, st.Client(), st.OldBroadcastKey(job.ID)+"*"); len(old) != 0 {
			t.Fatalf("old keys left: %v", old)
		}
	})
}
