// Package baseline is the minimal web chat server the bot is measured
// against (issue 13): it does only what any design that keeps sessions in
// Redis must do for one update, and nothing else:
//
//   - decode the JSON body;
//   - one pipelined load (the session hash and the dedup mark);
//   - one Lua save of a 512-byte session and the dedup mark;
//   - a fixed 1.2 KiB JSON reply.
//
// It also issues a conversation cookie the way the web chat does, so that
// the same load tool drives both with the same requests. It has no
// admission control: it shows what a server that refuses nothing does under
// overload. "vneidbot loadtest baseline" serves it.
package baseline

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/loadtest"
)

// CookieName is the cookie the web chat names a conversation by.
const CookieName = "vneid_chat"

// SessionBytes is the size of the session the baseline saves.
const SessionBytes = 512

// reply is the fixed answer: a greeting with a menu of buttons, about the
// size of the bot's typical answer.
var reply = func() []byte {
	type button struct {
		Label   string `json:"label"`
		Payload string `json:"payload"`
		Number  int    `json:"number"`
	}
	type rep struct {
		Text    string     `json:"text"`
		Buttons [][]button `json:"buttons"`
	}
	labels := []string{"Cài ứng dụng VNeID", "Đăng ký tài khoản mức 1", "Đăng ký mức 2", "Kích hoạt tài khoản", "Quên mật khẩu", "Gặp lỗi khi dùng"}
	var bs [][]button
	for i, l := range labels {
		bs = append(bs, []button{{Label: l, Payload: "c:menu:root:" + strings.Repeat("x", 8) + string(rune('a'+i)), Number: i + 1}})
	}
	text := "Xin chào! Tôi là trợ lý hướng dẫn VNeID. Tôi giúp bạn cài ứng dụng, đăng ký và kích hoạt tài khoản định danh điện tử, từng bước một. " +
		"Bạn muốn làm gì? Hãy bấm một nút bên dưới hoặc gõ số tương ứng; bạn cũng có thể gõ câu hỏi, ví dụ \"không nhận được OTP\"."
	b, _ := json.Marshal(map[string][]rep{"replies": {{Text: text, Buttons: bs}}})
	// pad the text to 1.2 KiB in all (1229 bytes with the newline)
	b, _ = json.Marshal(map[string][]rep{"replies": {{Text: text + strings.Repeat(".", max(0, 1228-len(b))), Buttons: bs}}})
	return append(b, '\n')
}()

// ReplySize is the size of the fixed reply, in bytes.
var ReplySize = len(reply)

const saveScript = `
if ARGV[2] ~= '' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then return -2 end
end
redis.call('HSET', KEYS[1], 'v', ARGV[4], 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`

// Server is the baseline web chat.
type Server struct {
	rdb    redis.UniversalClient
	prefix string
	save   *redis.Script
	mux    *http.ServeMux
}

// New returns the baseline server on rdb, with keys under prefix.
func New(rdb redis.UniversalClient, prefix string) *Server {
	s := &Server{rdb: rdb, prefix: prefix, save: redis.NewScript(saveScript), mux: http.NewServeMux()}
	s.mux.HandleFunc("POST /api/chat", s.chat)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	return s
}

// Load loads the save script into Redis.
func (s *Server) Load(ctx context.Context) error { return s.save.Load(ctx, s.rdb).Err() }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

var session = strings.Repeat("s", SessionBytes)

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req loadtest.WebRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil || req.User == "" {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	chat := ""
	if c, err := r.Cookie(CookieName); err == nil {
		chat = c.Value
	}
	if chat == "" {
		var b [16]byte
		rand.Read(b[:])
		chat = "w" + base64.RawURLEncoding.EncodeToString(b[:])
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: chat, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	}
	ctx, cancel := context.WithTimeout(r.Context(), 4*time.Second)
	defer cancel()
	sk, mk := s.prefix+":{web:"+chat+"}:s", s.prefix+":{web:"+chat+"}:m:"+req.ID
	var get *redis.SliceCmd
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.HMGet(ctx, sk, "v", "d")
		if req.ID != "" {
			p.Exists(ctx, mk)
		}
		return nil
	}); err != nil {
		http.Error(w, `{"error":"try again"}`, http.StatusServiceUnavailable)
		return
	}
	version := 0
	if v, ok := get.Val()[0].(string); ok {
		version = len(v) // any change will do: the baseline does not route
	}
	err := s.save.EvalSha(ctx, s.rdb, []string{sk, mk}, session, req.ID, (48 * time.Hour).Milliseconds(), version+1, (720 * time.Hour).Milliseconds()).Err()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		err = s.save.Run(ctx, s.rdb, []string{sk, mk}, session, req.ID, (48 * time.Hour).Milliseconds(), version+1, (720 * time.Hour).Milliseconds()).Err()
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		http.Error(w, `{"error":"try again"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(reply)
}
