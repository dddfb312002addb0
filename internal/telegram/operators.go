package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// OperatorMessage is a message an officer wrote in the operators group
// (TELEGRAM_OPERATORS_CHAT_ID, issue 14).
type OperatorMessage struct {
	MessageID int64
	ReplyTo   int64 // the message it replies to, 0 for none
	Text      string
	UserID    int64
	UserName  string
}

// operators is where the operators group's messages go.
type operators struct {
	chat int64
	fn   func(ctx context.Context, m OperatorMessage) string
}

// SetOperators makes the messages of the operators group chat go to fn
// instead of the engine (call it before the bot starts). fn returns a note
// to post back as a reply to the officer's message, or "". Nothing of the
// group reaches a citizen's conversation.
func (b *Adapter) SetOperators(chat int64, fn func(ctx context.Context, m OperatorMessage) string) {
	b.ops.Store(&operators{chat: chat, fn: fn})
}

// Post sends text to chat (the operators group), as a reply to replyTo
// when it is not 0, and returns the new message's id.
func (b *Adapter) Post(ctx context.Context, chat int64, text string, replyTo int64) (int64, error) {
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10), "text": text}
	if chunks := split(text, maxText); len(chunks) > 0 {
		p["text"] = chunks[0]
	}
	if replyTo != 0 {
		rp, _ := json.Marshal(map[string]any{"message_id": replyTo, "allow_sending_without_reply": true})
		p["reply_parameters"] = string(rp)
	}
	var m struct {
		MessageID int64 `json:"message_id"`
	}
	if err := b.api.call(ctx, "sendMessage", p, &m, callOpts{chat: chat, limited: true}); err != nil {
		return 0, fmt.Errorf("telegram: post to the operators group: %w", err)
	}
	return m.MessageID, nil
}

// operatorUpdate hands a message of the operators group to its handler and
// reports whether u was one (then the engine never sees it).
func (b *Adapter) operatorUpdate(ctx context.Context, u tgbotapi.Update) bool {
	ops := b.ops.Load()
	m := u.Message
	if ops == nil || m == nil || m.Chat == nil || m.Chat.ID != ops.chat {
		return false
	}
	if m.From == nil || m.From.IsBot || strings.TrimSpace(m.Text) == "" {
		return true
	}
	if !b.claim(ctx, u.UpdateID, b.log) {
		return true // handled before (a webhook retry, a new poller)
	}
	om := OperatorMessage{MessageID: int64(m.MessageID), Text: m.Text, UserID: m.From.ID, UserName: strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)}
	if m.ReplyToMessage != nil {
		om.ReplyTo = int64(m.ReplyToMessage.MessageID)
	}
	if note := ops.fn(ctx, om); note != "" {
		if _, err := b.Post(ctx, ops.chat, note, om.MessageID); err != nil {
			b.log.Warn("telegram: note to the operators group", "err", err)
		}
	}
	return true
}
