package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the requests the bot sends now")

// goldenCall is a recorded request as the golden files show it: reply_markup
// as JSON rather than a JSON string, for review.
type goldenCall struct {
	Method string         `json:"method"`
	Params map[string]any `json:"params"`
}

func golden(calls []call) []byte {
	out := []goldenCall{}
	for _, c := range calls {
		g := goldenCall{Method: c.Method, Params: map[string]any{}}
		for k, v := range c.Params {
			g.Params[k] = v
			if k == "reply_markup" || k == "commands" {
				var js any
				if err := json.Unmarshal([]byte(v), &js); err == nil {
					g.Params[k] = js
				}
			}
		}
		out = append(out, g)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(out)
	return buf.Bytes()
}

// TestRecordedUpdates feeds recorded updates (testdata/updates) through the
// webhook, with the real engine on the test catalog, and compares the exact
// requests sent to the Bot API (method, chat_id, text, parse_mode,
// reply_markup…) with testdata/golden. Run with -update to rewrite them, and
// review the diff.
func TestRecordedUpdates(t *testing.T) {
	cases := []struct {
		name    string
		updates []string
	}{
		{"message", []string{"message.json"}},
		{"command_payload", []string{"command_payload.json"}},
		{"start_returning_user", []string{"callback_query.json", "start_bare.json"}},
		{"command_at_botname", []string{"command_at.json"}},
		{"command_other_bot", []string{"command_other_bot.json"}},
		{"command_menu", []string{"command_menu.json"}},
		{"callback_query", []string{"callback_query.json"}},
		{"callback_then_choice", []string{"callback_query.json", "callback_android.json"}},
		{"edited_message", []string{"edited_message.json"}},
		{"edited_live_location", []string{"edited_location.json"}},
		{"photo", []string{"photo.json"}},
		{"sticker", []string{"sticker.json"}},
		{"voice", []string{"voice.json"}},
		{"location", []string{"location.json"}},
		{"contact", []string{"contact.json"}},
		{"document", []string{"document.json"}},
		{"group_message", []string{"group_message.json"}},
		{"group_command", []string{"group_command.json"}},
		{"group_mention", []string{"group_mention.json"}},
		{"channel_post", []string{"channel_post.json"}},
		{"my_chat_member_kicked", []string{"my_chat_member_kicked.json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			for _, f := range tc.updates {
				h.feed(t, f)
			}
			got := golden(h.api.sent())
			path := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestRecordedUpdates -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("requests differ from %s\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

// TestGroupNoticeOnce: a group that keeps calling the bot is told once.
func TestGroupNoticeOnce(t *testing.T) {
	h := newHarness(t, Options{})
	h.feed(t, "group_command.json")
	h.feed(t, "group_mention.json")
	if n := len(h.api.sent()); n != 1 {
		t.Fatalf("%d notices sent to one group, want 1", n)
	}
}

// TestNothingSentForIgnoredUpdates pins the decisions that some updates get
// no answer at all: the goldens must stay empty.
func TestNothingSentForIgnoredUpdates(t *testing.T) {
	for _, f := range []string{"command_other_bot.json", "edited_location.json", "group_message.json", "channel_post.json", "my_chat_member_kicked.json"} {
		t.Run(f, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.feed(t, f)
			if s := h.api.sent(); len(s) != 0 {
				t.Fatalf("sent %d requests, want none: %+v", len(s), s)
			}
		})
	}
}

// TestDeepLinkReferral checks that /start <payload> reaches the engine as a
// start with Ref, and that the first contact's referral is kept.
func TestDeepLinkReferral(t *testing.T) {
	h := newHarness(t, Options{})
	h.feed(t, "command_payload.json")
	later := bytes.Replace(readUpdate(t, "command_payload.json"), []byte("v_ABC123"), []byte("v_LATER9"), 1)
	later = bytes.Replace(later, []byte(`"update_id":500000002`), []byte(`"update_id":500000102`), 1)
	if code := h.post(t, "s3cret", later, SecretHeader, "s3cret"); code != 200 {
		t.Fatal(code)
	}
	snap, err := h.store.LoadSession(context.Background(), "tg:111111111", "")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Ref string `json:"r"`
	}
	json.Unmarshal(snap.Data, &s)
	if s.Ref != "v_ABC123" {
		t.Fatalf("session referral = %q, want the first one, v_ABC123", s.Ref)
	}
}

// TestBlockedByMemberUpdate: my_chat_member "kicked" marks the chat blocked,
// and the user's next message unblocks it.
func TestBlockedByMemberUpdate(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	h.feed(t, "my_chat_member_kicked.json")
	if blocked, _ := h.bot.Blocked(ctx, "111111111"); !blocked {
		t.Fatal("chat not marked blocked after my_chat_member kicked")
	}
	h.feed(t, "message.json")
	if blocked, _ := h.bot.Blocked(ctx, "111111111"); blocked {
		t.Fatal("chat still marked blocked after the user wrote again")
	}
	if len(h.api.sent()) == 0 {
		t.Fatal("no reply to the returning user")
	}
}
