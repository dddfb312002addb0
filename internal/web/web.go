// Package web serves the web chat: a page that works on a phone (GET /) and
// the JSON API behind it (POST /api/chat), as specified in DESIGN.md.
package web

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clientaddr"
	"github.com/vneid-guide/vneidbot/internal/jsontext"
)

// Limits on what a browser may send.
const (
	MaxBody    = 64 << 10 // bytes of one request body
	MaxText    = 4000     // characters of one message
	maxUserLen = 128
	// handleTimeout bounds one chat request, Redis included.
	handleTimeout = 4 * time.Second
)

// Engine is the part of the conversation engine the web chat needs.
type Engine interface {
	// Respond handles one update; it returns flows.ErrWrongKey for a
	// conversation bound to a key the update does not hold.
	Respond(ctx context.Context, in flows.Inbound) (flows.Outcome, error)
	// KeyOf returns the digest of the key a conversation is bound to, or "".
	KeyOf(ctx context.Context, chat string) (string, error)
}

// Gate is the replica's admission control (internal/admission.Gate): a
// request it does not admit is refused at once.
type Gate interface {
	Admit(ctx context.Context, channel string) bool
	Release()
	SetRetryAfter(h http.Header)
}

// Options configure the web chat. The zero value serves without admission
// control, with a per-process key for chat ids and no new-chat limit.
type Options struct {
	Logger *slog.Logger
	// Gate, when set, bounds the updates in progress (MAX_INFLIGHT).
	Gate Gate
	// IDKey signs the chat ids the server issues; every replica must share
	// it (LoadIDKey). Empty: a random key for this process.
	IDKey []byte
	// NewChats bounds new conversations per network address.
	NewChats *NewChatLimit
	// SecureCookie marks the chat cookie Secure on every response (the page
	// is public over https, PUBLIC_URL); without it the cookie is Secure
	// when the request came over TLS or X-Forwarded-Proto says https.
	SecureCookie bool
	// TrustedHeader names the header that carries the client's address
	// (TRUSTED_PROXY_HEADER), believed only from TrustedProxies
	// (TRUSTED_PROXIES); otherwise the peer's address counts.
	TrustedHeader  string
	TrustedProxies []netip.Prefix
	// FrameAncestors is the CSP frame-ancestors source list: the portals
	// that may embed the page (WEB_FRAME_ANCESTORS), "'self'" by default.
	FrameAncestors string
}

// Handler serves POST /api/chat; Page serves the chat page.
type Handler struct {
	engine  Engine
	content func() *content.Catalog
	log     *slog.Logger
	now     func() time.Time
	o       Options
	csp     string // Content-Security-Policy of the page, with %s for the nonce
}

// NewHandler returns the web chat handler with default Options. cat returns
// the current content, whose messages label the page.
func NewHandler(e Engine, cat func() *content.Catalog, log *slog.Logger) *Handler {
	return New(e, cat, Options{Logger: log})
}

// New returns the web chat handler.
func New(e Engine, cat func() *content.Catalog, o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if len(o.IDKey) == 0 {
		o.IDKey = make([]byte, 32)
		rand.Read(o.IDKey)
	}
	if strings.TrimSpace(o.FrameAncestors) == "" {
		o.FrameAncestors = "'self'"
	}
	return &Handler{engine: e, content: cat, log: o.Logger, now: time.Now, o: o, csp: pageCSP(o.FrameAncestors)}
}

// Request is the body of POST /api/chat: user plus exactly one of text,
// button or start. ID optionally names the message so a retried request is
// answered once.
type Request struct {
	User   string  `json:"user"`
	ID     string  `json:"id,omitempty"`
	Text   *string `json:"text,omitempty"`
	Button *string `json:"button,omitempty"`
	Start  *string `json:"start,omitempty"`
	Lang   string  `json:"lang,omitempty"`
}

// Response is the body of a successful POST /api/chat.
type Response struct {
	Replies []ReplyJSON `json:"replies"`
}

// ReplyJSON is one reply as the web chat receives it.
type ReplyJSON struct {
	Text    string         `json:"text"`
	Buttons [][]ButtonJSON `json:"buttons,omitempty"`
	Image   string         `json:"image,omitempty"`
}

