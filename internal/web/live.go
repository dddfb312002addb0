package web

import (
	"crypto/subtle"
	"net/http"

	"github.com/vneid-guide/vneidbot/flows"
)

// ChatOf returns the web conversation a request's server-issued cookie
// names, or "" when it has none (or a forged one), or when the conversation
// is bound to a key the request does not hold: since its first ticket, a
// conversation is the browser's that opened it (security review T7).
// Streams that belong to a conversation, such as an officer's live replies
// (issue 14), are authorised by it.
func (h *Handler) ChatOf(r *http.Request) (string, error) {
	for _, id := range h.identities(r, h.secure(r)) {
		bound, err := h.engine.KeyOf(r.Context(), flows.ChatKey(flows.Web, id.chat))
		if err != nil {
			return "", err
		}
		if bound == "" {
			return id.chat, nil
		}
		for _, k := range id.keys {
			if subtle.ConstantTimeCompare([]byte(k), []byte(bound)) == 1 {
				return id.chat, nil
			}
		}
	}
	return "", nil
}
