package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
)

const adminToken = "test-admin-token-0123456789"

// volunteerEnv is the environment of a deployment with public links, the
// dashboard, and an in-process Redis that commands reach through REDIS_URL.
func volunteerEnv(t *testing.T) func(string) string {
	t.Helper()
	m := miniredis.RunT(t)
	return env("REDIS_URL", "redis://"+m.Addr()+"/0",
		"PUBLIC_URL", "https://hotro.example.gov.vn",
		"TELEGRAM_BOT_USERNAME", "vneid_guide_bot",
		"ZALO_OA_URL", "https://zalo.me/4318000000",
		"ADMIN_TOKEN", adminToken)
}

// startBot runs what serve runs for the web chat and the dashboard, with
// the statistics and volunteer features wired as statsOptions says.
func startBot(t *testing.T, getenv func(string) string) *httptest.Server {
	t.Helper()
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: cfg.RedisURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	src, err := newContentSource("")
	if err != nil {
		t.Fatal(err)
	}
	rec, vol := statsOptions(cfg, st)
	log := slog.New(slog.DiscardHandler)
	eng, err := flows.New(src.Catalog(), st, flows.Options{Logger: log, Recorder: rec, Volunteers: vol})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: cfg, log: log, store: st, engine: eng, delivery: delivery.New(delivery.Options{Store: st, Engine: eng, Recorder: rec}), content: src, mux: http.NewServeMux(), metrics: prometheus.NewRegistry()}
	if err := a.routes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := setupAdmin(ctx, a); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestVolunteerLinkUsedByThreeCitizens is the issue's acceptance: a
