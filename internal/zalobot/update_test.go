package zalobot

import (
	"testing"
	"time"
)

func TestParseRecorded(t *testing.T) {
	tests := []struct {
		file, event, msgID, text, photo string
		kind                            Kind
	}{
		{"text", "message.text.received", "2d3b1f7e9a0c4e21", "Xin chào", "", KindText},
		{"image_photo", "message.image.received", "3e4c2a8f0b1d5f32", "", "https://b-f10-zpg.zdn.vn/img/abc.jpg", KindMedia},
		{"image_photo_url", "message.image.received", "4f5d3b9a1c2e6a43", "", "https://b-f10-zpg.zdn.vn/img/def.jpg", KindMedia},
		{"sticker", "message.sticker.received", "5a6e4cab2d3f7b54", "", "", KindMedia},
		{"voice", "message.voice.received", "6b7f5dbc3e4a8c65", "", "", KindMedia},
		{"unsupported", "message.unsupported.received", "7c806ecd4f5b9d76", "", "", KindMedia},
		{"bare_text", "message.text.received", "8d917fde5a6cae87", "menu", "", KindText},
		{"from_bot", "message.text.received", "9ea28aef6b7dbf98", "hello", "", KindIgnored},
		{"other_event", "message.reaction.received", "afb39bfa7c8ec0a9", "", "", KindIgnored},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ups, err := ParseUpdates(readUpdate(t, tt.file))
			if err != nil || len(ups) != 1 {
				t.Fatalf("ParseUpdates = %d updates, %v", len(ups), err)
			}
			u := ups[0]
			if u.EventName != tt.event || u.MessageID != tt.msgID || u.Text != tt.text || u.Photo != tt.photo || u.Kind() != tt.kind {
				t.Errorf("got %+v (kind %d)", u, u.Kind())
			}
			if u.Chat() != testChat && tt.file != "from_bot" {
				t.Errorf("chat %q", u.Chat())
			}
			if u.DedupID() != tt.event+":"+tt.msgID {
				t.Errorf("DedupID %q", u.DedupID())
			}
			if u.Date.Before(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("date %v", u.Date)
			}
		})
	}
}

func TestParseShapes(t *testing.T) {
	// An array result, numeric ids kept digit for digit, null result.
	ups, err := ParseUpdates([]byte(`{"ok":true,"result":[{"event_name":"message.text.received","message":{"chat":{"id":6142494823190574713},"message_id":42,"text":"1"}},{"event_name":"message.sticker.received","message":{}}]}`))
	if err != nil || len(ups) != 2 || ups[0].ChatID != "6142494823190574713" || ups[0].MessageID != "42" {
		t.Fatalf("array: %+v, %v", ups, err)
	}
	if ups, err := ParseUpdates([]byte(`{"ok":true,"result":null}`)); err != nil || len(ups) != 0 {
		t.Errorf("null result: %+v, %v", ups, err)
	}
	for _, bad := range []string{``, `[]`, `"x"`, `{}`, `{"ok":true,"result":{"message":{}}}`, `{"event_name":5}`} {
		if _, err := ParseUpdates([]byte(bad)); err == nil {
			t.Errorf("ParseUpdates(%q) succeeded", bad)
		}
	}
	// Odd shapes in the parts the bot reads are left empty.
	ups, err = ParseUpdates([]byte(`{"event_name":"message.text.received","message":{"text":7,"chat":"c","from":{"is_bot":"yes"}}}`))
	if err != nil || ups[0].Text != "" || ups[0].ChatID != "" || ups[0].FromIsBot {
		t.Errorf("lenient: %+v, %v", ups, err)
	}
}

func FuzzParseUpdates(f *testing.F) {
	for _, name := range []string{"text", "image_photo", "image_photo_url", "bare_text", "from_bot"} {
		f.Add(readUpdate(f, name))
	}
	f.Add([]byte(`{"ok":true,"result":[{"event_name":"a"},null,{"event_name":"b","message":[]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ups, err := ParseUpdates(body)
		if err != nil {
			return
		}
		for _, u := range ups {
			if u.EventName == "" {
				t.Fatal("an update without event name")
			}
			_ = u.Kind()
			if id := u.DedupID(); id != "" && id != u.EventName+":"+u.MessageID {
				t.Fatalf("DedupID %q", id)
			}
		}
	})
}
