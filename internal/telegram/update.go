package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
)

// allowedUpdates are the update types the bot asks for (getUpdates and
// setWebhook). Channel posts, inline queries and the rest are not wanted.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// parseUpdate decodes one update from the wire. It never panics, whatever the
// input (FuzzParseUpdate).
func parseUpdate(data []byte) (tgbotapi.Update, error) {
	var u tgbotapi.Update
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&u); err != nil {
		return u, err
	}
	if u.UpdateID <= 0 {
		return u, errors.New("update_id is missing")
	}
	return u, nil
}

// action says what to do with an update.
type action int

const (
	ignore      action = iota // nothing to answer: channel posts, service messages, other bots' commands
	converse                  // hand the Inbound to the engine and send its replies
	groupNotice               // a group addressed the bot: say it works in private chats
	memberState               // the user blocked or unblocked the bot
)

// event is an update reduced to what the adapter needs. Platform types stay
// in this package; the engine sees only In.
type event struct {
	act    action
	in     flows.Inbound
	kind   string // for metrics: text, command, start, button, media, edited, group, channel, member, other
	chat   int64
	lang   string // the user's Telegram language, for the adapter's own few texts
	thread int    // message id to reply to in groups

	// callback queries
	callbackID string
	cbMessage  int                            // the message whose button was pressed (0 if unknown)
	cbMarkup   *tgbotapi.InlineKeyboardMarkup // its keyboard, as Telegram reports it

	blocked bool // memberState: true when the bot was blocked
}

// me is what the adapter knows about its own bot account.
type me struct {
	id       int64
	username string // without "@"
}

// classify decides what an update means. Decisions:
//   - private messages go to the engine: text as KindText, "/start <payload>"
//     as KindStart with Ref, other commands as text without "@botname"
//     (the engine understands "/menu", "/help", "/back", "/lang"); photos,
//     stickers, voice, location, contact, documents... as KindMedia.
//   - edited messages with text are treated as new text: a user who fixes a
//     typo gets the answer to what they meant. Edits without text (live
//     locations send one every few seconds, caption edits) are ignored.
//   - groups: the bot answers only when addressed (a command for it, a
//     mention, a reply to its message, or being added) and then says that it
//     works in private chats, with a button to open one. Guiding a whole
//     group through one session would mix people's answers.
//   - channel posts and service messages are ignored.
//   - my_chat_member in a private chat records that the user blocked or
//     unblocked the bot.
func classify(u tgbotapi.Update, bot me) event {
	base := func(m *tgbotapi.Message) event {
		ev := event{chat: m.Chat.ID, thread: m.MessageID}
		if m.From != nil {
			ev.lang = m.From.LanguageCode
		}
		ev.in = flows.Inbound{
			Channel:   flows.Telegram,
			ChatID:    strconv.FormatInt(m.Chat.ID, 10),
			MessageID: strconv.Itoa(u.UpdateID),
		}
		if m.Date > 0 {
			ev.in.Time = time.Unix(int64(m.Date), 0)
		}
		return ev
	}
	switch {
	case u.Message != nil && u.Message.Chat != nil && u.Message.Chat.ID != 0:
		m := u.Message
		ev := base(m)
		if m.Chat.Type != "private" {
			return group(ev, m, bot)
		}
		return message(ev, m, bot)
	case u.EditedMessage != nil && u.EditedMessage.Chat != nil && u.EditedMessage.Chat.ID != 0:
		m := u.EditedMessage
		ev := base(m)
		ev.kind = "edited"
		if m.Chat.Type != "private" || strings.TrimSpace(m.Text) == "" {
			return ev // act: ignore
		}
		ev.act = converse
		ev.in.Kind, ev.in.Text = flows.KindText, clean(m.Text)
		return ev
	case u.CallbackQuery != nil && u.CallbackQuery.ID != "":
		return callback(u, bot)
	case u.MyChatMember != nil:
		mc := u.MyChatMember
		ev := event{kind: "member", chat: mc.Chat.ID}
		if mc.Chat.Type == "private" {
			switch mc.NewChatMember.Status {
			case "kicked":
				ev.act, ev.blocked = memberState, true
			case "member":
				ev.act = memberState
			}
		}
		return ev
	case u.ChannelPost != nil, u.EditedChannelPost != nil:
		return event{kind: "channel"}
	}
	return event{kind: "other"}
}

