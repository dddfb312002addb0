// Package admin serves the operators' dashboard under /admin: the
// activation funnel, stuck points, daily new users per channel, top FAQ
// entries, recent unanswered questions (redacted) and the volunteers, each
// table exportable as CSV. Pages are rendered on the server, charts are
// inline SVG, and nothing is loaded from elsewhere, so it works on a phone
// behind a provincial network.
//
// Every path under /admin needs ADMIN_TOKEN: as "Authorization: Bearer
// <token>", or through the login form, which sets an HttpOnly, SameSite=Strict
// cookie holding a signed expiry and a session id (never the token); logout
// deletes the session in Redis, so the cookie is dead even if it was copied.
// Anything else gets 401 with the login form. Wrong tokens, by the form or
// as a Bearer header, count against the client's address in Redis (shared
// by every replica): after ten in 15 minutes even the right token is
// refused (429). The login and logout forms must come from our own page
// (Origin), so another site cannot lock the operator out.
package admin

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/lograte"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
	"github.com/vneid-guide/vneidbot/internal/volunteer/qr"
)

// Options configure the dashboard.
type Options struct {
	Token    string // ADMIN_TOKEN; required
	Stats    *stats.Reader
	Registry *volunteer.Registry
	Links    volunteer.Links
	Content  func() *content.Catalog
	Store    *store.Store // login sessions and wrong-token counts; required
	Logger   *slog.Logger
	Now      func() time.Time

	// TrustedHeader (TRUSTED_PROXY_HEADER, e.g. X-Forwarded-For) names the
	// header that carries the client's address when a request comes from
	// one of TrustedProxies (TRUSTED_PROXIES). Both empty by default: the
	// TCP peer is the client.
	TrustedHeader  string
	TrustedProxies []netip.Prefix

	// Handoff, when set, puts the officers' tickets on the dashboard: the
	// numbers per area and the tickets past their first-answer target.
	Handoff *handoff.Store
}

// Handler serves /admin and everything under it.
type Handler struct {
	o     Options
	log   *slog.Logger
	warn  *lograte.Limiter // wrong tokens: one line per client a minute
	now   func() time.Time
	rdb   redis.UniversalClient
	limit *limiter
}

// New returns the dashboard handler; mount it at "/admin" and "/admin/".
func New(o Options) (*Handler, error) {
	if o.Token == "" {
		return nil, errors.New("admin: token is empty")
	}
	if o.Stats == nil || o.Registry == nil || o.Content == nil || o.Store == nil {
		return nil, errors.New("admin: stats, registry, content and store are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Handler{o: o, log: o.Logger, now: o.Now, rdb: o.Store.Client()}
	h.warn = lograte.New(o.Logger, time.Minute, o.Now)
	h.limit = &limiter{
		rdb: h.rdb, now: o.Now, warn: h.warn, clients: map[string][]time.Time{},
		key: o.Store.AdminFailKey,
	}
	return h, nil
}

// maxForm bounds a login body.
const maxForm = 4 << 10

//go:embed templates/*.html
var templates embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"pct": func(part, whole int64) string {
		if whole <= 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(part)/float64(whole))
	},
	"when":  func(t time.Time) string { return t.In(stats.Zone).Format("02/01 15:04") },
	"plain": plain,
	// minutes writes seconds as whole minutes (at least 1)
	"minutes": func(secs int64) int64 { return max(1, (secs+30)/60) },
}).ParseFS(templates, "templates/*.html"))

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer browsers send
	// "Origin: null" on our own forms, which the Origin check refuses.
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Frame-Options", "DENY")

	client := h.client(r)
	if r.Method == http.MethodPost && !h.sameOrigin(r) {
		h.warn.Warn(client, "admin: form posted from another site", "remote", client, "path", r.URL.Path)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if r.URL.Path == "/admin/login" && r.Method == http.MethodPost {
		h.login(w, r, client)
		return
	}
	switch h.authenticate(r, client) {
	case lockedOut:
		h.loginPage(w, r, http.StatusTooManyRequests, h.say("admin_locked_out"))
		return
	case denied:
		h.loginPage(w, r, http.StatusUnauthorized, "")
		return
	}
	switch path := r.URL.Path; {
	case path == "/admin" || path == "/admin/" || path == "/admin/login":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if path != "/admin/" {
			http.Redirect(w, r, "/admin/", http.StatusSeeOther)
			return
		}
		h.dashboard(w, r)
	case path == "/admin/logout" && r.Method == http.MethodPost:
		if err := h.endSession(r); err != nil {
			h.log.Error("admin: logout", "err", err)
			http.Error(w, h.say("admin_stats_unavailable"), http.StatusServiceUnavailable)
			return
		}
		http.SetCookie(w, logoutCookie(r))
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
	case strings.HasPrefix(path, "/admin/export/") && strings.HasSuffix(path, ".csv") && r.Method == http.MethodGet:
		h.export(w, r, strings.TrimSuffix(strings.TrimPrefix(path, "/admin/export/"), ".csv"))
	case strings.HasPrefix(path, "/admin/qr/") && strings.HasSuffix(path, ".png") && r.Method == http.MethodGet:
		h.qr(w, r, strings.TrimSuffix(strings.TrimPrefix(path, "/admin/qr/"), ".png"))
	default:
		http.NotFound(w, r)
	}
}

