package handoff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/clientaddr"
	"github.com/vneid-guide/vneidbot/internal/lograte"
)

// InboxOptions configure the inbox.
type InboxOptions struct {
	Service    *Service
	Accounts   *accounts.Store // officers' sessions and tokens; nil: ADMIN_TOKEN only
	AdminToken string          // sees every area (Authorization: Bearer)
	Logger     *slog.Logger
	// TrustedHeader and TrustedProxies name the client behind a reverse
	// proxy (TRUSTED_PROXY_HEADER, TRUSTED_PROXIES), whom wrong tokens are
	// counted against, as for /admin.
	TrustedHeader  string
	TrustedProxies []netip.Prefix
	// Poll is how often the live list looks for changes (1s).
	Poll time.Duration
}

// Inbox serves /admin/inbox: the officers' page (claim, reply, close; new
// tickets appear through server-sent events) and its JSON endpoints:
//
//	GET  /admin/inbox                    the page
//	GET  /admin/inbox/tickets            the tickets the caller may see, JSON
//	GET  /admin/inbox/events             "changed" events when any ticket changes
//	POST /admin/inbox/tickets/{id}/claim
//	POST /admin/inbox/tickets/{id}/reply  body {"text": "…"}
//	POST /admin/inbox/tickets/{id}/close
//
// An officer (signed in, or Authorization: Bearer <personal token>) sees
// and acts on the tickets of their area only; ADMIN_TOKEN sees all. Posts
// from a signed-in browser carry the session's CSRF token (X-CSRF-Token).
type Inbox struct {
	o    InboxOptions
	mux  *http.ServeMux
	log  *slog.Logger
	warn *lograte.Limiter // wrong tokens: a line a minute, however many
	// streams bounds the event streams on this replica: a few per
	// account (a page open in a few tabs), and a cap in all (seventh
	// probe, V2: one token held a thousand, each polling Redis).
	streams places
}

// Event streams: per account, per replica, and how many polls between
// checks that the caller may still read (signed out, removed, new link).
const (
	maxInboxStreamsPerAccount = 4
	maxInboxStreams           = 200
	recheckPolls              = 30
)

//go:embed inbox.html
var inboxHTML string

var inboxPage = template.Must(template.New("inbox").Parse(inboxHTML))

// NewInbox returns the inbox handler.
func NewInbox(o InboxOptions) *Inbox {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	in := &Inbox{o: o, mux: http.NewServeMux(), log: o.Logger, warn: lograte.New(o.Logger, time.Minute, nil),
		streams: places{per: maxInboxStreamsPerAccount, max: maxInboxStreams}}
	in.mux.HandleFunc("GET /admin/inbox", in.page)
	in.mux.HandleFunc("GET /admin/inbox/tickets", in.list)
	in.mux.HandleFunc("GET /admin/inbox/events", in.events)
	in.mux.HandleFunc("POST /admin/inbox/tickets/{id}/{action}", in.act)
	return in
}

func (in *Inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	in.mux.ServeHTTP(w, r)
}

// who is the caller: the officer, whether a cookie session authenticated
// them (then posts need the CSRF token), and the session id.
type who struct {
	o      Officer
	cookie bool
	sid    string
}

// authenticate finds the caller; ok is false when nobody is signed in.
func (in *Inbox) authenticate(r *http.Request) (w who, ok, forbidden, expired bool) {
	if tok, found := BearerToken(r.Header.Get("Authorization")); found {
		tok = strings.TrimSpace(tok)
		if in.o.AdminToken != "" && sameToken(tok, in.o.AdminToken) {
			return who{o: Officer{ID: "admin", Name: "operator", All: true}}, true, false, false
		}
		if in.o.Accounts != nil {
			a, err := in.o.Accounts.Authenticate(r.Context(), tok)
			switch {
			case errors.Is(err, accounts.ErrExpired), errors.Is(err, accounts.ErrRevoked):
				// a real token, old or replaced: no guess (U4, V7)
				return who{}, false, false, true
			case err == nil && !a.IsOfficer():
				return who{}, true, true, false
			case err == nil:
				return who{o: Officer{ID: a.ID, Name: a.Name, Area: a.Area}}, true, false, false
			}
		}
		return who{}, false, false, false
	}
	if in.o.Accounts != nil {
		if a, sid, err := in.o.Accounts.FromRequest(r); err == nil {
			if !a.IsOfficer() {
				return who{}, true, true, false
			}
			return who{o: Officer{ID: a.ID, Name: a.Name, Area: a.Area}, cookie: true, sid: sid}, true, false, false
		}
	}
	return who{}, false, false, false
}

