package main

import (
	"context"

	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/admin"
	"github.com/vneid-guide/vneidbot/internal/contentstore"
	"github.com/vneid-guide/vneidbot/internal/faq/feedback"
)

// setupEditor serves the content editor (/admin/content) and the personal
// sign-in (/admin/signin, /admin/signout) next to the dashboard h. People
// sign in with the accounts made by "vneidbot operator add" (and officers
// with "vneidbot officer add"); ADMIN_TOKEN alone does not open it.
func setupEditor(ctx context.Context, a *app, h *admin.Handler) error {
	ed, err := h.Editor(ctx, admin.EditorOptions{
		Accounts: accounts.New(a.store, nil).SetLinkLife(a.cfg.SignInLinkTTL),
		Versions: contentstore.New(a.store),
		Builtin:  a.content.FS(),
		DirMode:  a.cfg.ContentDir != "",
		Votes:    feedback.NewVotes(a.store),
	})
	if err != nil {
		return err
	}
	for _, p := range []string{"/admin/content", "/admin/content/", accounts.SignInPath, "/admin/signout"} {
		a.mux.Handle(p, ed)
	}
	a.log.Info("content editor at /admin/content (personal accounts: vneidbot operator add)")
	return nil
}
