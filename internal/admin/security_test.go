package admin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"html"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admin"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

var form = []string{"Content-Type", "application/x-www-form-urlencoded"}

func loginBody(tok string) *strings.Reader {
	return strings.NewReader(url.Values{"token": {tok}}.Encode())
}

// TestBearerLockout: wrong Bearer tokens count like wrong logins; the 20th
// try is refused even with the right token, and the flood of wrong tokens
// writes a few log lines, not one each.
func TestBearerLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		var logs bytes.Buffer
		f.opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		h, err := admin.New(f.opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 19 {
			w := do(h, "GET", "/admin/", nil, "Authorization", fmt.Sprintf("Bearer guess-%d", i))
			if want := http.StatusUnauthorized; i >= 10 {
				if w.Code != http.StatusTooManyRequests {
					t.Fatalf("wrong token %d: %d, want 429", i+1, w.Code)
				}
			} else if w.Code != want {
				t.Fatalf("wrong token %d: %d, want %d", i+1, w.Code, want)
			}
		}
		if w := do(h, "GET", "/admin/", nil, "Authorization", "Bearer "+token); w.Code != http.StatusTooManyRequests || strings.Contains(w.Body.String(), f.vol.Name) {
			t.Fatalf("20th try, with the right token: %d, want 429 (locked out)", w.Code)
		}
		// The login form is locked too: it is the same count.
		if w := do(h, "POST", "/admin/login", loginBody(token), form...); w.Code != http.StatusTooManyRequests {
			t.Fatalf("login after 19 wrong Bearer tokens: %d, want 429", w.Code)
		}
		// Another client is not affected.
		if w := do(h, "GET", "/admin/", nil, "Authorization", "Bearer "+token, "RemoteAddr", "203.0.113.9:4000"); w.Code != http.StatusOK {
			t.Fatalf("another client with the right token: %d", w.Code)
		}
		if n := strings.Count(logs.String(), "level=WARN"); n == 0 || n > 2 {
			t.Errorf("%d warn lines for 20 refused tokens, want 1 or 2:\n%s", n, logs.String())
		}
		if !strings.Contains(logs.String(), "remote=192.0.2.1") || strings.Contains(logs.String(), "guess-") {
			t.Errorf("the log must name the client and never the tried token:\n%s", logs.String())
		}

		// After the window the client may try again.
		st.FastForward(16 * time.Minute)
		*f.clock = f.clock.Add(16 * time.Minute)
		if st.InProcess() {
			if w := do(h, "GET", "/admin/", nil, "Authorization", "Bearer "+token); w.Code != http.StatusOK {
				t.Fatalf("right token after the window: %d", w.Code)
			}
		}
	})
}

// TestLockoutIsSharedByReplicas: the counts are in Redis, so a second
// replica (a second handler on the same store) refuses the client too.
func TestLockoutIsSharedByReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		other, err := admin.New(f.opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			do(f.h, "POST", "/admin/login", loginBody(fmt.Sprint("guess", i)), form...)
		}
		if w := do(other, "POST", "/admin/login", loginBody(token), form...); w.Code != http.StatusTooManyRequests {
			t.Fatalf("the other replica: %d, want 429", w.Code)
		}
		if w := do(other, "GET", "/admin/", nil, "Authorization", "Bearer "+token); w.Code != http.StatusTooManyRequests {
			t.Fatalf("the other replica, Bearer: %d, want 429", w.Code)
		}
	})
}

