package web

import (
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// pageCSP is the page's Content-Security-Policy, with %s standing for the
// per-response nonce: no inline script or style runs without it, and only
// the portals in frameAncestors may frame the page.
func pageCSP(frameAncestors string) string {
	return "default-src 'self'; img-src 'self' https:; style-src 'nonce-%[1]s'; script-src 'nonce-%[1]s'; connect-src 'self'; " +
		"base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors " + strings.ReplaceAll(frameAncestors, "%", "%%")
}

// ValidFrameAncestors reports whether s is a frame-ancestors source list
// that can be put in a header as it is: space-separated 'self', 'none', or
// http(s) origins and host patterns (https://portal.example.gov.vn,
// https://*.gov.vn), with no quotes, semicolons or commas elsewhere.
func ValidFrameAncestors(s string) bool {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return false
	}
	for _, f := range fields {
		switch {
		case f == "'self'":
		case f == "'none'":
			if len(fields) > 1 {
				return false
			}
		default:
			rest, ok := strings.CutPrefix(f, "https://")
			if !ok {
				rest, ok = strings.CutPrefix(f, "http://")
			}
			if !ok || rest == "" {
				return false
			}
			for _, r := range rest {
				if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-*:", r)) {
					return false
				}
			}
		}
	}
	return true
}

// Page serves the chat page, labelled in the content's default language.
func (h *Handler) Page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cat := h.content()
		lang := cat.DefaultLocale()
		var b [18]byte
		rand.Read(b[:])
		nonce := base64.RawURLEncoding.EncodeToString(b[:]) // no + or / for html/template to escape
		hd := w.Header()
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Content-Security-Policy", fmt.Sprintf(h.csp, nonce))
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cache-Control", "no-store") // the nonce is new on every response
		err := pageTmpl.Execute(w, map[string]string{
			"Lang":        lang,
			"Nonce":       nonce,
			"Title":       cat.Msg(lang, "web_title"),
			"Placeholder": cat.Msg(lang, "web_placeholder"),
			"Send":        cat.Msg(lang, "web_send"),
			"Retry":       cat.Msg(lang, "web_retry"),
			"Busy":        cat.Msg(lang, "web_busy"),
			"Privacy":     cat.Msg(lang, "web_privacy"),
		})
		if err != nil {
			h.log.Error("render chat page", "err", err)
		}
	})
}
