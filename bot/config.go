package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vneid-guide/vneidbot/internal/admin"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/web"
)

// Config is the bot's whole configuration, read once from the environment
// (names as in DESIGN.md). Secrets come only from here, never from files in
// the repository, and are never logged.
type Config struct {
	Addr       string        // VNEIDBOT_ADDR
	RedisURL   string        // REDIS_URL; empty runs an in-process Redis
	ContentDir string        // CONTENT_DIR; empty uses the embedded content
	SessionTTL time.Duration // SESSION_TTL

	TelegramToken         string // TELEGRAM_BOT_TOKEN
	TelegramAPIURL        string // TELEGRAM_API_URL, a format with %s for token and method
	TelegramWebhookURL    string // TELEGRAM_WEBHOOK_URL; empty means long polling
	TelegramWebhookSecret string // TELEGRAM_WEBHOOK_SECRET

	ZaloAppID        string // ZALO_APP_ID
	ZaloAppSecret    string // ZALO_APP_SECRET
	ZaloOASecretKey  string // ZALO_OA_SECRET_KEY
	ZaloAccessToken  string // ZALO_OA_ACCESS_TOKEN (seeds the token store when empty)
	ZaloRefreshToken string // ZALO_OA_REFRESH_TOKEN
	ZaloAPIURL       string // ZALO_API_URL
	ZaloOAuthURL     string // ZALO_OAUTH_URL
	ZaloSpoolDir     string // ZALO_SPOOL_DIR: local folder for Zalo events while Redis is down

	ZaloBotToken         string // ZALO_BOT_TOKEN
	ZaloBotAPIURL        string // ZALO_BOT_API_URL
	ZaloBotWebhookSecret string // ZALO_BOT_WEBHOOK_SECRET
	ZaloBotWebhookURL    string // ZALO_BOT_WEBHOOK_URL: when set, the bot calls setWebhook itself
	ZaloRedirectURI      string // ZALO_OAUTH_REDIRECT_URI: default of "zalo authorize --redirect-uri"

	AdminToken string // ADMIN_TOKEN; admin is off when empty
	// SignInLinkTTL (SIGNIN_LINK_TTL) is how long a personal sign-in link
	// of an officer, editor or publisher works after it was made (720h: 30 days).
	SignInLinkTTL time.Duration

	// --- security (issue 17) ---
	MetricsAddr        string         // METRICS_ADDR: /metrics and detailed /readyz; loopback by default, "off" for none
	Pprof              bool           // PPROF: on to serve /debug/pprof/ on METRICS_ADDR too (off)
	TrustedProxyHeader string         // TRUSTED_PROXY_HEADER: header with the client address (X-Forwarded-For), off when empty
	TrustedProxies     []netip.Prefix // TRUSTED_PROXIES: the proxies whose TRUSTED_PROXY_HEADER is believed
	// --- end of issue 17 block ---

	LogLevel  slog.Level // LOG_LEVEL
	LogFormat string     // LOG_FORMAT: text or json

	// --- volunteers, statistics and reminders (issue 7) ---
	PublicURL           string        // PUBLIC_URL: the web chat's public base URL, for volunteers' links
	TelegramBotUsername string        // TELEGRAM_BOT_USERNAME: the bot's @username, for t.me links
	ZaloOAURL           string        // ZALO_OA_URL: the Official Account's public link (https://zalo.me/…)
	Reminders           bool          // REMINDERS: on or off (off)
	RemindersAfter      time.Duration // REMINDERS_AFTER: idle time inside a flow before the one reminder (24h)
	RemindersFrom       int           // REMINDERS_HOURS "8-20": first local hour (Asia/Ho_Chi_Minh) reminders may go out
	RemindersTo         int           // … and the hour they stop
	// --- end of issue 7 block ---

	// --- talking to a person (issue 14) ---
	HandoffHours          handoff.Hours // HANDOFF_HOURS: officers' hours, "7-17" (Monday to Friday)
	HandoffSLA            time.Duration // HANDOFF_SLA: the first-answer target (30m)
	TelegramOperatorsChat int64         // TELEGRAM_OPERATORS_CHAT_ID: the group where officers see tickets and reply

	// --- surge: admission control and web chat identity (issue 13) ---
	MaxInflight       int           // MAX_INFLIGHT: updates this replica admits at once (running or queued; 0: 256 per core); the excess is refused (503)
	AdmissionTarget   time.Duration // ADMISSION_LATENCY_TARGET: scheduling latency above which a refusing replica admits fewer updates (0: off, the default)
	MaxWorkers        int           // MAX_WORKERS: admitted updates that run at once, the rest queued (0: 16 per core)
	SurgeWorkers      int           // SURGE_WORKERS: admitted updates that run at once while the replica refuses (0: 4 per core)
	GOGC              string        // GOGC: the Go runtime's own; when unset, serve runs the collector at ServeGCPercent
	WebNewChatsPerIP  int           // WEB_NEW_CHATS_PER_IP: new web conversations one address may start per window (0: no limit)
	WebNewChatsWindow time.Duration // WEB_NEW_CHATS_WINDOW: that window (10m)
	WebFrameAncestors string        // WEB_FRAME_ANCESTORS: CSP frame-ancestors of the chat page ('self')
	// --- end of issue 13 block ---
}

