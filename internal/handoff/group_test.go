package handoff_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// fullGroup is an operators group that refuses posts while full is set,
// as the Telegram limiter does when the group's backlog outlasts the
// caller (telegram.ErrNoSlot).
type fullGroup struct {
	mu    sync.Mutex
	full  bool
	posts []string
}

func (g *fullGroup) Post(ctx context.Context, text string, replyTo int64) (int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.full {
		return 0, errors.New("no slot before the deadline")
	}
	g.posts = append(g.posts, text)
	return int64(len(g.posts)), nil
}

func (g *fullGroup) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.posts)
}

// TestTicketPostedLaterWhenGroupFull: a ticket the operators group could
// not take at once is opened all the same (the citizen is not held), and
// posted once by a later round, on one replica only.
func TestTicketPostedLaterWhenGroupFull(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc, _ := newService(t, st, clocktest.New(monday10))
		other, _ := newService(t, st, clocktest.New(monday10)) // a second replica
		g := &fullGroup{full: true}
		svc.SetGroup(g)
		other.SetGroup(g)
		o, err := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:7", Area: "phuong ben nghe", Text: "gặp người thật"})
		if err != nil || o.ID == "" {
			t.Fatalf("Open with the group full: %+v, %v; want the ticket opened", o, err)
		}
		if err := svc.PostMissing(ctx); err != nil || g.count() != 0 {
			t.Fatalf("a round while the group is still full: %v, %d posts", err, g.count())
		}
		g.mu.Lock()
		g.full = false
		g.mu.Unlock()
		for _, s := range []interface{ PostMissing(context.Context) error }{svc, other, svc} {
			if err := s.PostMissing(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if g.count() != 1 {
			t.Fatalf("the missing ticket was posted %d times, want once", g.count())
		}
	})
}

// TestOneClientCannotTakeEveryTicket: one address opening tickets from
// chat after chat is pointed to the hotline after a few in an hour, and a
// citizen elsewhere still gets an officer (probe, third round: one address
// took the 30 tickets of a minute in 0.1 s).
func TestOneClientCannotTakeEveryTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc, _ := newService(t, st, clocktest.New(monday10))
		open := func(chat, client string) error {
			_, err := svc.Open(ctx, flows.HandoffRequest{Chat: chat, Area: "phuong ben nghe", Text: "gặp người thật", Client: client})
			return err
		}
		const attacker = "203.0.113.66"
		for i := range 5 {
			if err := open("web:a"+strconv.Itoa(i), attacker); err != nil {
				t.Fatalf("ticket %d of one client: %v", i+1, err)
			}
		}
		if err := open("web:a5", attacker); !errors.Is(err, flows.ErrHandoffBusy) {
			t.Fatalf("6th ticket in the hour from one client: %v, want ErrHandoffBusy", err)
		}
		if err := open("web:b", "198.51.100.7"); err != nil {
			t.Fatalf("a citizen at another address: %v", err)
		}
		if err := open("web:a0", attacker); err != nil {
			t.Fatalf("a chat whose ticket is open gets it again: %v", err)
		}
	})
}

// TestOneChatCannotTakeEveryTicket: a chat on any channel (a Telegram or Zalo
// account has no address) that leaves and asks again opens at most three
// tickets an hour (security review T2); other chats are not affected.
func TestOneChatCannotTakeEveryTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := clocktest.New(monday10)
		svc, _ := newService(t, st, clk)
		open := func(chat string) error {
			_, err := svc.Open(ctx, flows.HandoffRequest{Chat: chat, Area: "phuong ben nghe", Text: "gặp người thật"})
			return err
		}
		for i := range 3 {
			if err := open("tg:66"); err != nil {
				t.Fatalf("ticket %d of one chat: %v", i+1, err)
			}
			if err := svc.Leave(ctx, "tg:66"); err != nil {
				t.Fatal(err)
			}
		}
		if err := open("tg:66"); !errors.Is(err, flows.ErrHandoffBusy) {
			t.Fatalf("4th ticket in the hour from one chat: %v, want ErrHandoffBusy", err)
		}
		if err := open("tg:67"); err != nil {
			t.Fatalf("another chat: %v", err)
		}
		clk.Add(time.Hour)
		if err := open("tg:66"); err != nil {
			t.Fatalf("an hour later: %v", err)
		}
	})
}
