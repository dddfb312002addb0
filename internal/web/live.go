package web

import "net/http"

// ChatOf returns the web conversation a request's server-issued cookie
// names, or "" when it has none (or a forged one). Streams that belong to a
// conversation, such as an officer's live replies (issue 14), are
// authorised by it.
func (h *Handler) ChatOf(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return chatFromCookie(h.o.IDKey, c.Value)
}