// ConfigError is a configuration problem; it names the variable at fault.
type ConfigError struct {
	Var string
	Msg string
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Msg }

// LoadConfig reads the configuration from getenv (os.Getenv in production).
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Addr:                  get("VNEIDBOT_ADDR", "127.0.0.1:8080"),
		RedisURL:              get("REDIS_URL", ""),
		ContentDir:            get("CONTENT_DIR", ""),
		TelegramToken:         get("TELEGRAM_BOT_TOKEN", ""),
		TelegramAPIURL:        get("TELEGRAM_API_URL", "https://api.telegram.org/bot%s/%s"),
		TelegramWebhookURL:    get("TELEGRAM_WEBHOOK_URL", ""),
		TelegramWebhookSecret: get("TELEGRAM_WEBHOOK_SECRET", ""),
		ZaloAppID:             get("ZALO_APP_ID", ""),
		ZaloAppSecret:         get("ZALO_APP_SECRET", ""),
		ZaloOASecretKey:       get("ZALO_OA_SECRET_KEY", ""),
		ZaloAccessToken:       get("ZALO_OA_ACCESS_TOKEN", ""),
		ZaloRefreshToken:      get("ZALO_OA_REFRESH_TOKEN", ""),
		ZaloAPIURL:            get("ZALO_API_URL", "https://openapi.zalo.me"),
		ZaloOAuthURL:          get("ZALO_OAUTH_URL", "https://oauth.zaloapp.com"),
		ZaloSpoolDir:          get("ZALO_SPOOL_DIR", filepath.Join(os.TempDir(), "vneidbot-zalo-spool")),
		ZaloBotToken:          get("ZALO_BOT_TOKEN", ""),
		ZaloBotAPIURL:         get("ZALO_BOT_API_URL", "https://bot-api.zaloplatforms.com"),
		ZaloBotWebhookSecret:  get("ZALO_BOT_WEBHOOK_SECRET", ""),
		ZaloBotWebhookURL:     get("ZALO_BOT_WEBHOOK_URL", ""),
		ZaloRedirectURI:       get("ZALO_OAUTH_REDIRECT_URI", ""),
		AdminToken:            get("ADMIN_TOKEN", ""),
		LogFormat:             get("LOG_FORMAT", "text"),
	}
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, &ConfigError{"VNEIDBOT_ADDR", fmt.Sprintf("%q is not host:port", c.Addr)})
	}
	ttl, err := time.ParseDuration(get("SESSION_TTL", "720h"))
	if err != nil || ttl <= 0 {
		errs = append(errs, &ConfigError{"SESSION_TTL", fmt.Sprintf("%q is not a positive duration such as 720h", get("SESSION_TTL", ""))})
	}
	c.SessionTTL = ttl
	if c.RedisURL != "" {
		if _, err := store.ParseURL(c.RedisURL); err != nil {
			errs = append(errs, &ConfigError{"REDIS_URL", err.Error()})
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL", "info"))); err != nil {
		errs = append(errs, &ConfigError{"LOG_LEVEL", "must be debug, info, warn or error"})
	}
	if t := c.AdminToken; t != "" {
		if err := admin.CheckToken(t); err != nil {
			errs = append(errs, &ConfigError{"ADMIN_TOKEN", err.Error()})
		}
	}
	// --- security (issue 17) ---
	c.MetricsAddr = get("METRICS_ADDR", "127.0.0.1:9090")
	switch v := strings.ToLower(get("PPROF", "off")); v {
	case "on", "1", "true":
		c.Pprof = true
	case "off", "0", "false":
	default:
		errs = append(errs, &ConfigError{"PPROF", fmt.Sprintf("%q must be on or off", v)})
	}
	if a := c.MetricsAddr; a != "off" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			errs = append(errs, &ConfigError{"METRICS_ADDR", fmt.Sprintf("%q is not host:port (or off)", a)})
		}
	}
	c.TrustedProxyHeader = http.CanonicalHeaderKey(get("TRUSTED_PROXY_HEADER", ""))
	proxies, err := admin.ParseProxies(get("TRUSTED_PROXIES", ""))
	if err != nil {
		errs = append(errs, &ConfigError{"TRUSTED_PROXIES", err.Error()})
	}
	c.TrustedProxies = proxies
	if (c.TrustedProxyHeader == "") != (len(proxies) == 0) && err == nil {
		errs = append(errs, &ConfigError{"TRUSTED_PROXY_HEADER", "TRUSTED_PROXY_HEADER and TRUSTED_PROXIES must be set together (e.g. X-Forwarded-For and 10.0.0.0/8)"})
	}
	// --- end of issue 17 block ---
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, &ConfigError{"LOG_FORMAT", "must be text or json"})
	}
	if strings.Count(c.TelegramAPIURL, "%s") != 2 {
		errs = append(errs, &ConfigError{"TELEGRAM_API_URL", "must contain %s twice (token, then method)"})
	}
	if c.TelegramWebhookURL != "" && !strings.HasPrefix(c.TelegramWebhookURL, "https://") {
		errs = append(errs, &ConfigError{"TELEGRAM_WEBHOOK_URL", "must be an https:// URL"})
	}
	// Webhook secrets are at least minWebhookSecret long: one of a few
	// characters is guessed over a keep-alive connection (seventh probe, V8).
	if s := c.TelegramWebhookSecret; s != "" && (!validSecretToken(s) || len(s) < minWebhookSecret) {
		errs = append(errs, &ConfigError{"TELEGRAM_WEBHOOK_SECRET", "must be 16-256 characters of A-Z, a-z, 0-9, _ and - (make one with: openssl rand -hex 24), or empty to have one generated"})
	}
	zalo := []string{c.ZaloAppID, c.ZaloAppSecret, c.ZaloOASecretKey}
	if n := countSet(zalo); n != 0 && n != len(zalo) {
		errs = append(errs, &ConfigError{"ZALO_APP_ID", "ZALO_APP_ID, ZALO_APP_SECRET and ZALO_OA_SECRET_KEY must be set together"})
	}
	if c.ZaloBotWebhookURL != "" && (c.ZaloBotWebhookSecret == "" || !strings.HasPrefix(c.ZaloBotWebhookURL, "https://")) {
		errs = append(errs, &ConfigError{"ZALO_BOT_WEBHOOK_URL", "must be an https:// URL, and needs ZALO_BOT_WEBHOOK_SECRET"})
	}
	if s := c.ZaloBotWebhookSecret; s != "" && (len(s) < minWebhookSecret || len(s) > 256) {
		errs = append(errs, &ConfigError{"ZALO_BOT_WEBHOOK_SECRET", "must be 16-256 characters (make one with: openssl rand -hex 24)"})
	}

	// --- volunteers, statistics and reminders (issue 7) ---
	c.PublicURL = strings.TrimRight(get("PUBLIC_URL", ""), "/")
	if u := c.PublicURL; u != "" {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			errs = append(errs, &ConfigError{"PUBLIC_URL", "must be the web chat's base URL, such as https://vneid.example.gov.vn"})
		}
	}
	c.TelegramBotUsername = strings.TrimPrefix(get("TELEGRAM_BOT_USERNAME", ""), "@")
	if u := c.TelegramBotUsername; u != "" && !validBotUsername(u) {
		errs = append(errs, &ConfigError{"TELEGRAM_BOT_USERNAME", "must be the bot's username: 5-32 letters, digits and _, ending in bot"})
	}
	c.ZaloOAURL = get("ZALO_OA_URL", "")
	if u := c.ZaloOAURL; u != "" {
		if p, err := url.Parse(u); err != nil || p.Scheme != "https" || p.Host == "" {
			errs = append(errs, &ConfigError{"ZALO_OA_URL", "must be the Official Account's https:// link, such as https://zalo.me/1234567890"})
		}
	}
	switch strings.ToLower(get("REMINDERS", "off")) {
	case "on", "true", "1", "yes":
		c.Reminders = true
	case "off", "false", "0", "no":
	default:
		errs = append(errs, &ConfigError{"REMINDERS", "must be on or off"})
	}
	after, err := time.ParseDuration(get("REMINDERS_AFTER", "24h"))
	if err != nil || after < time.Hour {
		errs = append(errs, &ConfigError{"REMINDERS_AFTER", fmt.Sprintf("%q is not a duration of at least 1h, such as 24h", get("REMINDERS_AFTER", ""))})
	}
	c.RemindersAfter = after
	hours := get("REMINDERS_HOURS", "8-20")
	from, to, ok := strings.Cut(hours, "-")
	f, errF := strconv.Atoi(strings.TrimSpace(from))
	t, errT := strconv.Atoi(strings.TrimSpace(to))
	if !ok || errF != nil || errT != nil || f < 0 || f > 23 || t < 1 || t > 24 || f >= t {
		errs = append(errs, &ConfigError{"REMINDERS_HOURS", fmt.Sprintf("%q must be local hours FROM-TO with FROM < TO, such as 8-20", hours)})
	}
	c.RemindersFrom, c.RemindersTo = f, t
	// --- end of issue 7 block ---

	// --- surge: admission control and web chat identity (issue 13) ---
	if n, err := strconv.Atoi(get("MAX_INFLIGHT", "0")); err != nil || n < 0 || n > 100_000 {
		errs = append(errs, &ConfigError{"MAX_INFLIGHT", fmt.Sprintf("%q must be a whole number from 0 (%d per core) to 100000", get("MAX_INFLIGHT", ""), DefaultMaxInflightPerCore)})
	} else {
		c.MaxInflight = n
	}
	if d, err := time.ParseDuration(get("ADMISSION_LATENCY_TARGET", "0")); err != nil || d < 0 || d > time.Second {
		errs = append(errs, &ConfigError{"ADMISSION_LATENCY_TARGET", fmt.Sprintf("%q must be a duration from 0 (off) to 1s, such as 2ms", get("ADMISSION_LATENCY_TARGET", ""))})
	} else {
		c.AdmissionTarget = d
	}
	c.GOGC = get("GOGC", "")
	if n, err := strconv.Atoi(get("MAX_WORKERS", "0")); err != nil || n < 0 || n > 100_000 {
		errs = append(errs, &ConfigError{"MAX_WORKERS", fmt.Sprintf("%q must be a whole number from 0 (16 per core) to 100000", get("MAX_WORKERS", ""))})
	} else {
		c.MaxWorkers = n
	}
	if n, err := strconv.Atoi(get("SURGE_WORKERS", "0")); err != nil || n < 0 || n > 100_000 {
		errs = append(errs, &ConfigError{"SURGE_WORKERS", fmt.Sprintf("%q must be a whole number from 0 (4 per core) to 100000", get("SURGE_WORKERS", ""))})
	} else {
		c.SurgeWorkers = n
	}
	if n, err := strconv.Atoi(get("WEB_NEW_CHATS_PER_IP", "300")); err != nil || n < 0 {
		errs = append(errs, &ConfigError{"WEB_NEW_CHATS_PER_IP", fmt.Sprintf("%q must be a whole number, 0 for no limit", get("WEB_NEW_CHATS_PER_IP", ""))})
	} else {
		c.WebNewChatsPerIP = n
	}
	win, err := time.ParseDuration(get("WEB_NEW_CHATS_WINDOW", "10m"))
	if err != nil || win < time.Second || win > 24*time.Hour {
		errs = append(errs, &ConfigError{"WEB_NEW_CHATS_WINDOW", fmt.Sprintf("%q must be a duration from 1s to 24h, such as 10m", get("WEB_NEW_CHATS_WINDOW", ""))})
	}
	c.WebNewChatsWindow = win
	c.WebFrameAncestors = get("WEB_FRAME_ANCESTORS", "'self'")
	if !web.ValidFrameAncestors(c.WebFrameAncestors) {
		errs = append(errs, &ConfigError{"WEB_FRAME_ANCESTORS", "must be 'self', 'none' or space-separated https:// origins of the portals that embed the chat, such as \"'self' https://dichvucong.example.gov.vn\""})
	}
	// --- end of issue 13 block ---
	// --- talking to a person (issue 14) ---
	if c.HandoffHours, err = handoff.ParseHours(get("HANDOFF_HOURS", "7-17")); err != nil {
		errs = append(errs, &ConfigError{"HANDOFF_HOURS", err.Error()})
	}
	if c.HandoffSLA, err = time.ParseDuration(get("HANDOFF_SLA", "30m")); err != nil || c.HandoffSLA < time.Minute {
		errs = append(errs, &ConfigError{"HANDOFF_SLA", fmt.Sprintf("%q is not a duration of at least 1m, such as 30m", get("HANDOFF_SLA", ""))})
	}
	if c.SignInLinkTTL, err = time.ParseDuration(get("SIGNIN_LINK_TTL", "720h")); err != nil || c.SignInLinkTTL < time.Hour {
		errs = append(errs, &ConfigError{"SIGNIN_LINK_TTL", fmt.Sprintf("%q is not a duration of at least 1h, such as 720h", get("SIGNIN_LINK_TTL", ""))})
	}
	if v := get("TELEGRAM_OPERATORS_CHAT_ID", ""); v != "" {
		if c.TelegramOperatorsChat, err = strconv.ParseInt(v, 10, 64); err != nil || c.TelegramOperatorsChat == 0 {
			errs = append(errs, &ConfigError{"TELEGRAM_OPERATORS_CHAT_ID", fmt.Sprintf("%q is not a Telegram chat id such as -1001234567890", v)})
		}
	}
	return c, errors.Join(errs...)
}