// message classifies a message in a private chat.
func message(ev event, m *tgbotapi.Message, bot me) event {
	ev.act = converse
	text := strings.TrimSpace(m.Text)
	if text == "" {
		if isService(m) {
			ev.act, ev.kind = ignore, "other"
			return ev
		}
		ev.kind = "media"
		ev.in.Kind = flows.KindMedia
		return ev
	}
	if cmd, args, at, ok := command(text); ok {
		if at != "" && !strings.EqualFold(at, bot.username) && bot.username != "" {
			ev.act, ev.kind = ignore, "other" // another bot's command
			return ev
		}
		if strings.EqualFold(cmd, "start") {
			ev.kind = "start"
			ev.in.Kind = flows.KindStart
			ev.in.Ref = startRef(args)
			return ev
		}
		ev.kind = "command"
		ev.in.Kind = flows.KindText
		ev.in.Text = clean(strings.TrimSpace("/" + strings.ToLower(cmd) + " " + args))
		return ev
	}
	ev.kind = "text"
	ev.in.Kind, ev.in.Text = flows.KindText, clean(text)
	return ev
}

// group classifies a message in a group, supergroup or channel discussion.
func group(ev event, m *tgbotapi.Message, bot me) event {
	ev.kind = "group"
	ev.in = flows.Inbound{} // groups never reach the engine
	if addressed(m, bot) {
		ev.act = groupNotice
	}
	return ev
}

// addressed reports whether a group message is meant for this bot.
func addressed(m *tgbotapi.Message, bot me) bool {
	if _, _, at, ok := command(strings.TrimSpace(m.Text)); ok {
		return at == "" || strings.EqualFold(at, bot.username)
	}
	if bot.username != "" && strings.Contains(strings.ToLower(m.Text), "@"+strings.ToLower(bot.username)) {
		return true
	}
	if r := m.ReplyToMessage; r != nil && r.From != nil && bot.id != 0 && r.From.ID == bot.id {
		return true
	}
	for _, u := range m.NewChatMembers {
		if bot.id != 0 && u.ID == bot.id {
			return true
		}
	}
	return false
}

// callback classifies a pressed inline button.
func callback(u tgbotapi.Update, bot me) event {
	q := u.CallbackQuery
	ev := event{kind: "button", callbackID: q.ID}
	if q.From != nil {
		ev.lang = q.From.LanguageCode
	}
	if q.Message == nil || q.Message.Chat == nil || q.Message.Chat.ID == 0 {
		// a button under an inline-mode message: nothing to continue, just
		// stop the spinner
		ev.kind = "other"
		return ev
	}
	ev.chat = q.Message.Chat.ID
	ev.cbMessage = q.Message.MessageID
	ev.cbMarkup = q.Message.ReplyMarkup
	if q.Message.Chat.Type != "private" {
		ev.kind = "group"
		return ev // answered, nothing else
	}
	data := q.Data
	if data == "" || len(data) > content.MaxPayload || !utf8.ValidString(data) {
		ev.kind = "other"
		return ev
	}
	ev.act = converse
	ev.in = flows.Inbound{
		Channel:   flows.Telegram,
		ChatID:    strconv.FormatInt(ev.chat, 10),
		MessageID: strconv.Itoa(u.UpdateID),
		Kind:      flows.KindButton,
		Payload:   data,
	}
	return ev
}

// command splits "/cmd@bot args" into its parts. ok is false when text is
// not a command.
func command(text string) (cmd, args, at string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", "", false
	}
	word, rest, _ := strings.Cut(text, " ")
	if i := strings.IndexAny(word, "\n\t"); i >= 0 {
		word, rest = word[:i], word[i+1:]+" "+rest
	}
	word = word[1:]
	cmd, at, _ = strings.Cut(word, "@")
	if cmd == "" || len(cmd) > 32 {
		return "", "", "", false
	}
	for _, r := range cmd {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return "", "", "", false
		}
	}
	return cmd, strings.TrimSpace(rest), at, true
}

// startRef returns the deep-link payload of "/start <payload>" when it is
// one Telegram could have sent (1-64 characters of A-Z, a-z, 0-9, _ and -),
// else "".
func startRef(args string) string {
	if args == "" || len(args) > 64 || strings.ContainsAny(args, " \n\t") {
		return ""
	}
	for _, r := range args {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return ""
		}
	}
	return args
}

// isService reports a message that records something happening in the chat
// rather than something the user sent.
func isService(m *tgbotapi.Message) bool {
	switch {
	case m.Photo != nil, m.Sticker != nil, m.Voice != nil, m.Audio != nil, m.Video != nil,
		m.VideoNote != nil, m.Animation != nil, m.Document != nil, m.Location != nil,
		m.Venue != nil, m.Contact != nil, m.Poll != nil, m.Dice != nil, m.Game != nil:
		return false
	}
	return true
}

// clean makes typed text safe to pass on: valid UTF-8, at most 4,096 bytes.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > maxText {
		s = s[:maxText]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}