// TestTrustedProxyHeader: behind a trusted proxy each client has its own
// count; a client cannot forge its address, and a peer that is not a
// trusted proxy cannot choose one.
func TestTrustedProxyHeader(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	proxies, err := admin.ParseProxies("10.0.0.0/8, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	f.opts.TrustedHeader, f.opts.TrustedProxies = "X-Forwarded-For", proxies
	h, err := admin.New(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(tok, remote string, xff ...string) int {
		hdr := []string{"Authorization", "Bearer " + tok, "RemoteAddr", remote}
		for _, v := range xff {
			hdr = append(hdr, "X-Forwarded-For", v)
		}
		return do(h, "GET", "/admin/", nil, hdr...).Code
	}
	for i := range 10 {
		bearer(fmt.Sprint("guess", i), "10.0.0.5:5000", "203.0.113.7")
	}
	if code := bearer(token, "10.0.0.5:5000", "203.0.113.7"); code != http.StatusTooManyRequests {
		t.Errorf("the guessing client: %d, want 429", code)
	}
	if code := bearer(token, "10.0.0.5:5000", "203.0.113.8"); code != http.StatusOK {
		t.Errorf("another client behind the same proxy: %d, want 200", code)
	}
	// Prepending a made-up address does not help: the right-most untrusted
	// address is the client.
	if code := bearer(token, "10.0.0.5:5000", "198.51.100.77, 203.0.113.7"); code != http.StatusTooManyRequests {
		t.Errorf("forged X-Forwarded-For: %d, want 429", code)
	}
	if code := bearer(token, "127.0.0.1:5000", "198.51.100.77", "203.0.113.7, 10.0.0.9"); code != http.StatusTooManyRequests {
		t.Errorf("two proxies: %d, want 429", code)
	}
	// A peer that is no trusted proxy is counted as itself, whatever it says.
	for i := range 10 {
		bearer(fmt.Sprint("guess", i), "198.51.100.1:5000", fmt.Sprintf("203.0.113.%d", 100+i))
	}
	if code := bearer(token, "198.51.100.1:5000", "203.0.113.200"); code != http.StatusTooManyRequests {
		t.Errorf("an untrusted peer rotating X-Forwarded-For: %d, want 429", code)
	}
	// IPv6 clients are counted per /64.
	for i := range 10 {
		bearer(fmt.Sprint("guess", i), fmt.Sprintf("[2001:db8:1:2::%x]:5000", i+1))
	}
	if code := bearer(token, "[2001:db8:1:2::ffff]:5000"); code != http.StatusTooManyRequests {
		t.Errorf("the same /64: %d, want 429", code)
	}
	if code := bearer(token, "[2001:db8:1:3::1]:5000"); code != http.StatusOK {
		t.Errorf("another /64: %d, want 200", code)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.org", "10.0.0.1/8/2"} {
		if _, err := admin.ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
}

// TestFormsNeedOurOrigin: a page elsewhere cannot post wrong tokens to lock
// the operator out, nor log them out.
func TestFormsNeedOurOrigin(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	for i := range 30 {
		hdr := append([]string{"Origin", "https://evil.example"}, form...)
		if i%2 == 1 {
			hdr = append([]string{"Sec-Fetch-Site", "cross-site"}, form...)
		}
		if w := do(f.h, "POST", "/admin/login", loginBody(fmt.Sprint("guess", i)), hdr...); w.Code != http.StatusForbidden {
			t.Fatalf("cross-site login %d: %d, want 403", i, w.Code)
		}
	}
	if w := do(f.h, "POST", "/admin/login", loginBody(token), append(form, "Origin", "null")...); w.Code != http.StatusForbidden {
		t.Fatalf("Origin null: %d, want 403", w.Code)
	}
	// Nothing was counted: our own page still logs in.
	w := do(f.h, "POST", "/admin/login", loginBody(token), append(form, "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin")...)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("same-origin login after 30 cross-site posts: %d, want 303", w.Code)
	}
	c := w.Result().Cookies()[0]
	if w := do(f.h, "POST", "/admin/logout", nil, "Cookie", c.Name+"="+c.Value, "Origin", "https://evil.example"); w.Code != http.StatusForbidden {
		t.Fatalf("cross-site logout: %d, want 403", w.Code)
	}
	if w := do(f.h, "GET", "/admin/", nil, "Cookie", c.Name+"="+c.Value); w.Code != http.StatusOK {
		t.Fatalf("the cross-site logout ended the session: %d", w.Code)
	}
}

// TestLogoutRevokesTheCookie: a cookie copied before logout is dead after it.
func TestLogoutRevokesTheCookie(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		w := do(f.h, "POST", "/admin/login", loginBody(token), form...)
		cookies := w.Result().Cookies()
		if w.Code != http.StatusSeeOther || len(cookies) != 1 {
			t.Fatalf("login: %d %v", w.Code, cookies)
		}
		stolen := cookies[0].Name + "=" + cookies[0].Value
		if w := do(f.h, "GET", "/admin/", nil, "Cookie", stolen); w.Code != http.StatusOK {
			t.Fatalf("before logout: %d", w.Code)
		}
		w = do(f.h, "POST", "/admin/logout", nil, "Cookie", stolen)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", w.Code)
		}
		if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
			t.Errorf("logout cookie = %v, want one that deletes it", c)
		}
		if w := do(f.h, "GET", "/admin/", nil, "Cookie", stolen); w.Code != http.StatusUnauthorized || strings.Contains(w.Body.String(), f.vol.Name) {
			t.Fatalf("the cookie after logout: %d, want 401", w.Code)
		}
		// A replica sees the logout too.
		other, err := admin.New(f.opts)
		if err != nil {
			t.Fatal(err)
		}
		if w := do(other, "GET", "/admin/", nil, "Cookie", stolen); w.Code != http.StatusUnauthorized {
			t.Fatalf("the cookie after logout, on another replica: %d, want 401", w.Code)
		}
		// The session itself expires with the cookie.
		w = do(f.h, "POST", "/admin/login", loginBody(token), form...)
		fresh := w.Result().Cookies()[0]
		if ttl := st.Client().TTL(context.Background(), st.Key("admin", "session", strings.Split(fresh.Value, ".")[1])).Val(); ttl <= 11*time.Hour || ttl > 12*time.Hour {
			t.Errorf("session TTL = %v, want 12h", ttl)
		}
	})
}

