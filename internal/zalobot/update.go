package zalobot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Update is one Bot Platform update, reduced to what the bot uses. Every id
// is kept as a string.
type Update struct {
	EventName string // message.text.received, message.image.received...
	MessageID string
	ChatID    string
	FromID    string
	FromIsBot bool
	Text      string
	Photo     string // the image of message.image.received: "photo" or "photo_url"
	Date      time.Time
}

// Kind is what the bot does with an update.
type Kind int

// Update kinds.
const (
	KindIgnored Kind = iota
	KindText
	KindMedia
)

// Kind classifies the update. Messages from bots are ignored.
func (u *Update) Kind() Kind {
	if u.FromIsBot {
		return KindIgnored
	}
	switch u.EventName {
	case "message.text.received":
		return KindText
	case "message.image.received", "message.sticker.received", "message.voice.received", "message.unsupported.received":
		return KindMedia
	}
	return KindIgnored
}

// Chat is where replies go: chat.id, or the sender when there is no chat.
func (u *Update) Chat() string {
	if u.ChatID != "" {
		return u.ChatID
	}
	return u.FromID
}

// DedupID is the update's id for deduplication: event name and message id.
func (u *Update) DedupID() string {
	if u.MessageID == "" {
		return ""
	}
	return u.EventName + ":" + u.MessageID
}

// ParseUpdates decodes a webhook body or a getUpdates result: an envelope
// {"ok":true,"result":…} or a bare update, where result is one update or
// an array of them. Fields of unexpected shape are left empty; an update
// without event_name is an error.
func ParseUpdates(body []byte) ([]Update, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("zalo bot: parse update: %w", err)
	}
	items := []json.RawMessage{body}
	if res, ok := top["result"]; ok {
		if _, bare := top["event_name"]; !bare {
			items = splitResult(res)
		}
	}
	var out []Update
	for _, it := range items {
		u, err := parseOne(it)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil // none for {"ok":true,"result":null}
}

func parseOne(raw json.RawMessage) (Update, error) {
	var u struct {
		EventName string          `json:"event_name"`
		Message   json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		return Update{}, fmt.Errorf("zalo bot: parse update: %w", err)
	}
	if u.EventName == "" {
		return Update{}, errors.New("zalo bot: parse update: no event_name")
	}
	m := object(u.Message)
	from, chat := object(m["from"]), object(m["chat"])
	up := Update{
		EventName: u.EventName,
		MessageID: id(m["message_id"]),
		ChatID:    id(chat["id"]),
		FromID:    id(from["id"]),
		Text:      str(m["text"]),
		Photo:     str(m["photo"]),
	}
	if up.Photo == "" {
		up.Photo = str(m["photo_url"])
	}
	json.Unmarshal(from["is_bot"], &up.FromIsBot)
	if ms, err := strconv.ParseInt(id(m["date"]), 10, 64); err == nil && ms > 0 {
		up.Date = time.UnixMilli(ms)
	}
	return up, nil
}

func object(raw json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	json.Unmarshal(raw, &m)
	return m
}

func str(raw json.RawMessage) string {
	var s string
	json.Unmarshal(raw, &s)
	return s
}

// id reads a JSON string, or a JSON number digit for digit (a 19-digit id
// would lose digits as a float64).
func id(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		return str(raw)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return ""
	}
	return n.String()
}
