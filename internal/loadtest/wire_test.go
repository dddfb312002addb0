package loadtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/loadtest"
)

// TestWireLoopSpeaksHTTP: the wire loop's requests are web chat requests
// net/http's server reads, each from a new citizen, and it reads every kind
// of answer the bot gives: a short one with Content-Length, a long chunked
// one, a refusal and another error, each counted as what it is.
func TestWireLoopSpeaksHTTP(t *testing.T) {
	var n, badBody atomic.Int64
	long := `{"replies":[{"text":"` + strings.Repeat("Bước dài. ", 600) + `"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ User, ID, Text string }
		if r.URL.Path != "/api/chat" || r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil ||
			req.User == "" || req.Text == "" || r.Header.Get("Cookie") != "" {
			badBody.Add(1)
		}
		switch n.Add(1) % 4 {
		case 0:
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":"busy"}`, http.StatusServiceUnavailable)
		case 1:
			http.Error(w, `{"error":"down"}`, http.StatusInternalServerError)
		case 2:
			io.WriteString(w, long) // more than net/http buffers: chunked
			w.(http.Flusher).Flush()
		default:
			io.WriteString(w, `{"replies":[{"text":"ok"}]}`)
		}
	}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Options{Target: srv.URL, Chats: 20, Duration: time.Second, Rate: 400, Wire: true, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if badBody.Load() != 0 {
		t.Fatalf("%d requests were not a web chat request from a new citizen", badBody.Load())
	}
	if res.Sent < 300 || res.Sent != n.Load() {
		t.Fatalf("sent %d, server saw %d; want about 400", res.Sent, n.Load())
	}
	quarter := res.Sent / 4
	if res.OK < quarter || res.Refused < quarter-1 || res.ErrorKinds["status 500"] < quarter-1 || res.ErrorKinds["transport"] != 0 {
		t.Fatalf("sent %d: ok %d, refused %d, kinds %v; want a half, a quarter and a quarter", res.Sent, res.OK, res.Refused, res.ErrorKinds)
	}
	if res.RefusedSentP99 <= 0 || res.RefusedSentP99 > res.RefusedMax {
		t.Fatalf("refusals from their write p99 %v, max from arrival %v", res.RefusedSentP99, res.RefusedMax)
	}
}

func TestWireNeedsAnOpenLoopOnTheWebChat(t *testing.T) {
	for _, o := range []loadtest.Options{
		{Target: "http://127.0.0.1:1", Chats: 1, Duration: time.Second, Wire: true},
		{Target: "http://127.0.0.1:1/healthz", Chats: 1, Duration: time.Second, Rate: 10, Wire: true},
	} {
		if _, err := loadtest.Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "--wire") {
			t.Errorf("%+v: err %v, want the --wire usage", o, err)
		}
	}
}
