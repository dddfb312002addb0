package web

import (
	_ "embed"
	"html/template"
	"net/http"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// Page serves the chat page, labelled in the content's default language.
func (h *Handler) Page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cat := h.content()
		lang := cat.DefaultLocale()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		err := pageTmpl.Execute(w, map[string]string{
			"Lang":        lang,
			"Title":       cat.Msg(lang, "web_title"),
			"Placeholder": cat.Msg(lang, "web_placeholder"),
			"Send":        cat.Msg(lang, "web_send"),
			"Retry":       cat.Msg(lang, "web_retry"),
			"Privacy":     cat.Msg(lang, "web_privacy"),
		})
		if err != nil {
			h.log.Error("render chat page", "err", err)
		}
	})
}
