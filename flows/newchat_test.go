package flows_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestNewChatSkipsTheLoad: a chat the channel has just made up is answered
// as any first contact, in one Redis round trip (the save) instead of two,
// and its session is saved as usual.
func TestNewChatSkipsTheLoad(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	e := newEngine(t, st, newClock(), nil)
	ctx := context.Background()
	in := flows.Inbound{Channel: "web", ChatID: "fresh", MessageID: "m1", Kind: flows.KindText, Text: "ko nhan dc otp"}

	want, err := e.Handle(ctx, flows.Inbound{Channel: "web", ChatID: "old-way", MessageID: "m1", Kind: flows.KindText, Text: "ko nhan dc otp"})
	if err != nil {
		t.Fatal(err)
	}
	rt := storetest.CountRoundTrips(st)
	in.NewChat = true
	got, err := e.Handle(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if rt.N() != 1 {
		t.Errorf("a new chat took %d round trips, want 1", rt.N())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("a new chat was answered\n%+v\nnot as any first contact\n%+v", got, want)
	}
	// the session exists: the next message is no first contact
	next, err := e.Handle(ctx, flows.Inbound{Channel: "web", ChatID: "fresh", MessageID: "m2", Kind: flows.KindText, Text: "menu"})
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(next, want) {
		t.Error("the second message got the first contact's answer: the session was not saved")
	}
}

// TestNewChatThatIsNotNew: a channel that wrongly claims a chat is new
// loses nothing: the save finds the stored session, and the engine reads it
// and answers in its light.
func TestNewChatThatIsNotNew(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	e := newEngine(t, st, newClock(), nil)
	ctx := context.Background()
	first := flows.Inbound{Channel: "web", ChatID: "c", MessageID: "m1", Kind: flows.KindText, Text: "ko nhan dc otp"}
	if _, err := e.Handle(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := flows.Inbound{Channel: "web", ChatID: "c", MessageID: "m2", Kind: flows.KindText, Text: "menu"}
	want, err := e.Handle(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	// the same message id again, claimed new: answered once, from the outbox
	second.NewChat = true
	again, err := e.HandleForDelivery(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || !reflect.DeepEqual(again.Replies, want) {
		t.Errorf("a handled message claimed new got %+v, want the kept replies %+v", again, want)
	}
	// a new message claimed new: answered in the light of the stored session
	third := flows.Inbound{Channel: "web", ChatID: "c", MessageID: "m3", Kind: flows.KindText, Text: "menu", NewChat: true}
	got, err := e.Handle(ctx, third)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("a second %q claimed new got\n%+v\nwant as a returning citizen\n%+v", third.Text, got, want)
	}
}