// dangerous reports whether a cell a spreadsheet made would be a formula.
func dangerous(cell string) bool {
	cell = strings.TrimLeft(cell, ` "`)
	return cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0]))
}

// TestCSVIsSafeWithAnySeparator parses the unanswered questions' export
// with ',' and with ';' (the list separator of Vietnamese Windows), and
// splits it naively on ';', tab, '|' and lines, as a careless import would:
// no cell ever starts a formula, and the text is all there.
func TestCSVIsSafeWithAnySeparator(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	probes := []string{
		"hỏi;=cmd|' /C calc'!A0",
		"câu hỏi, +SUM(1;2)",
		"dòng một\n-2+3",
		"a\t@SUM(A1)",
		"x | =1+1",
		`trích "=HYPERLINK(""http://evil"")"`,
		"ok;  =1",
	}
	for i, p := range probes {
		ev := flows.Event{Kind: flows.EventFAQMissed, Channel: "web", Chat: fmt.Sprint("web:p", i), Text: p, Time: f.now}
		if err := f.rec.Record(context.Background(), []flows.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	w := do(f.h, "GET", "/admin/export/unanswered.csv", nil, "Authorization", "Bearer "+token)
	body := strings.TrimPrefix(w.Body.String(), "\ufeff")
	if w.Code != http.StatusOK {
		t.Fatalf("export: %d", w.Code)
	}
	for _, sep := range []rune{',', ';'} {
		r := csv.NewReader(strings.NewReader(body))
		r.Comma, r.LazyQuotes, r.FieldsPerRecord = sep, true, -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("parse with %q: %v", sep, err)
		}
		for _, rec := range recs {
			for _, cell := range rec {
				if dangerous(cell) {
					t.Errorf("parsed with %q, cell %q starts a formula", sep, cell)
				}
			}
		}
		if sep == ',' {
			if len(recs) != len(probes)+2 { // the header, the fixture's question, the probes
				t.Fatalf("%d rows, want %d", len(recs), len(probes)+2)
			}
			texts := ""
			for _, rec := range recs[1:] {
				texts += rec[3] + "\n"
			}
			for _, want := range []string{"cmd|' /C calc'!A0", "dòng một", "SUM(A1)", `HYPERLINK(""http://evil"")`} {
				if !strings.Contains(texts, want) {
					t.Errorf("the export lost %q:\n%s", want, texts)
				}
			}
		}
	}
	for _, sep := range []string{";", "\t", "|", ","} {
		for _, line := range strings.FieldsFunc(body, func(r rune) bool { return r == '\n' || r == '\r' }) {
			for _, piece := range strings.Split(line, sep) {
				if dangerous(piece) {
					t.Errorf("split naively on %q, piece %q starts a formula", sep, piece)
				}
			}
		}
	}
}

// TestDashboardNeutralisesInvisibleCharacters: a question with a
// right-to-left override or zero-width characters shows them as visible
// marks, isolated from the rest of the page.
func TestDashboardNeutralisesInvisibleCharacters(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	ev := flows.Event{Kind: flows.EventFAQMissed, Channel: "web", Chat: "web:bidi", Text: "abc\u202egnp.exe\u200b\u2066x\ufeff", Time: f.now}
	if err := f.rec.Record(context.Background(), []flows.Event{ev}); err != nil {
		t.Fatal(err)
	}
	w := do(f.h, "GET", "/admin/", nil, "Authorization", "Bearer "+token)
	body := w.Body.String()
	for _, c := range []string{"\u202e", "\u200b", "\u2066", "\ufeff"} {
		if strings.Contains(body, c) {
			t.Errorf("the dashboard shows %U as it is", []rune(c)[0])
		}
	}
	if !strings.Contains(body, "<bdi>abc\ufffdgnp.exe\ufffd\ufffdx\ufffd</bdi>") {
		t.Errorf("the question is not shown neutralised and isolated:\n%s", body)
	}
	w = do(f.h, "GET", "/admin/export/unanswered.csv", nil, "Authorization", "Bearer "+token)
	if strings.Contains(w.Body.String(), "\u202e") {
		t.Error("the CSV keeps U+202E")
	}
}

// TestCSVLinksKeepTheFilter: every "Tải CSV" link carries the period and
// the volunteer chosen, and following it exports that.
func TestCSVLinksKeepTheFilter(t *testing.T) {
	f := newFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	bearer := []string{"Authorization", "Bearer " + token}
	w := do(f.h, "GET", "/admin/?since=2026-03-01&until=2026-03-02&ref=v_"+f.vol.Code, nil, bearer...)
	links := regexp.MustCompile(`<a class="csv" href="([^"]+)"`).FindAllStringSubmatch(w.Body.String(), -1)
	if len(links) != len(admin.Tables) {
		t.Fatalf("%d CSV links, want %d", len(links), len(admin.Tables))
	}
	for _, l := range links {
		href := html.UnescapeString(l[1])
		u, err := url.Parse(href)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if q.Get("since") != "2026-03-01" || q.Get("until") != "2026-03-02" || q.Get("ref") != f.vol.Code {
			t.Errorf("link %q lost the filter", href)
			continue
		}
		res := do(f.h, "GET", href, nil, bearer...)
		if want := "2026-03-01_2026-03-02-v_" + f.vol.Code; res.Code != http.StatusOK || !strings.Contains(res.Header().Get("Content-Disposition"), want) {
			t.Errorf("following %q: %d %q, want a file for %s", href, res.Code, res.Header().Get("Content-Disposition"), want)
		}
	}
}

// TestCheckToken: ADMIN_TOKEN must not be guessable.
func TestCheckToken(t *testing.T) {
	for _, weak := range []string{
		"short",
		strings.Repeat("a", 32),
		strings.Repeat("ab", 20),
		strings.Repeat("abcdefghijkl", 3),
		"aaaaaaaaaaaabbbbbbbbbbbbcccccccc",
		"0123456780123456780123456",
	} {
		err := admin.CheckToken(weak)
		if err == nil {
			t.Errorf("CheckToken(%q) accepted", weak)
		} else if !strings.Contains(err.Error(), "openssl rand -base64 32") || strings.Contains(err.Error(), "\n") {
			t.Errorf("CheckToken(%q) = %q: want one line saying how to make one", weak, err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, 32)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		for _, tok := range []string{base64.StdEncoding.EncodeToString(b), hex.EncodeToString(b)} {
			if err := admin.CheckToken(tok); err != nil {
				t.Fatalf("a random token %q refused: %v", tok, err)
			}
		}
	}
	if err := admin.CheckToken(token); err != nil {
		t.Errorf("the tests' token: %v", err)
	}
}
