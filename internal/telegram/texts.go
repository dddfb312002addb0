package telegram

import (
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The adapter's own user-facing texts, Vietnamese first. They belong in
// content/messages.yaml (with the command menu in its own section); they live
// here until the content schema has a place for channel-specific texts.
var texts = map[string]map[string]string{
	"vi": {
		"group_notice": "Mình chỉ hướng dẫn trong tin nhắn riêng, để thông tin của bạn không lộ ra nhóm. Bấm nút dưới đây để nhắn riêng với mình nhé.",
		"group_button": "Nhắn riêng với trợ lý",
		"error":        "Xin lỗi, hệ thống đang bận. Bạn vui lòng thử lại sau một phút.",
	},
	"en": {
		"group_notice": "I only guide people in private chats, so that your details stay out of the group. Press the button below to message me privately.",
		"group_button": "Message the guide privately",
		"error":        "Sorry, the system is busy. Please try again in a minute.",
	},
}

// commands is the command menu set with setMyCommands, per language code
// ("" is the default for every other language). The engine understands each
// command typed as text.
var commands = map[string][]tgbotapi.BotCommand{
	"vi": {
		{Command: "start", Description: "Bắt đầu, xem lời chào và menu"},
		{Command: "menu", Description: "Về menu chính"},
		{Command: "back", Description: "Quay lại bước trước"},
		{Command: "help", Description: "Cách dùng trợ lý"},
		{Command: "lang", Description: "Đổi ngôn ngữ / Language"},
	},
	"en": {
		{Command: "start", Description: "Start: greeting and main menu"},
		{Command: "menu", Description: "Back to the main menu"},
		{Command: "back", Description: "Go back one step"},
		{Command: "help", Description: "How to use the guide"},
		{Command: "lang", Description: "Change language / Ngôn ngữ"},
	},
}

// commandLanguages says which table each setMyCommands call uses, in order.
var commandLanguages = []struct{ code, table string }{{"", "vi"}, {"vi", "vi"}, {"en", "en"}}

// say returns the adapter text key in the language Telegram reports for the
// user: English for "en…", Vietnamese otherwise.
func say(lang, key string) string {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return texts["en"][key]
	}
	return texts["vi"][key]
}
