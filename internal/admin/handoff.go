package admin

import (
	"context"

	"github.com/vneid-guide/vneidbot/internal/handoff"
)

// handoffData adds the officers' tickets to the dashboard: the numbers per
// area and the tickets past their first-answer target (issue 14).
func (h *Handler) handoffData(ctx context.Context, d *data) {
	nums, err := h.o.Handoff.Numbers(ctx)
	if err != nil {
		h.log.Warn("admin: handoff numbers", "err", err)
		return
	}
	d.Handoff = nums
	open, err := h.o.Handoff.List(ctx, handoff.Officer{All: true}, false)
	if err != nil {
		h.log.Warn("admin: handoff tickets", "err", err)
		return
	}
	for _, t := range open {
		if t.Late {
			d.HandoffLate = append(d.HandoffLate, t)
		}
	}
}
