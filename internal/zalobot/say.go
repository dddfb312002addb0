package zalobot

import "github.com/vneid-guide/vneidbot/content"

// sayFrom takes the UI messages from the engine's content (the catalog being
// served, so a content update changes them too). An engine that cannot tell
// its content leaves the message keys, which a test would notice.
func sayFrom(engine any) Say {
	if t, ok := engine.(interface{ Content() *content.Catalog }); ok {
		return func(locale, key string, pairs ...string) string { return t.Content().Msg(locale, key, pairs...) }
	}
	return func(_, key string, _ ...string) string { return key }
}
