package baseline_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/loadtest"
	"github.com/vneid-guide/vneidbot/internal/loadtest/baseline"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func TestBaselineDoesTheMinimalWork(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	s := baseline.New(st.Client(), st.Key())
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	if baseline.ReplySize < 1100 || baseline.ReplySize > 1300 {
		t.Fatalf("reply is %d bytes, want about 1.2 KiB", baseline.ReplySize)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	for i, body := range []string{`{"user":"u","id":"1","start":""}`, `{"user":"u","id":"2","text":"hi"}`} {
		res, err := c.Post(srv.URL+"/api/chat", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var out struct{ Replies []map[string]any }
		if res.StatusCode != 200 || json.Unmarshal(b, &out) != nil || len(out.Replies) != 1 {
			t.Fatalf("request %d: %d %s", i, res.StatusCode, b)
		}
	}
	keys, err := st.Client().Keys(context.Background(), st.Key()+":{web:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	sessions, marks := 0, 0
	for _, k := range keys {
		switch {
		case strings.HasSuffix(k, "}:s"):
			sessions++
			if d, _ := st.Client().HGet(context.Background(), k, "d").Result(); len(d) != baseline.SessionBytes {
				t.Errorf("session of %d bytes, want %d", len(d), baseline.SessionBytes)
			}
		case strings.Contains(k, "}:m:"):
			marks++
		}
	}
	if sessions != 1 || marks != 2 {
		t.Fatalf("keys %v: want one session (the cookie keeps the conversation) and two dedup marks", keys)
	}
}

// The load tool drives the baseline as it drives the bot.
func TestLoadToolDrivesBaseline(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	s := baseline.New(st.Client(), st.Key())
	srv := httptest.NewServer(s)
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Options{Target: srv.URL, Chats: 4, Duration: 2e9, Requests: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 100 || res.Errors != 0 {
		t.Fatalf("ok %d errors %d %v", res.OK, res.Errors, res.ErrorKinds)
	}
}
