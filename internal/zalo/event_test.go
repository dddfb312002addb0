package zalo

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// Every recorded payload parses, is classified as the issue says, and keeps
// its 19-digit ids exact.
func TestParseEventRecorded(t *testing.T) {
	tests := []struct {
		file string
		kind Kind
		user string
		msg  string
		text string
	}{
		{"user_send_text", KindText, testUser, "cb31dff1c39642cc1b83", "Chào"},
		{"user_send_text_button", KindText, testUser, "5a1e2c0d9f8b47e6a3c1", "#f:install"},
		{"follow", KindFollow, testUser, "", ""},
		{"unfollow", KindUnfollow, testUser, "", ""},
		{"user_send_image", KindMedia, testUser, "9d2f0a1b3c4d5e6f7a80", ""},
		{"user_send_sticker", KindMedia, testUser, "1e2d3c4b5a6978879695", ""},
		{"user_send_gif", KindMedia, testUser, "2f3e4d5c6b7a89980a1b", ""},
		{"user_send_audio", KindMedia, testUser, "3a4b5c6d7e8f90a1b2c3", ""},
		{"user_send_video", KindMedia, testUser, "4b5c6d7e8f90a1b2c3d4", ""},
		{"user_send_file", KindMedia, testUser, "5c6d7e8f90a1b2c3d4e5", ""},
		{"user_send_location", KindMedia, testUser, "6d7e8f90a1b2c3d4e5f6", ""},
		{"user_send_link", KindMedia, testUser, "7e8f90a1b2c3d4e5f6a7", "https://vneid.gov.vn/"},
		{"user_send_business_card", KindMedia, testUser, "8f90a1b2c3d4e5f6a7b8", ""},
		{"user_seen_message", KindIgnored, testUser, "", ""},
		{"user_received_message", KindIgnored, testUser, "", ""},
		{"oa_send_text", KindIgnored, "1289316048624187123", "1b2c3d4e5f6a7b8c9d0e", "Xin chào"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := ParseEvent(readEvent(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind() != tt.kind || ev.UserID() != tt.user || ev.MsgID != tt.msg || ev.Text != tt.text {
				t.Errorf("got kind %d user %q msg %q text %q; want %d %q %q %q", ev.Kind(), ev.UserID(), ev.MsgID, ev.Text, tt.kind, tt.user, tt.msg, tt.text)
			}
			if ev.AppID != testAppID || ev.Time().IsZero() {
				t.Errorf("app_id %q, time %v", ev.AppID, ev.Time())
			}
		})
	}
}

func TestParseEventIDsStayExact(t *testing.T) {
	// A bare 19-digit number would lose its last digits as a float64.
	ev, err := ParseEvent([]byte(`{"event_name":"user_send_text","app_id":2553928453557884079,"timestamp":1699003881354,"sender":{"id":6142494823190574713},"message":{"msg_id":"m1","text":"hi"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.AppID != "2553928453557884079" || ev.SenderID != "6142494823190574713" || ev.Timestamp != "1699003881354" {
		t.Errorf("ids changed: %+v", ev)
	}
	if want := time.UnixMilli(1699003881354); !ev.Time().Equal(want) {
		t.Errorf("Time = %v, want %v", ev.Time(), want)
	}
}

func TestParseEventRejects(t *testing.T) {
	for _, body := range []string{``, `null`, `[]`, `{}`, `{"event_name":""}`, `{"event_name":1}`, `not json`, `{"event_name":"follow","app_id":{}}`} {
		if _, err := ParseEvent([]byte(body)); err == nil {
			t.Errorf("ParseEvent(%q) succeeded", body)
		}
	}
	// Unexpected shapes in parts the bot reads leave them empty, not an error.
	ev, err := ParseEvent([]byte(`{"event_name":"user_send_text","app_id":"1","timestamp":"2","sender":"x","message":{"text":5,"msg_id":["a"]}}`))
	if err != nil || ev.SenderID != "" || ev.Text != "" || ev.MsgID != "" {
		t.Errorf("lenient parse: %+v, %v", ev, err)
	}
}

func TestClassifyText(t *testing.T) {
	tests := []struct {
		text, kind, payload string
	}{
		{"#f:install", "button", "f:install"},
		{"#c:install:choose_os:android", "button", "c:install:choose_os:android"},
		{"#menu", "button", "menu"},
		{"#hashtag của tôi", "text", ""},
		{"#", "text", ""},
		{"f:install", "text", ""},
		{"menu", "text", ""},
		{"2", "text", ""},
	}
	for _, tt := range tests {
		kind, text, payload := classifyText(tt.text)
		if string(kind) != tt.kind || payload != tt.payload || (kind == "text" && text != tt.text) {
			t.Errorf("classifyText(%q) = %s %q %q", tt.text, kind, text, payload)
		}
	}
}

// The signature vectors: sha256 hex of app_id + raw body + timestamp + OA
// secret key.
func TestVerify(t *testing.T) {
	body := readEvent(t, "user_send_text")
	ev, _ := ParseEvent(body)
	good := Signature(testAppID, body, "1699003881354", testOAKey)
	// computed with Python: hashlib.sha256(app_id + body + timestamp + key)
	if good != knownSignature(t) {
		t.Fatalf("Signature = %s, want %s", good, knownSignature(t))
	}
	changed := []byte(strings.Replace(string(body), "Chào", "Chàp", 1))
	evChanged, _ := ParseEvent(changed)
	otherApp := []byte(strings.Replace(string(body), testAppID, "1111111111111111111", 1))
	evOther, _ := ParseEvent(otherApp)

	tests := []struct {
		name   string
		ev     *Event
		body   []byte
		header string
		want   error
	}{
		{"Valid", ev, body, good, nil},
		{"ValidUpperCase", ev, body, strings.ToUpper(good), nil},
		{"MacPrefix", ev, body, "mac=" + good, nil},
		{"MacPrefixSpaced", ev, body, " mac= " + good + " ", nil},
		{"Missing", ev, body, "", ErrNoSignature},
		{"MacPrefixOnly", ev, body, "mac=", ErrNoSignature},
		{"Wrong", ev, body, strings.Repeat("0", 64), ErrBadSignature},
		{"WrongKey", ev, body, Signature(testAppID, body, "1699003881354", "another-key"), ErrBadSignature},
		{"SignedWithWrongAppID", ev, body, Signature("1111111111111111111", body, "1699003881354", testOAKey), ErrBadSignature},
		{"SignedWithWrongTimestamp", ev, body, Signature(testAppID, body, "1699003881355", testOAKey), ErrBadSignature},
		{"BodyChangedByOneByte", evChanged, changed, good, ErrBadSignature},
		{"EventForAnotherApp", evOther, otherApp, Signature("1111111111111111111", otherApp, "1699003881354", testOAKey), ErrWrongApp},
		{"HMACIsNotAccepted", ev, body, AppSecretProof(testOAKey, testAppID+string(body)+"1699003881354"), ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Verify(tt.ev, tt.body, tt.header, testAppID, testOAKey); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// knownSignature is the signature of testdata/events/user_send_text.json,
// computed outside Go (Python hashlib) so that the test does not check the code
// against itself.
func knownSignature(t *testing.T) string {
	t.Helper()
	return "c5a4718e4ed34b73d97411c8c040589f2247783099fcfe731da24d4312a62325"
}

func FuzzParseEvent(f *testing.F) {
	for _, name := range []string{"user_send_text", "user_send_text_button", "follow", "unfollow", "user_send_image", "user_send_location", "user_seen_message"} {
		b, err := os.ReadFile("testdata/events/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "mac=00")
	}
	f.Add([]byte(`{"event_name":"user_send_text","app_id":1e400,"timestamp":-0}`), "")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		ev, err := ParseEvent(body)
		if err != nil {
			return
		}
		if ev.Name == "" {
			t.Fatal("parsed an event without a name")
		}
		_ = ev.Kind()
		_ = ev.UserID()
		_ = ev.Time()
		kind, text, payload := classifyText(ev.Text)
		if kind == "button" && (payload == "" || text != "") || kind == "text" && text != ev.Text {
			t.Fatalf("classifyText(%q) = %s %q %q", ev.Text, kind, text, payload)
		}
		// A forged header never passes; the real signature always does.
		if Verify(ev, body, header, ev.AppID, testOAKey) == nil && header != Signature(ev.AppID, body, ev.Timestamp, testOAKey) {
			sig := strings.TrimSpace(header)
			if len(sig) >= 4 && strings.EqualFold(sig[:4], "mac=") {
				sig = sig[4:]
			}
			if strings.ToLower(strings.TrimSpace(sig)) != Signature(ev.AppID, body, ev.Timestamp, testOAKey) {
				t.Fatalf("header %q verified", header)
			}
		}
		if err := Verify(ev, body, Signature(ev.AppID, body, ev.Timestamp, testOAKey), ev.AppID, testOAKey); err != nil {
			t.Fatalf("the real signature failed: %v", err)
		}
	})
}
