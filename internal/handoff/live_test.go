package handoff_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// liveServer serves svc's live streams as the web conversation chat, polled
// every 10 ms, until the test ends.
func liveServer(t *testing.T, svc *handoff.Service, chat string) *httptest.Server {
	t.Helper()
	live := svc.Live()
	live.ChatOf = func(*http.Request) (string, error) { return chat, nil }
	live.Poll = 10 * time.Millisecond
	srv := httptest.NewServer(live)
	t.Cleanup(srv.Close)
	return srv
}

// The web chat's live stream sends an officer's reply, then the closing
// message, and ends once the ticket is closed and all is delivered.
func TestLiveStreamsRepliesThenEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := clocktest.New(monday10)
		svc, _ := newService(t, st, clk)
		o, err := svc.Open(ctx, flows.HandoffRequest{Chat: "web:abc", Area: "phuong ben nghe", Text: "gặp người thật"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Reply(ctx, o.ID, benNghe, "chào bạn"); err != nil {
			t.Fatal(err)
		}
		srv := liveServer(t, svc, "abc")
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var got []string
		for sc.Scan() && len(got) < 2 {
			if sc.Text() != "" {
				got = append(got, sc.Text())
			}
		}
		if len(got) != 2 || got[0] != "id: 0" || !strings.Contains(got[1], "chào bạn") {
			t.Fatalf("stream = %q", got)
		}
		if _, err := svc.Close(ctx, o.ID, benNghe); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			for sc.Scan() {
				t.Log(sc.Text())
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the stream did not end after the ticket closed")
		}
	})
}

// TestLiveStreamsPerChatAreBounded: one conversation holds a few streams
// at once; past them a stream is refused, and a stream that ends frees its
// place.
func TestLiveStreamsPerChatAreBounded(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	ctx := context.Background()
	svc, _ := newService(t, st, clocktest.New(monday10))
	if _, err := svc.Open(ctx, flows.HandoffRequest{Chat: "web:abc", Area: "phuong ben nghe", Text: "gặp người thật"}); err != nil {
		t.Fatal(err)
	}
	srv := liveServer(t, svc, "abc")
	var open []*http.Response
	for i := range 4 {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if i < 3 && resp.StatusCode != http.StatusOK || i == 3 && resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("stream %d: %d", i+1, resp.StatusCode)
		}
		if i == 3 && resp.Header.Get("Retry-After") == "" { // the page waits that long (seventh probe, V1)
			t.Fatal("a refused stream has no Retry-After")
		}
		open = append(open, resp)
	}
	open[3].Body.Close()
	open[0].Body.Close() // the browser leaves: its place is freed
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a stream after one ended: %d, want 200", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, r := range open[1:3] {
		r.Body.Close()
	}
}

// TestLiveStreamEndsWhenNoLongerTheReader (sixth probe, U1): a stream
// opened while the request could read the conversation sends nothing once
// it no longer can (a ticket bound the conversation to another browser
// after the stream began), and ends, giving its place back.
func TestLiveStreamEndsWhenNoLongerTheReader(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	ctx := context.Background()
	svc, _ := newService(t, st, clocktest.New(monday10))
	o, err := svc.Open(ctx, flows.HandoffRequest{Chat: "web:abc", Area: "phuong ben nghe", Text: "gặp người thật"})
	if err != nil {
		t.Fatal(err)
	}
	var reader atomic.Value
	reader.Store("abc")
	live := svc.Live()
	live.ChatOf = func(*http.Request) (string, error) { return reader.Load().(string), nil }
	live.Poll = 10 * time.Millisecond
	srv := httptest.NewServer(live)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %v, %v", resp, err)
	}
	defer resp.Body.Close()
	reader.Store("") // bound to the browser that opened the ticket
	if _, err := svc.Reply(ctx, o.ID, benNghe, "chỉ cho người mở yêu cầu"); err != nil {
		t.Fatal(err)
	}
	body := make(chan string)
	go func() {
		b, _ := io.ReadAll(resp.Body)
		body <- string(b)
	}()
	select {
	case got := <-body:
		if strings.Contains(got, "chỉ cho người mở yêu cầu") {
			t.Fatalf("a stream that no longer reads the conversation got the officer's reply: %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end")
	}
}

// TestLiveAfterIsWithinTheList (sixth probe, U2): an event id past the list,
// even one at the int64 limit, is read as the list's last: a conversation
// with nothing new and no ticket gets 204, and a stream does not re-send
// the list.
func TestLiveAfterIsWithinTheList(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	svc, _ := newService(t, st, clocktest.New(monday10))
	srv := liveServer(t, svc, "abc")
	for _, after := range []string{"0", "5", "9223372036854775807"} {
		resp, err := http.Get(srv.URL + "?after=" + after)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("after=%s with no ticket and nothing kept: %d, want 204", after, resp.StatusCode)
		}
	}
}