// ZaloEnabled reports whether the Zalo OA channel is configured.
func (c Config) ZaloEnabled() bool { return c.ZaloAppID != "" }

func countSet(vals []string) int {
	n := 0
	for _, v := range vals {
		if v != "" {
			n++
		}
	}
	return n
}

// minWebhookSecret is the shortest TELEGRAM_WEBHOOK_SECRET or
// ZALO_BOT_WEBHOOK_SECRET accepted.
const minWebhookSecret = 16

// validSecretToken matches Telegram's rule for secret_token.
func validSecretToken(s string) bool {
	if len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// newLogger builds the process logger from the config.
func newLogger(c Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ServeGCPercent is the garbage collector's target when GOGC is unset. The
// live heap is small (about 15 MB with the built-in content), so letting it
// grow to five times that before a collection costs little memory and cuts
// the collector's share of an update's CPU time and its pauses under load
// (docs/benchmarks.md, issue 13).
const ServeGCPercent = 400

// DefaultMaxInflightPerCore × GOMAXPROCS is MAX_INFLIGHT when unset or 0:
// more than a closed loop of 200 clients, so that they queue instead of
// being refused. A client that does not honour Retry-After (wrk, most load
// tools) comes straight back after a refusal: with 128, such a loop of 200
// got 0.50-0.53 of the baseline's answers per second where 256 and 512 got
// 0.77-1.03 (docs/benchmarks.md, issue 13, seventh round). Under twice the
// capacity, a shorter queue keeps admitted answers quicker (p50 35-43 ms
// with 128 against 135-140 ms with 512, goodput alike), so the limit is no
// larger than that: about 35 ms of queue at the measured rate.
const DefaultMaxInflightPerCore = 256

// validBotUsername matches Telegram's rule for bot usernames (issue 7 block).
func validBotUsername(s string) bool {
	if len(s) < 5 || len(s) > 32 || !strings.HasSuffix(strings.ToLower(s), "bot") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