// sameToken compares two tokens in constant time, hashed first so that not
// even the length leaks.
func sameToken(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// Wrong bearer tokens are limited per client address: maxFails within
// failWindow, then 429 until the window passes.
const (
	maxFails   = 10
	failWindow = 15 * time.Minute
)

// gate authenticates r, answering 401, 403 or 429 itself when it fails.
func (in *Inbox) gate(w http.ResponseWriter, r *http.Request, page bool) (who, bool) {
	_, bearer := BearerToken(r.Header.Get("Authorization"))
	failKey := ""
	if bearer {
		failKey = in.o.Service.tickets.key("fail", clientaddr.Of(r, in.o.TrustedHeader, in.o.TrustedProxies))
		if n, _ := in.o.Service.tickets.rdb.Get(r.Context(), failKey).Int(); n >= maxFails {
			w.Header().Set("Retry-After", strconv.Itoa(int(failWindow/time.Second)))
			http.Error(w, "too many wrong tokens: wait and try again", http.StatusTooManyRequests)
			return who{}, false
		}
	}
	c, ok, forbidden, expired := in.authenticate(r)
	if !ok && bearer && !expired { // an expired or replaced link is no guess (sixth probe U4, seventh V7)
		p := in.o.Service.tickets.rdb.TxPipeline()
		p.Incr(r.Context(), failKey)
		p.Expire(r.Context(), failKey, failWindow)
		if _, err := p.Exec(r.Context()); err != nil {
			in.warn.Warn("count", "inbox: count a wrong token", "err", err)
		}
		in.warn.Warn("wrong", "inbox: wrong token") // no address, no token: nothing personal
	}
	switch {
	case forbidden:
		http.Error(w, "this account is not an officer's: the inbox is for officers (vneidbot officer add)", http.StatusForbidden)
		return who{}, false
	case expired:
		w.Header().Set("WWW-Authenticate", `Bearer realm="vneidbot inbox", error="invalid_token"`)
		http.Error(w, "this sign-in link has expired or was replaced: ask for a new one (vneidbot officer link)", http.StatusUnauthorized)
		return who{}, false
	case !ok && page && in.o.Accounts != nil:
		http.Redirect(w, r, accounts.SignInPath+"?next=/admin/inbox", http.StatusSeeOther)
		return who{}, false
	case !ok:
		w.Header().Set("WWW-Authenticate", `Bearer realm="vneidbot inbox"`)
		http.Error(w, "sign in first (an officer's sign-in link, or Authorization: Bearer ADMIN_TOKEN)", http.StatusUnauthorized)
		return who{}, false
	}
	return c, true
}

func (in *Inbox) page(w http.ResponseWriter, r *http.Request) {
	c, ok := in.gate(w, r, true)
	if !ok {
		return
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	n := base64.RawStdEncoding.EncodeToString(nonce)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; connect-src 'self'; style-src 'nonce-"+n+"'; script-src 'nonce-"+n+"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Referrer-Policy", "same-origin") // no-referrer makes browsers without Fetch Metadata post "Origin: null"
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	cat := in.o.Service.cat()
	l := cat.DefaultLocale()
	labels := map[string]string{}
	for _, k := range []string{"inbox_title", "inbox_empty", "inbox_claim", "inbox_reply", "inbox_send", "inbox_close", "inbox_state_open", "inbox_state_claimed", "inbox_state_answered", "inbox_state_closed", "inbox_late", "inbox_never_ask", "inbox_citizen", "inbox_step", "inbox_sent", "inbox_all_areas"} {
		labels[k] = cat.Msg(l, k)
	}
	lj, _ := json.Marshal(labels)
	area := c.o.Area
	if c.o.All {
		area = labels["inbox_all_areas"]
	}
	csrf := ""
	if c.cookie {
		csrf = accounts.CSRFToken(c.sid)
	}
	err := inboxPage.Execute(w, map[string]any{
		"Nonce": n, "Title": labels["inbox_title"], "Name": c.o.Name, "Area": area, "NeverAsk": labels["inbox_never_ask"],
		"Labels": template.JS(lj), "CSRF": csrf,
	})
	if err != nil {
		in.log.Warn("inbox: render", "err", err)
	}
}

func (in *Inbox) list(w http.ResponseWriter, r *http.Request) {
	c, ok := in.gate(w, r, false)
	if !ok {
		return
	}
	list, err := in.o.Service.Tickets().List(r.Context(), c.o, true)
	if err != nil {
		in.log.Error("inbox: list", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "try again"})
		return
	}
	shown := make([]Ticket, len(list))
	for i, t := range list {
		// An officer answers by ticket; the citizen's chat id (a Telegram
		// or Zalo account) is none of the page's business (review T11).
		shown[i] = *t
		shown[i].Chat = ""
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": shown, "officer": c.o.ID})
}

// events sends "changed" whenever any ticket changes (the page then
// reloads its list, which is scoped to the officer's area).
func (in *Inbox) events(w http.ResponseWriter, r *http.Request) {
	c, ok := in.gate(w, r, false)
	if !ok {
		return
	}
	if !in.streams.enter(c.o.ID) {
		refuse(w, "too many open event streams: close another inbox tab")
		return
	}
	defer in.streams.leave(c.o.ID)
	last := int64(-1)
	polls := 0
	stream(w, r, in.o.Poll, maxStreamAge, func(ctx context.Context) (string, bool) {
		if polls++; polls%recheckPolls == 0 {
			// signed out, removed or given a new link since: the stream ends
			if c2, ok, forbidden, _ := in.authenticate(r); !ok || forbidden || c2.o.ID != c.o.ID {
				return "", true
			}
		}
		v, err := in.o.Service.Tickets().Version(ctx)
		if err != nil || v == last {
			return "", err != nil
		}
		last = v
		return "event: changed\ndata: {}\n\n", false
	})
}

// maxReply bounds an officer's reply (Zalo's limit, with room for the name).
const maxReply = 1800

func (in *Inbox) act(w http.ResponseWriter, r *http.Request) {
	c, ok := in.gate(w, r, false)
	if !ok {
		return
	}
	if c.cookie && !accounts.CheckCSRF(c.sid, r.Header.Get("X-CSRF-Token")) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "the page is out of date: reload it"})
		return
	}
	id, action := r.PathValue("id"), r.PathValue("action")
	svc := in.o.Service
	var err error
	switch action {
	case "claim":
		_, err = svc.Claim(r.Context(), id, c.o)
	case "close":
		_, err = svc.Close(r.Context(), id, c.o)
	case "reply":
		var body struct {
			Text string `json:"text"`
		}
		if e := json.NewDecoder(io.LimitReader(r.Body, 16<<10)).Decode(&body); e != nil || len([]rune(body.Text)) > maxReply {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "send {\"text\": \"…\"} of at most 1800 characters"})
			return
		}
		_, err = svc.Reply(r.Context(), id, c.o, body.Text)
	default:
		http.NotFound(w, r)
		return
	}
	var refused *Refusal
	var undeliverable *Undeliverable
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]string{"ok": action})
	case errors.As(err, &refused), errors.As(err, &undeliverable):
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrArea):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": ErrNotFound.Error()})
	case errors.Is(err, ErrTaken), errors.Is(err, ErrClosed):
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	default:
		in.log.Error("inbox: action", "action", action, "ticket", id, "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "try again"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// BearerToken returns the token of an Authorization header of the Bearer
// scheme, whose name is case-insensitive (RFC 9110): "bearer x" is "x".
func BearerToken(auth string) (string, bool) {
	if len(auth) < 7 || !strings.EqualFold(auth[:7], "Bearer ") {
		return "", false
	}
	return auth[7:], true
}