// login checks the token from the form and sets the cookie.
func (h *Handler) login(w http.ResponseWriter, r *http.Request, client string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.loginPage(w, r, http.StatusRequestEntityTooLarge, h.say("admin_too_large"))
		return
	}
	if h.limit.locked(r.Context(), client) {
		h.warn.Warn(client, "admin: token refused after repeated wrong tokens", "remote", client, "via", "form")
		h.loginPage(w, r, http.StatusTooManyRequests, h.say("admin_locked_out"))
		return
	}
	if !h.tokenOK(r.PostForm.Get("token")) {
		h.limit.fail(r.Context(), client)
		h.warn.Warn(client, "admin: wrong token", "remote", client, "via", "form")
		h.loginPage(w, r, http.StatusUnauthorized, h.say("admin_wrong_token"))
		return
	}
	c, err := h.newSession(r)
	if err != nil {
		h.log.Error("admin: login", "err", err)
		h.loginPage(w, r, http.StatusServiceUnavailable, h.say("admin_stats_unavailable"))
		return
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	io.Copy(io.Discard, io.LimitReader(r.Body, maxForm))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := tmpl.ExecuteTemplate(w, "login.html", map[string]string{"Error": msg}); err != nil {
		h.log.Error("admin: render login", "err", err)
	}
}

// query is a dashboard's parameters, read from the URL.
type query struct {
	Since, Until, Ref, Flow string
	filter                  stats.Filter
}

func (h *Handler) parse(r *http.Request) (query, error) {
	v := r.URL.Query()
	q := query{Since: v.Get("since"), Until: v.Get("until"), Ref: strings.TrimSpace(v.Get("ref")), Flow: v.Get("flow")}
	now := h.now()
	q.filter.Until = now
	if q.Until != "" {
		t, err := stats.ParseDay(q.Until)
		if err != nil {
			return q, err
		}
		q.filter.Until = t
	}
	q.filter.Since = q.filter.Until.AddDate(0, 0, -29)
	if q.Since != "" {
		t, err := stats.ParseDay(q.Since)
		if err != nil {
			return q, err
		}
		q.filter.Since = t
	}
	q.Since, q.Until = stats.Day(q.filter.Since), stats.Day(q.filter.Until)
	if q.Ref != "" {
		code := strings.TrimPrefix(strings.ToLower(q.Ref), volunteer.RefPrefix)
		if !volunteer.ValidCode(code) {
			return q, errors.New(h.say("admin_bad_ref", "ref", q.Ref))
		}
		q.Ref, q.filter.Ref = code, code
	}
	return q, nil
}

// encode is the query string that keeps the period in links.
func (q query) encode() string {
	v := url.Values{}
	v.Set("since", q.Since)
	v.Set("until", q.Until)
	if q.Ref != "" {
		v.Set("ref", q.Ref)
	}
	if q.Flow != "" {
		v.Set("flow", q.Flow)
	}
	return v.Encode()
}

// CSV is the link to one table's export for the period and volunteer
// shown. It is a template.URL because html/template would otherwise
// escape the query's = and & (the links then lost the filter); encode
// builds it from validated, query-escaped values only.
func (d data) CSV(table string) template.URL {
	return template.URL("/admin/export/" + url.PathEscape(table) + ".csv?" + d.Query)
}

// data is everything the dashboard shows.
type data struct {
	Q          query
	Query      string
	Error      string
	R          *stats.Report
	Channels   []channelRow
	Activation template.HTML
	Steps      template.HTML
	StepFlow   string
	FlowOpts   []option
	Daily      template.HTML
	Stuck      []stats.StuckPoint
	Missed     []stats.Missed
	Answered   map[string]string // unanswered question → the entry that has it now (AnsweredBy)
	Volunteers []volunteerRow

	// tickets handed to officers (issue 14)
	Handoff     []handoff.AreaNumbers
	HandoffLate []*handoff.Ticket
}

type channelRow struct {
	Name  string
	Users int64
}

type option struct {
	ID, Title string
	Selected  bool
}

type volunteerRow struct {
	stats.Referral
	Link string
}