// ButtonJSON is a payload button or a link button.
type ButtonJSON struct {
	Label   string `json:"label"`
	Payload string `json:"payload,omitempty"`
	URL     string `json:"url,omitempty"`
	Number  int    `json:"number,omitempty"`
}

// decodeRequest reads any request body encoding/json accepts as one
// Request with no unknown fields.
func decodeRequest(body []byte) (Request, error) {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return Request{}, errors.New("body must be a JSON object such as {\"user\":\"u1\",\"text\":\"xin chào\"}")
	}
	if dec.More() {
		return Request{}, errors.New("body must hold one JSON object")
	}
	return req, nil
}

// ParseRequest decodes and checks a chat request body. The error text is
// safe to show to the caller.
func ParseRequest(body []byte) (flows.Inbound, error) {
	if !utf8.Valid(body) {
		return flows.Inbound{}, errors.New("body is not valid UTF-8")
	}
	req, ok := parsePlainRequest(body)
	if !ok {
		var err error
		if req, err = decodeRequest(body); err != nil {
			return flows.Inbound{}, err
		}
	}
	if req.User == "" || len(req.User) > maxUserLen || !plainID(req.User) {
		return flows.Inbound{}, errors.New("user is required: 1-128 characters of letters, digits, '-' and '_'")
	}
	if len(req.ID) > maxUserLen || req.ID != "" && !plainID(req.ID) {
		return flows.Inbound{}, errors.New("id must be up to 128 characters of letters, digits, '-' and '_'")
	}
	in := flows.Inbound{Channel: flows.Web, ChatID: req.User, MessageID: req.ID}
	n := 0
	if req.Text != nil {
		n++
		if utf8.RuneCountInString(*req.Text) > MaxText {
			return flows.Inbound{}, errors.New("text is too long (at most 4000 characters)")
		}
		in.Kind, in.Text = flows.KindText, stripControl(*req.Text)
		if strings.TrimSpace(in.Text) == "" {
			return flows.Inbound{}, errors.New("text is empty")
		}
	}
	if req.Button != nil {
		n++
		if len(*req.Button) > content.MaxPayload {
			return flows.Inbound{}, errors.New("button payload is too long")
		}
		in.Kind, in.Payload = flows.KindButton, *req.Button
	}
	if req.Start != nil {
		n++
		if len(*req.Start) > content.MaxPayload || *req.Start != "" && !plainID(*req.Start) {
			return flows.Inbound{}, errors.New("start must be up to 64 characters of letters, digits, '-' and '_'")
		}
		in.Kind, in.Ref = flows.KindStart, *req.Start
	}
	if n != 1 {
		return flows.Inbound{}, errors.New("send exactly one of text, button or start")
	}
	return in, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A page on another site must not start conversations in its visitors'
	// browsers (each one spends the new-chat allowance of their network).
	// Browsers say where a request comes from; the chat page, framed by a
	// portal or not, posts from this site, and clients that are not
	// browsers send neither header and pass.
	if err := crossOrigin.Check(r); err != nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "cross-site request refused"})
		return
	}
	// The body is read and checked before admission: a client sending it a
	// byte a second must not hold a slot meanwhile, or a few dozen of them
	// would refuse everybody else. Admission still comes before any Redis
	// work, and most refusals under load are made by the listener before
	// net/http reads anything (internal/admission/shed.go).
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "body is larger than 64 KiB"})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "could not read body"})
		return
	}
	in, err := ParseRequest(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if g := h.o.Gate; g != nil {
		if !g.Admit(r.Context(), "web") {
			h.Refuse(w, r)
			return
		}
		defer g.Release()
	}
	in.Time = h.now()
	// A citizen waiting longer than this is better told to retry. Admission
	// keeps the updates in progress few enough that Redis work finishes
	// well inside it.
	ctx, cancel := context.WithTimeout(r.Context(), handleTimeout)
	defer cancel()
	// The conversation is the one the cookie names; the body's "user" is
	// accepted for compatibility and never chooses it. A conversation bound
	// to a key this request does not hold (it had a ticket with an officer
	// in another browser) is not this client's: it starts a new one, as
	// with no cookie.
	addr := clientaddr.Addr(r, h.o.TrustedHeader, h.o.TrustedProxies)
	if addr.IsValid() && !addr.IsLoopback() { // loopback: this host's own clients, see NewChatLimit
		in.Client = clientaddr.Network(addr)
	}
	secure := h.secure(r)
	var (
		out flows.Outcome
		key string // the key cookie value the update would bind, once asked for
	)
	in.NewKey = func() string {
		key = newKey(h.o.IDKey, in.ChatID, in.MessageID) // two MACs: only when a ticket binds
		return keyDigest(key)
	}
	in.ChatID = ""
	for _, id := range h.identities(r, secure) {
		in.ChatID, in.Keys = id.chat, id.keys
		if out, err = h.engine.Respond(ctx, in); !errors.Is(err, flows.ErrWrongKey) {
			break
		}
		in.ChatID = ""
	}
	if in.ChatID == "" {
		if err := h.o.NewChats.allow(ctx, h.o.IDKey, addr, r.RemoteAddr, in.Time); err != nil {
			if errors.Is(err, errTooManyChats) {
				w.Header().Set("Retry-After", "60")
				h.writeMsg(w, http.StatusTooManyRequests, "web_too_many_chats")
				return
			}
			h.log.Error("web chat: new-conversation limit", "err", err)
			h.writeMsg(w, http.StatusServiceUnavailable, "web_retry")
			return
		}
		chat, value := issueID(h.o.IDKey)
		in.ChatID, in.NewChat, in.Keys = chat, true, nil
		http.SetCookie(w, chatCookie(value, secure))
		out, err = h.engine.Respond(ctx, in)
	}
	if err != nil {
		h.log.Error("web chat update failed", "chat", in.ChatID, "err", err)
		h.writeMsg(w, http.StatusServiceUnavailable, "web_retry")
		return
	}
	if out.Bound {
		if key == "" {
			in.NewKey() // bound by an update that asked for it elsewhere: the same key
		}
		http.SetCookie(w, keyCookie(key, secure))
	}
	replies := out.Replies
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	buf := responseBufs.Get().(*[]byte)
	*buf = appendResponse((*buf)[:0], replies)
	w.Write(*buf)
	if cap(*buf) <= 64<<10 { // an outsized one is left to the collector
		responseBufs.Put(buf)
	}
}