// volunteer's link used by three citizens through the web chat shows
// started: 3 for that code in "vneidbot stats --json" and on the
// dashboard, and the QR PNG decodes to the link.
func TestVolunteerLinkUsedByThreeCitizens(t *testing.T) {
	getenv := volunteerEnv(t)
	code, out, errOut := runCmd(t, getenv, "volunteer", "add", "--name", "Nguyễn Văn An", "--area", "Xã Tân Lập", "--json")
	if code != 0 {
		t.Fatalf("volunteer add: exit %d\n%s%s", code, out, errOut)
	}
	var v struct {
		Code  string            `json:"code"`
		Name  string            `json:"name"`
		Links map[string]string `json:"links"`
		Key   string            `json:"key"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("volunteer add --json: %v\n%s", err, out)
	}
	want := map[string]string{
		"telegram":  "https://t.me/vneid_guide_bot?start=v_" + v.Code,
		"web":       "https://hotro.example.gov.vn/?ref=v_" + v.Code,
		"zalo":      "https://zalo.me/4318000000",
		"zalo_code": "v_" + v.Code,
	}
	for k, w := range want {
		if v.Links[k] != w {
			t.Errorf("links.%s = %q, want %q", k, v.Links[k], w)
		}
	}
	if v.Name != "Nguyễn Văn An" || len(v.Code) != 8 || !strings.HasPrefix(v.Key, "k_") {
		t.Fatalf("volunteer = %+v", v)
	}

	// The QR code decodes to the web link.
	qrFile := filepath.Join(t.TempDir(), "an.png")
	if code, out, errOut := runCmd(t, getenv, "volunteer", "link", v.Code, "--qr", qrFile, "--json"); code != 0 || !strings.Contains(out, `"qr": "`+qrFile) {
		t.Fatalf("volunteer link --qr: exit %d\n%s%s", code, out, errOut)
	}
	if got := decodeQRFile(t, qrFile); got != want["web"] {
		t.Fatalf("QR decodes to %q, want %q", got, want["web"])
	}

	// Three citizens open the link in the web chat and go on; a fourth
	// comes without. A fifth opens the link and leaves at the greeting:
	// that counts as nothing (issue 17 item 3).
	srv := startBot(t, getenv)
	for _, user := range []string{"cit1", "cit2", "cit3"} {
		chat(t, srv, `{"user":"`+user+`","start":"v_`+v.Code+`"}`)
		chat(t, srv, `{"user":"`+user+`","button":"f:install"}`)
	}
	chat(t, srv, `{"user":"walkin","start":""}`)
	chat(t, srv, `{"user":"walkin","text":"không nhận được mã OTP"}`)
	chat(t, srv, `{"user":"glance","start":"v_`+v.Code+`"}`)

	code, out, errOut = runCmd(t, getenv, "stats", "--json")
	if code != 0 {
		t.Fatalf("stats --json: exit %d\n%s%s", code, out, errOut)
	}
	var rep stats.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rep.Referrals {
		if r.Code == v.Code {
			found = true
			if r.Started != 3 || r.Name != "Nguyễn Văn An" {
				t.Errorf("referral = %+v, want started 3", r)
			}
		}
	}
	if !found || rep.Users != 4 || rep.ByChannel["web"] != 4 {
		t.Errorf("stats: users %d, by_channel %v, referrals %+v", rep.Users, rep.ByChannel, rep.Referrals)
	}
	code, out, _ = runCmd(t, getenv, "stats")
	if code != 0 || !strings.Contains(out, "users 4 (new 4)") || !strings.Contains(out, "3          0        0  "+v.Code+" Nguyễn Văn An") {
		t.Errorf("stats (text): exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, getenv, "stats", "--json", "--ref", "v_"+v.Code)
	if code != 0 || !strings.Contains(out, `"users": 3`) {
		t.Errorf("stats --ref: exit %d\n%s", code, out)
	}

	// The dashboard shows the same.
	req, _ := http.NewRequest("GET", srv.URL+"/admin/", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	row := `<tr data-code="` + v.Code + `">`
	i := strings.Index(string(body), row)
	if res.StatusCode != 200 || i < 0 || !strings.Contains(string(body)[i:], `<td class="n started">3</td>`) {
		t.Fatalf("dashboard: %d, volunteer row not showing 3", res.StatusCode)
	}
	if res, err := http.Get(srv.URL + "/admin/"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dashboard without the token: %v %v", res.StatusCode, err)
	}
}

// browsers holds one cookie jar per server and "user": the web chat names
// a conversation by the cookie it issues, so each test citizen is a browser.
var browsers sync.Map

func chat(t *testing.T, srv *httptest.Server, body string) {
	t.Helper()
	var req struct{ User string }
	json.Unmarshal([]byte(body), &req)
	jar, _ := cookiejar.New(nil)
	c, _ := browsers.LoadOrStore(srv.URL+"|"+req.User, &http.Client{Jar: jar})
	res, err := c.(*http.Client).Post(srv.URL+"/api/chat", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("POST /api/chat %s: %d %s", body, res.StatusCode, b)
	}
}

func decodeQRFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}

func TestVolunteerCommandErrors(t *testing.T) {
	getenv := volunteerEnv(t)
	tests := []struct {
		args []string
		exit int
		says string
	}{
		{[]string{"volunteer"}, 2, "expected add, list or link"},
		{[]string{"volunteer", "fire"}, 2, "unknown subcommand"},
		{[]string{"volunteer", "add"}, 2, "--name is required"},
		{[]string{"volunteer", "link"}, 2, "give one code"},
		{[]string{"volunteer", "link", "zz2zz2zz"}, 1, "no volunteer has the code"},
		{[]string{"stats", "--since", "yesterday"}, 2, "--since"},
		{[]string{"stats", "--ref", "nope"}, 2, "not a volunteer code"},
		{[]string{"broadcast"}, 2, "give --text FILE or --entry ID"},
		{[]string{"broadcast", "--entry", "x", "--segment", "everyone"}, 2, "segment"},
	}
	for _, tt := range tests {
		code, out, errOut := runCmd(t, getenv, tt.args...)
		if code != tt.exit || !strings.Contains(out+errOut, tt.says) {
			t.Errorf("%v: exit %d, %q; want exit %d saying %q", tt.args, code, out+errOut, tt.exit, tt.says)
		}
	}
	for _, cmd := range []string{"volunteer", "stats", "broadcast"} {
		args := append([]string{cmd}, map[string][]string{"volunteer": {"list"}, "stats": {"--json"}, "broadcast": {"--entry", "x", "--dry-run"}}[cmd]...)
		code, _, errOut := runCmd(t, env(), args...)
		if code != 2 || !strings.Contains(errOut, "REDIS_URL") {
			t.Errorf("%s without REDIS_URL: exit %d %q", cmd, code, errOut)
		}
	}
	for _, args := range [][]string{{"volunteer", "--help"}, {"stats", "--help"}, {"broadcast", "--help"}} {
		if code, out, errOut := runCmd(t, env(), args...); code != 0 || !strings.Contains(out+errOut, "Usage") {
			t.Errorf("%v: exit %d %q", args, code, out+errOut)
		}
	}
}

func TestBroadcastDryRunAndSend(t *testing.T) {
	getenv := volunteerEnv(t)
	srv := startBot(t, getenv)
	for _, user := range []string{"a", "b"} {
		chat(t, srv, `{"user":"`+user+`","start":""}`)
		chat(t, srv, `{"user":"`+user+`","button":"f:install"}`) // greeting-only chats get no broadcasts
	}
	code, out, errOut := runCmd(t, getenv, "broadcast", "--entry", "otp_not_received", "--dry-run", "--json")
	if code != 0 || !strings.Contains(out, `"web"`) || !strings.Contains(out, `"no_sender": true`) {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	text := filepath.Join(t.TempDir(), "msg.txt")
	os.WriteFile(text, []byte("Thông báo thử."), 0o644)
	code, out, errOut = runCmd(t, getenv, "broadcast", "--text", text)
	if code != 0 || !strings.Contains(out, "web") || !strings.Contains(errOut, "--resume") {
		t.Fatalf("broadcast: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, getenv, "broadcast", "--status"); code != 0 || !strings.Contains(out, "all") {
		t.Fatalf("status: exit %d %s", code, out)
	}
}

func TestIssue7Config(t *testing.T) {
	for name, val := range map[string]string{
		"PUBLIC_URL":            "hotro.example.gov.vn",
		"TELEGRAM_BOT_USERNAME": "not a bot name",
		"ZALO_OA_URL":           "http://zalo.me/1",
		"REMINDERS":             "sometimes",
		"REMINDERS_AFTER":       "10m",
		"REMINDERS_HOURS":       "20-8",
	} {
		_, err := LoadConfig(env(name, val))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Var != name {
			t.Errorf("%s=%q: %v, want a ConfigError naming %s", name, val, err, name)
		}
	}
	c, err := LoadConfig(env("REMINDERS", "on", "REMINDERS_HOURS", "7-21", "TELEGRAM_BOT_USERNAME", "@vneid_guide_bot", "PUBLIC_URL", "https://x.example.gov.vn/"))
	if err != nil || !c.Reminders || c.RemindersFrom != 7 || c.RemindersTo != 21 || c.TelegramBotUsername != "vneid_guide_bot" || c.PublicURL != "https://x.example.gov.vn" {
		t.Fatalf("config = %+v, %v", c, err)
	}
}