// report computes the period's numbers.
func (h *Handler) report(r *http.Request, q query) (*stats.Report, error) {
	all, err := h.o.Registry.All(r.Context())
	if err != nil {
		return nil, err
	}
	return h.o.Stats.Report(r.Context(), q.filter, h.o.Content(), all)
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	d := data{}
	q, err := h.parse(r)
	if err != nil {
		d.Error = err.Error()
		q = query{}
		q.filter.Until = h.now()
		q.filter.Since = q.filter.Until.AddDate(0, 0, -29)
		q.Since, q.Until = stats.Day(q.filter.Since), stats.Day(q.filter.Until)
	}
	d.Q, d.Query = q, q.encode()
	rep, err := h.report(r, q)
	if err != nil {
		h.log.Error("admin: report", "err", err)
		http.Error(w, h.say("admin_stats_unavailable"), http.StatusServiceUnavailable)
		return
	}
	d.R = rep
	for ch, n := range rep.ByChannel {
		d.Channels = append(d.Channels, channelRow{channelName(ch), n})
	}
	sort.Slice(d.Channels, func(i, j int) bool { return d.Channels[i].Users > d.Channels[j].Users })

	// The activation funnel: new users, then each flow started and completed.
	bars := []bar{{Label: h.say("admin_users_in_period", "new", fmt.Sprint(rep.NewUsers)), Value: rep.Users, Single: true}}
	for _, f := range rep.Flows {
		title := f.Title
		if title == "" {
			title = f.Flow
		}
		bars = append(bars, bar{Label: title, Value: f.Started, Part: f.Completed, Note: h.say("admin_pct_completed", "pct", pctText(f.Completed, f.Started))})
	}
	d.Activation = barChart("funnel", h.say("admin_funnel_title"), bars, [2]string{h.say("admin_started"), h.say("admin_completed")})

	// One flow's steps.
	d.StepFlow = q.Flow
	for _, f := range rep.Flows {
		d.FlowOpts = append(d.FlowOpts, option{ID: f.Flow, Title: orID(f.Title, f.Flow)})
		if d.StepFlow == "" && f.Started > 0 {
			d.StepFlow = f.Flow
		}
	}
	for i := range d.FlowOpts {
		d.FlowOpts[i].Selected = d.FlowOpts[i].ID == d.StepFlow
	}
	var steps []bar
	for _, s := range rep.Funnel {
		if s.Flow != d.StepFlow {
			continue
		}
		note := ""
		if s.Left > 0 {
			note = h.say("admin_left", "n", fmt.Sprint(s.Left))
		}
		if s.End {
			note = h.say("admin_done")
		}
		label := s.Title
		if label == "" {
			label = s.Step
		}
		steps = append(steps, bar{Label: label, Value: s.Users, Note: note, Single: true})
	}
	d.Steps = barChart("steps", h.say("admin_steps_title"), steps, [2]string{h.say("admin_reached_step"), ""})

	days := make([]string, len(rep.Daily))
	series := map[string][]int64{}
	for i, day := range rep.Daily {
		days[i] = day.Date
		for ch := range day.New {
			if _, ok := series[channelName(ch)]; !ok {
				series[channelName(ch)] = make([]int64, len(rep.Daily))
			}
		}
	}
	for i, day := range rep.Daily {
		for ch, n := range day.New {
			series[channelName(ch)][i] += n
		}
	}
	d.Daily = lineChart("daily", h.say("admin_daily_title"), days, series)
	d.Stuck = rep.Stuck
	if d.Missed, err = h.o.Stats.RecentMissed(r.Context(), 50); err != nil {
		h.log.Warn("admin: recent unanswered", "err", err)
	}
	d.Answered = map[string]string{}
	for _, m := range d.Missed {
		if id := AnsweredBy(h.o.Content(), m.Text); id != "" {
			d.Answered[m.Text] = id
		}
	}
	for _, ref := range rep.Referrals {
		d.Volunteers = append(d.Volunteers, volunteerRow{Referral: ref, Link: h.o.Links.For(ref.Code).Best()})
	}
	if h.o.Handoff != nil {
		h.handoffData(r.Context(), &d)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := tmpl.ExecuteTemplate(w, "dashboard.html", d); err != nil {
		h.log.Error("admin: render dashboard", "err", err)
	}
}

// say returns a UI message of the content in its default language (the
// dashboard is for provincial staff, in Vietnamese).
func (h *Handler) say(key string, pairs ...string) string {
	cat := h.o.Content()
	return cat.Msg(cat.DefaultLocale(), key, pairs...)
}

func pctText(part, whole int64) string {
	if whole <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(part)/float64(whole))
}

func orID(title, id string) string {
	if title == "" {
		return id
	}
	return title
}

// channelName is how operators call each channel.
func channelName(ch string) string {
	switch ch {
	case "tg":
		return "Telegram"
	case "zalo":
		return "Zalo OA"
	case "zalobot":
		return "Zalo Bot"
	case "web":
		return "Web"
	case "term":
		return "Terminal"
	}
	return ch
}

// qr serves the printable QR code of a volunteer's link.
func (h *Handler) qr(w http.ResponseWriter, r *http.Request, code string) {
	v, err := h.o.Registry.Get(r.Context(), code)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	link := h.o.Links.For(v.Code).Best()
	if link == "" {
		http.Error(w, h.say("admin_no_links"), http.StatusNotFound)
		return
	}
	cat := h.o.Content()
	lang := cat.DefaultLocale()
	png, err := qr.PNG(link, cat.Msg(lang, "web_title"), cat.Msg(lang, "qr_caption")+" · "+v.Ref())
	if err != nil {
		h.log.Error("admin: qr", "err", err)
		http.Error(w, "QR không tạo được.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Disposition", `attachment; filename="vneid-`+v.Code+`.png"`)
	w.Write(png)
}
