package zalo

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "update golden files")

// textEvent is a user_send_text event as Zalo sends it.
func textEvent(msgID, text, ts string) []byte {
	b, _ := json.Marshal(map[string]any{
		"app_id": testAppID, "user_id_by_app": "979122185046046317", "event_name": "user_send_text",
		"timestamp": ts, "sender": map[string]string{"id": testUser}, "recipient": map[string]string{"id": "1289316048624187123"},
		"message": map[string]string{"text": text, "msg_id": msgID},
	})
	return b
}

// A whole conversation through the OA adapter: the fake Zalo platform posts
// signed events to the webhook, the adapter queues them, the real engine
// (on the test catalog) answers, and the adapter sends the replies to the
// fake OA API. Every request the API receives is compared with
// testdata/flow.golden (go test -run TestFlow -update rewrites it).
func TestFlowThroughOA(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	r.seed(t, "access-0", "refresh-0")
	var transcript bytes.Buffer
	step := func(label string, body []byte, sig *string) {
		t.Helper()
		before := len(r.api.requests())
		w := r.post(t, body, sig)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: webhook status %d", label, w.Code)
		}
		r.drain(t)
		fmt.Fprintf(&transcript, "### %s\n", label)
		for _, req := range r.api.requests()[before:] {
			if req.Token != "access-0" || req.Proof != AppSecretProof(testAppSecret, "access-0") {
				t.Errorf("%s: sent with token %q proof %q", label, req.Token, req.Proof)
			}
			var pretty bytes.Buffer
			json.Indent(&pretty, req.Body, "", "  ")
			fmt.Fprintf(&transcript, "POST /v3.0/oa/message/cs\n%s\n", pretty.String())
		}
	}

	step("follow: greeting and the menu (6 buttons: 5 + 1)", readEvent(t, "follow"), nil)
	step("button #f:install", readEvent(t, "user_send_text_button"), nil)
	step("typed 1: Android", textEvent("m-typed-1", "1", "1699003895000"), nil)
	step("typed xong: done", textEvent("m-xong", "xong", "1699003896000"), nil)
	step("the same event again (Zalo retried): nothing", textEvent("m-xong", "xong", "1699003896000"), nil)
	step("an image: please type", readEvent(t, "user_send_image"), nil)
	forged := "mac=" + strings.Repeat("0", 64)
	step("a forged event: nothing", textEvent("m-forged", "#menu", "1699003897000"), &forged)
	step("unfollow: nothing sent", readEvent(t, "unfollow"), nil)

	if why, marked, _ := r.a.Unreachable(ctx, testUser); !marked || why != "unfollow" {
		t.Errorf("after unfollow: %q, %v", why, marked)
	}
	golden(t, "testdata/flow.golden", transcript.Bytes())

	// The button press must have been seen as a press: the step it leads to
	// is the one the golden file shows under "button #f:install".
	if !strings.Contains(transcript.String(), `"payload": "#c:install:choose_os:android"`) {
		t.Error("the install flow's first step is missing")
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("requests differ from %s (go test -update rewrites it):\n%s", path, got)
	}
}
