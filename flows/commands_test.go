package flows_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestCommandWordsComeFromContent: an operator adds a synonym for "menu" in
// vocab.yaml and citizens can type it, with or without accents; a word the
// content does not list is not a command.
func TestCommandWordsComeFromContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		cat := contenttest.Fresh(t) // changed below
		menu := cat.Msg("vi", "menu_prompt")
		if menu == "" {
			t.Fatal(`the content has no "menu_prompt" message to look for`)
		}
		say := func(e *flows.Engine, chat, text string) string {
			t.Helper()
			replies, err := e.Handle(context.Background(), flows.Inbound{Channel: "web", ChatID: chat, MessageID: text, Kind: flows.KindText, Text: text})
			if err != nil {
				t.Fatal(err)
			}
			return render(replies)
		}

		plain, err := flows.New(cat, st, flows.Options{Now: newClock().Now})
		if err != nil {
			t.Fatal(err)
		}
		if got := say(plain, "before", "trang chủ"); strings.Contains(got, menu) {
			t.Fatalf("\"trang chủ\" showed the menu before any content listed it:\n%s", got)
		}

		cat.Vocab.Commands["menu"] = append(cat.Vocab.Commands["menu"], "trang chủ")
		e, err := flows.New(cat, st, flows.Options{Now: newClock().Now})
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{"trang chủ", "TRANG CHU"} {
			if got := say(e, "after-"+text, text); !strings.Contains(got, menu) {
				t.Fatalf("%q did not show the menu after the content listed it:\n%s", text, got)
			}
		}
	})
}

// TestAskedIfABot: "mày là bot hả" is told it is an automatic assistant,
// with the people who can help, in a new chat and at a step; a question
// about phones ("người già không có máy thì sao") is no such question.
// "ko hiểu" at a step gets the step again, not a guess at a question.
func TestAskedIfABot(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	e := handoffEngine(t, st, &fakeHandoff{})
	bot := contenttest.Builtin(t).Msg("vi", "about_bot")
	for i, text := range []string{"mày là bot hả", "bạn là người thật hay bot vậy", "bot à", "are you a bot?"} {
		say := typer(t, e, "web", "bot"+strconv.Itoa(i))
		if i == 2 {
			say("/start")
			say("f:install")
		}
		rs := say(text)
		if i < 3 && !strings.Contains(texts(rs), bot) || i == 3 && !strings.Contains(texts(rs), "automatic assistant") || !slices.Contains(payloads(rs), "handoff") {
			t.Errorf("%q: said\n%s%v", text, texts(rs), payloads(rs))
		}
		if i == 2 && !slices.Contains(payloads(rs), "c:install:choose_os:android") {
			t.Errorf("%q at a step: the step is not shown again: %v", text, payloads(rs))
		}
	}
	say := typer(t, e, "web", "bot9")
	if rs := say("người già không có máy thì sao"); strings.Contains(texts(rs), bot) {
		t.Errorf("a question about phones was read as asking for a bot:\n%s", texts(rs))
	}
	say = typer(t, e, "web", "bot10")
	say("/start")
	say("f:install")
	rs := say("ko hiểu")
	if !strings.Contains(texts(rs), contenttest.Builtin(t).Msg("vi", "unclear_step")) || !slices.Contains(payloads(rs), "c:install:choose_os:android") || !slices.Contains(payloads(rs), "stuck") {
		t.Errorf("\"ko hiểu\" at a step said\n%s%v", texts(rs), payloads(rs))
	}
}

// TestChoiceReadOffTheButton: "chọn NFC" at the step whose button reads
// "Tôi chọn NFC" takes it, and "đúng" at "Kiểm tra thông tin" is the
// details being right; words that are on no one button are not a choice.
func TestChoiceReadOffTheButton(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	e := handoffEngine(t, st, &fakeHandoff{})
	press := func(chat string, payloads ...string) {
		t.Helper()
		for _, p := range payloads {
			if _, err := e.Handle(context.Background(), flows.Inbound{Channel: "web", ChatID: chat, Kind: flows.KindButton, Payload: p}); err != nil {
				t.Fatal(err)
			}
		}
	}
	say := typer(t, e, "web", "label1")
	press("label1", "f:forgot_password", "c:forgot_password:start:done")
	if rs := say("chọn NFC"); session(t, st, "web:label1").Step != "nfc" {
		t.Errorf("\"chọn NFC\" at the method step: now at %q, said\n%s", session(t, st, "web:label1").Step, texts(rs))
	}
	say = typer(t, e, "web", "label2")
	press("label2", "f:level1", "c:level1:check:ready", "c:level1:open:done", "c:level1:nfc:done")
	if s := session(t, st, "web:label2"); s.Step != "check_info" {
		t.Fatalf("the walk did not reach check_info: at %q", s.Step)
	}
	say("đúng")
	if s := session(t, st, "web:label2"); s.Step == "check_info" {
		t.Errorf("\"đúng\" at check_info did not move on")
	}
	say = typer(t, e, "web", "label3")
	press("label3", "f:forgot_password", "c:forgot_password:start:done")
	say("nfc là gì vậy")
	if s := session(t, st, "web:label3"); s.Step != "method" {
		t.Errorf("a question about NFC at the method step was taken as a choice: at %q", s.Step)
	}
}

// TestDoneWithThanks: "xong hết rồi, cảm ơn con nhiều nhen" in a guide is
// the step done, and the guide goes on; "ok, cảm ơn" and "thôi để mai
// làm, cảm ơn" keep the step for later.
func TestDoneWithThanks(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	e := handoffEngine(t, st, &fakeHandoff{})
	for i, c := range []struct {
		text  string
		moves bool
	}{{"xong hết rồi, cảm ơn con nhiều nhen", true}, {"ok, cảm ơn", false}, {"thôi để mai làm, cảm ơn nhé", false}} {
		chat := "done" + strconv.Itoa(i)
		if _, err := e.Handle(context.Background(), flows.Inbound{Channel: "web", ChatID: chat, Kind: flows.KindButton, Payload: "f:install"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Handle(context.Background(), flows.Inbound{Channel: "web", ChatID: chat, Kind: flows.KindButton, Payload: "c:install:choose_os:android"}); err != nil {
			t.Fatal(err)
		}
		before := session(t, st, "web:"+chat).Step
		typer(t, e, "web", chat)(c.text)
		if moved := session(t, st, "web:"+chat).Step != before; moved != c.moves {
			t.Errorf("%q at %s: moved %v, want %v", c.text, before, moved, c.moves)
		}
	}
}

// TestStartOver: "lại từ đầu" in a guide shows the menu, with the way back
// to the step, instead of a list that offered deleting the account.
func TestStartOver(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	say := typer(t, handoffEngine(t, st, &fakeHandoff{}), "web", "over")
	say("/start")
	say("1")
	rs := say("lại từ đầu")
	if p := payloads(rs); !slices.Contains(p, "f:install") || !slices.Contains(p, "resume") || slices.Contains(p, "q:delete_account") {
		t.Errorf("\"lại từ đầu\" said\n%s%v", texts(rs), p)
	}
}
