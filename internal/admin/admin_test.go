package admin_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admin"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
)

// token passes admin.CheckToken, as ADMIN_TOKEN must.
const token = "s3cret-Admin-token-for-tests-7Qz"

// fixture is a dashboard over a store with a few recorded users.
type fixture struct {
	h     *admin.Handler
	vol   volunteer.Volunteer
	now   time.Time
	st    *store.Store
	rec   *stats.Recorder
	clock *time.Time // what the handler's Now returns; tests move it
	opts  admin.Options
}

func newFixture(t *testing.T, st *store.Store) fixture {
	t.Helper()
	cat := contenttest.Builtin(t)
	now := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
	reg := volunteer.NewRegistry(st, func() time.Time { return now })
	vol, err := reg.Add(context.Background(), "Nguyễn Văn An", "Xã Tân Lập")
	if err != nil {
		t.Fatal(err)
	}
	rec := stats.NewRecorder(st, stats.Options{Now: func() time.Time { return now }})
	user := func(chat, ref string, evs ...flows.Event) {
		evs = append([]flows.Event{{Kind: flows.EventFirstContact}}, evs...)
		for i := range evs {
			evs[i].Channel, evs[i].Chat, evs[i].Ref, evs[i].Time = strings.Split(chat, ":")[0], chat, ref, now
		}
		if err := rec.Record(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
	}
	step := func(s string) flows.Event { return flows.Event{Kind: flows.EventStep, Flow: "install", Step: s} }
	user("web:a", vol.Ref(), step("choose_os"), step("android_store"), step("installed"), flows.Event{Kind: flows.EventCompleted, Flow: "install", Step: "installed"})
	user("web:b", vol.Ref(), step("choose_os"), step("ios_store"), flows.Event{Kind: flows.EventStuck, Flow: "install", Step: "ios_store"})
	user("tg:3", vol.Ref(), step("choose_os"), flows.Event{Kind: flows.EventFAQMissed, Text: "=HYPERLINK(\"http://evil\") số 0912345678"})
	user("tg:4", "", flows.Event{Kind: flows.EventFAQAnswered, Entry: "otp_not_received"})
	clock := now
	opts := admin.Options{
		Token: token, Stats: stats.NewReader(st, 0), Registry: reg, Store: st,
		Links:   volunteer.Links{WebURL: "https://hotro.example.gov.vn"},
		Content: func() *content.Catalog { return cat },
		Now:     func() time.Time { return clock },
	}
	h, err := admin.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{h: h, vol: vol, now: now, st: st, rec: rec, clock: &clock, opts: opts}
}

// do sends a request from 192.0.2.1 (httptest's default address). A
// header named "RemoteAddr" sets the client's address instead.
func do(h http.Handler, method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "RemoteAddr" {
			r.RemoteAddr = hdr[i+1]
			continue
		}
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestNoRouteWithoutToken tries every route with no credentials, a wrong
// token, and forged cookies: each answers 401 with the login form and
// nothing of the data.
func TestNoRouteWithoutToken(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	routes := []struct{ method, path string }{
		{"GET", "/admin"}, {"GET", "/admin/"}, {"HEAD", "/admin/"}, {"GET", "/admin/login"},
		{"GET", "/admin/?since=2026-01-01&until=2026-03-02"},
		{"POST", "/admin/logout"}, {"GET", "/admin/nothing-here"}, {"GET", "/admin/../admin/"},
		{"GET", "/admin/qr/" + f.vol.Code + ".png"},
	}
	for _, table := range admin.Tables {
		routes = append(routes, struct{ method, path string }{"GET", "/admin/export/" + table + ".csv"})
	}
	exp := fmt.Sprint(f.now.Add(time.Hour).Unix())
	creds := map[string][]string{
		"none":          nil,
		"wrong bearer":  {"Authorization", "Bearer wrong"},
		"empty bearer":  {"Authorization", "Bearer "},
		"basic auth":    {"Authorization", "Basic " + token},
		"token cookie":  {"Cookie", "vneid_admin=" + token},
		"forged cookie": {"Cookie", "vneid_admin=" + exp + ".0000"},
	}
	n := 0
	for name, hdr := range creds {
		for _, rt := range routes {
			n++ // each from its own address: wrong tokens lock a client out (TestBearerLockout)
			w := do(f.h, rt.method, rt.path, nil, append(hdr, "RemoteAddr", fmt.Sprintf("198.51.100.%d:1234", n))...)
			body := w.Body.String()
			if w.Code != http.StatusUnauthorized {
				t.Errorf("%s %s with %s: %d, want 401", rt.method, rt.path, name, w.Code)
			}
			if strings.Contains(body, f.vol.Name) || strings.Contains(body, f.vol.Code) || strings.Contains(body, "HYPERLINK") {
				t.Errorf("%s %s with %s leaks data", rt.method, rt.path, name)
			}
			if rt.method == "GET" && !strings.Contains(body, `name="token"`) {
				t.Errorf("%s %s with %s: no login form", rt.method, rt.path, name)
			}
		}
	}
}

func TestLoginSetsAStrictCookie(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	form := func(tok string) io.Reader { return strings.NewReader(url.Values{"token": {tok}}.Encode()) }
	ct := []string{"Content-Type", "application/x-www-form-urlencoded"}

	if w := do(f.h, "POST", "/admin/login", form("wrong"), ct...); w.Code != http.StatusUnauthorized || len(w.Result().Cookies()) != 0 {
		t.Fatalf("wrong token: %d, cookies %v", w.Code, w.Result().Cookies())
	}
	big := strings.NewReader("token=" + strings.Repeat("x", 8<<10))
	if w := do(f.h, "POST", "/admin/login", big, ct...); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("8 KiB login body: %d, want 413", w.Code)
	}
	w := do(f.h, "POST", "/admin/login", form(token), ct...)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/" {
		t.Fatalf("login: %d to %q", w.Code, w.Header().Get("Location"))
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v", cookies)
	}
	c := cookies[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin" || strings.Contains(c.Value, token) {
		t.Fatalf("cookie = %+v: want HttpOnly, SameSite=Strict, Path=/admin, no token inside", c)
	}
	if w := do(f.h, "GET", "/admin/", nil, "Cookie", c.Name+"="+c.Value); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), f.vol.Name) {
		t.Fatalf("dashboard with the cookie: %d", w.Code)
	}
	// Behind a TLS proxy the cookie is Secure too.
	w = do(f.h, "POST", "/admin/login", form(token), append(ct, "X-Forwarded-Proto", "https")...)
	if c := w.Result().Cookies(); len(c) != 1 || !c[0].Secure {
		t.Fatalf("https cookie = %+v", c)
	}
}

func TestDashboardAndCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		bearer := []string{"Authorization", "Bearer " + token}
		w := do(f.h, "GET", "/admin/", nil, bearer...)
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("dashboard: %d %s", w.Code, body)
		}
		for _, want := range []string{
			`<svg id="funnel"`, `<svg id="steps"`, `<svg id="daily"`, // the charts, inline
			`data-label="Cài ứng dụng VNeID" data-value="3" data-part="1"`, // the activation funnel
			`<td class="n started">3</td>`,                                 // the volunteer brought 3
			"Nguyễn Văn An", "Cài ứng dụng VNeID: Cài trên iPhone",         // stuck point
			"[số]", // the phone number is redacted
			`name="viewport"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		if strings.Contains(body, "0912345678") || strings.Contains(body, "<script") || strings.Contains(body, "http://") && strings.Contains(body, "src=\"http") {
			t.Error("dashboard shows a phone number, a script or a remote resource")
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP = %q", csp)
		}

		rows := func(table string) [][]string {
			t.Helper()
			w := do(f.h, "GET", "/admin/export/"+table+".csv?since=2026-03-01&until=2026-03-02", nil, bearer...)
			if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment") {
				t.Fatalf("%s.csv: %d %v", table, w.Code, w.Header())
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatalf("%s.csv: %v", table, err)
			}
			return recs
		}
		if r := rows("volunteers"); len(r) != 2 || r[1][0] != f.vol.Code || r[1][5] != "3" || r[1][6] != "1" {
			t.Errorf("volunteers.csv = %v", r)
		}
		if r := rows("stuck"); len(r) != 2 || r[1][1] != "ios_store" || r[1][3] != "1" {
			t.Errorf("stuck.csv = %v", r)
		}
		if r := rows("unanswered"); len(r) != 2 || !strings.HasPrefix(r[1][3], "'=") || strings.Contains(r[1][3], "0912345678") {
			t.Errorf("unanswered.csv = %v: a formula must be defused", r)
		}
		for _, table := range admin.Tables {
			if r := rows(table); len(r) == 0 {
				t.Errorf("%s.csv has no header", table)
			}
		}
		if w := do(f.h, "GET", "/admin/export/secrets.csv", nil, bearer...); w.Code != http.StatusNotFound {
			t.Errorf("unknown table: %d", w.Code)
		}
		if w := do(f.h, "GET", "/admin/?since=yesterday", nil, bearer...); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "is not a date") {
			t.Errorf("bad date: %d", w.Code)
		}
		if w := do(f.h, "GET", "/admin/qr/"+f.vol.Code+".png", nil, bearer...); w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/png" {
			t.Errorf("qr: %d %s", w.Code, w.Header().Get("Content-Type"))
		}
	})
}

// TestLoginLockout: after ten wrong tokens from one host, even the right one
// is refused for a while, so the token cannot be found by trying.
func TestLoginLockout(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	login := func(tok string) int {
		return do(f.h, "POST", "/admin/login", strings.NewReader("token="+tok), "Content-Type", "application/x-www-form-urlencoded").Code
	}
	for i := range 10 {
		if code := login(fmt.Sprint("guess", i)); code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d, want 401", i, code)
		}
	}
	if code := login(token); code != http.StatusTooManyRequests {
		t.Fatalf("right token after ten wrong ones: %d, want 429", code)
	}
}
