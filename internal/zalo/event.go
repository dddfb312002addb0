package zalo

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ID is an identifier in a Zalo payload. Zalo sends ids as strings, but some
// are 19-digit numbers that a float64 would round, so a bare JSON number is
// also accepted and kept digit for digit.
type ID string

// UnmarshalJSON accepts a JSON string, a JSON number or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*id = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*id = ID(n.String())
	default:
		return fmt.Errorf("zalo: id must be a string or a number, got %.20s", b)
	}
	return nil
}

// Event is one OA webhook event, reduced to what the bot uses. Every id is
// kept as a string.
type Event struct {
	Name        string // event_name
	AppID       string
	Timestamp   string // epoch milliseconds
	OAID        string // follow and unfollow
	SenderID    string
	RecipientID string
	FollowerID  string // follow and unfollow
	MsgID       string
	Text        string
}

// Kind is what the bot does with an event.
type Kind int

// Event kinds.
const (
	KindIgnored  Kind = iota // counted and dropped
	KindText                 // user_send_text: typed text or a pressed button
	KindMedia                // an image, sticker, file...: the bot asks for text
	KindFollow               // greeting and menu
	KindUnfollow             // the user is marked unreachable
)

// mediaEvents are the user messages the bot cannot read. business_card is
// not named by the issue but is a user message like the others: it gets the
// same friendly answer rather than silence.
var mediaEvents = map[string]bool{
	"user_send_image": true, "user_send_sticker": true, "user_send_gif": true,
	"user_send_audio": true, "user_send_video": true, "user_send_file": true,
	"user_send_location": true, "user_send_link": true, "user_send_business_card": true,
}

// Kind classifies the event.
func (e *Event) Kind() Kind {
	switch {
	case e.Name == "user_send_text":
		return KindText
	case mediaEvents[e.Name]:
		return KindMedia
	case e.Name == "follow":
		return KindFollow
	case e.Name == "unfollow":
		return KindUnfollow
	}
	return KindIgnored
}

// UserID is the user the event is about: the sender of a message, or the
// follower of a follow or unfollow. Replies go to this id.
func (e *Event) UserID() string {
	if e.Name == "follow" || e.Name == "unfollow" {
		return e.FollowerID
	}
	return e.SenderID
}

// Time is the event's timestamp, or the zero time when it is missing or bad.
func (e *Event) Time() time.Time {
	ms, err := strconv.ParseInt(e.Timestamp, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// ParseEvent decodes a webhook body. It fails on anything that is not a JSON
// object with an event_name; parts the bot does not need may have any shape,
// and parts it needs that have an unexpected shape are left empty.
func ParseEvent(body []byte) (*Event, error) {
	var top struct {
		Name      string          `json:"event_name"`
		AppID     ID              `json:"app_id"`
		Timestamp ID              `json:"timestamp"`
		Sender    json.RawMessage `json:"sender"`
		Recipient json.RawMessage `json:"recipient"`
		Follower  json.RawMessage `json:"follower"`
		Message   json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("zalo: parse event: %w", err)
	}
	if top.Name == "" {
		return nil, errors.New("zalo: parse event: no event_name")
	}
	e := &Event{Name: top.Name, AppID: string(top.AppID), Timestamp: string(top.Timestamp)}
	var oa struct {
		OAID ID `json:"oa_id"`
	}
	json.Unmarshal(body, &oa)
	e.OAID = string(oa.OAID)
	e.SenderID = field(top.Sender, "id")
	e.RecipientID = field(top.Recipient, "id")
	e.FollowerID = field(top.Follower, "id")
	e.MsgID = field(top.Message, "msg_id")
	var msg struct {
		Text json.RawMessage `json:"text"`
	}
	if json.Unmarshal(top.Message, &msg) == nil {
		json.Unmarshal(msg.Text, &e.Text) // only a JSON string sets it
	}
	return e, nil
}

// field returns the id-like member name of a JSON object, or "" when obj is
// not an object or the member is not a string or number.
func field(obj json.RawMessage, name string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(obj, &m) != nil {
		return ""
	}
	var id ID
	if json.Unmarshal(m[name], &id) != nil {
		return ""
	}
	return string(id)
}

// Signature is the X-ZEvent-Signature of body: the lowercase hex SHA-256 of
// app id, raw body, timestamp and OA secret key, concatenated. appID and
// timestamp are those written in the body.
func Signature(appID string, body []byte, timestamp, oaSecretKey string) string {
	h := sha256.New()
	h.Write([]byte(appID))
	h.Write(body)
	h.Write([]byte(timestamp))
	h.Write([]byte(oaSecretKey))
	return hex.EncodeToString(h.Sum(nil))
}

// Verification failures, for logs and metrics.
var (
	ErrNoSignature  = errors.New("zalo: X-ZEvent-Signature is missing")
	ErrBadSignature = errors.New("zalo: X-ZEvent-Signature does not match")
	ErrWrongApp     = errors.New("zalo: event is for another app_id")
)

// Verify checks header (the X-ZEvent-Signature value, with or without a
// "mac=" prefix) against body, whose event e is, in constant time. It also
// requires the event to be addressed to appID.
func Verify(e *Event, body []byte, header, appID, oaSecretKey string) error {
	header = strings.TrimSpace(header)
	if len(header) >= 4 && strings.EqualFold(header[:4], "mac=") {
		header = strings.TrimSpace(header[4:])
	}
	if header == "" {
		return ErrNoSignature
	}
	want := Signature(e.AppID, body, e.Timestamp, oaSecretKey)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(header)), []byte(want)) != 1 {
		return ErrBadSignature
	}
	if subtle.ConstantTimeCompare([]byte(e.AppID), []byte(appID)) != 1 {
		return ErrWrongApp
	}
	return nil
}