// crossOrigin refuses requests a browser marks as sent by another site.
var crossOrigin = http.NewCrossOriginProtection()

// responseBufs holds the buffers answers are encoded into: net/http has
// copied an answer when Write returns, so one serves request after request
// instead of 2 KiB of garbage each (issue 13).
var responseBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// Refuse writes the answer to a request refused under load: 503 with
// Retry-After and the content's "web_busy" message, which the page shows
// before it retries.
func (h *Handler) Refuse(w http.ResponseWriter, _ *http.Request) {
	if g := h.o.Gate; g != nil {
		g.SetRetryAfter(w.Header())
	}
	h.writeMsg(w, http.StatusServiceUnavailable, "web_busy")
}

// writeMsg answers {"error": message}, the content's message key in the
// default language. It writes the JSON by hand, as encoding/json would: a
// refusal under overload must cost a small fraction of an update (issue 13).
func (h *Handler) writeMsg(w http.ResponseWriter, status int, key string) {
	cat := h.content()
	hd := w.Header()
	hd["Content-Type"] = jsonType
	hd["Cache-Control"] = noStore
	w.WriteHeader(status)
	b := make([]byte, 0, 256)
	b = append(b, `{"error":`...)
	b = jsontext.AppendString(b, cat.Msg(cat.DefaultLocale(), key))
	w.Write(append(b, "}\n"...))
}

// Header values shared by every answer; net/http only reads them.
var (
	jsonType = []string{"application/json; charset=utf-8"}
	noStore  = []string{"no-store"}
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func plainID(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// stripControl removes control characters other than newlines and tabs.
func stripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
