package admin

import "github.com/vneid-guide/vneidbot/internal/vntext"

// plain shows s with its invisible direction and zero-width characters
// replaced by a visible U+FFFD, for the dashboard and the CSV exports.
func plain(s string) string { return vntext.Visible(s) }
