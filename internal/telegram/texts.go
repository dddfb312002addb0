package telegram

import (
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// commandNames are the commands of the menu set with setMyCommands; each has
// a description under the message key "tg_cmd_<name>". The engine
// understands each command typed as text.
var commandNames = []string{"start", "menu", "back", "help", "lang"}

// commandLanguages says which locale each setMyCommands call uses, in order
// ("" is the default for every other language).
var commandLanguages = []struct{ code, locale string }{{"", "vi"}, {"vi", "vi"}, {"en", "en"}}

// commands returns the command menu in locale.
func (b *Adapter) commands(locale string) []tgbotapi.BotCommand {
	cat := b.o.Content()
	out := make([]tgbotapi.BotCommand, 0, len(commandNames))
	for _, name := range commandNames {
		out = append(out, tgbotapi.BotCommand{Command: name, Description: cat.Msg(locale, "tg_cmd_"+name)})
	}
	return out
}

// say returns message key in the language Telegram reports for the user:
// English for "en…", the content's default (Vietnamese) otherwise.
func (b *Adapter) say(lang, key string) string {
	cat := b.o.Content()
	locale := cat.DefaultLocale()
	if strings.HasPrefix(strings.ToLower(lang), "en") && cat.HasLocale("en") {
		locale = "en"
	}
	return cat.Msg(locale, key)
}
