package zalo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

func TestSendCSWireFormat(t *testing.T) {
	api := newFakeAPI(t, "tok")
	c := &Client{BaseURL: api.srv.URL + "/", AppSecret: testAppSecret}
	id, err := c.SendCS(context.Background(), "tok", testUser, Message{Text: "Xin chào"})
	if err != nil || id != "msg0" {
		t.Fatalf("SendCS = %q, %v", id, err)
	}
	req := api.requests()[0]
	if req.Token != "tok" || req.Proof != AppSecretProof(testAppSecret, "tok") {
		t.Errorf("headers: access_token %q, appsecret_proof %q", req.Token, req.Proof)
	}
	if got, want := string(req.Body), `{"recipient":{"user_id":"6142494823190574713"},"message":{"text":"Xin chào"}}`; got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

// Zalo often answers HTTP 200 with a negative error: only "error": 0 is a
// success, whatever the status.
func TestSendCSErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		answer  string
		code    int
		wantErr bool
	}{
		{"OK", 200, `{"data":{"message_id":"m"},"error":0,"message":"Success"}`, 0, false},
		{"NegativeErrorWithHTTP200", 200, `{"error":-216,"message":"Access token is invalid"}`, -216, true},
		{"RateLimited", 200, `{"error":-32,"message":"Request exceeds limit"}`, -32, true},
		{"OutsideWindow", 200, `{"error":-230,"message":"User has not interacted with the OA in the last 7 days"}`, -230, true},
		{"ErrorAsString", 200, `{"error":"-201","message":"Invalid parameter"}`, -201, true},
		{"ErrorWithHTTP500", 500, `{"error":-32,"message":"busy"}`, -32, true},
		{"SuccessWithOddStatus", 202, `{"error":0,"message":"Success","data":{}}`, 0, false},
		{"NoErrorField", 200, `{"message":"Success"}`, 0, true},
		{"NotJSON", 502, `<html>Bad gateway</html>`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			api.script = func(int, string) (int, string) { return tt.status, tt.answer }
			_, err := (&Client{BaseURL: api.srv.URL}).SendCS(context.Background(), "tok", testUser, Message{Text: "x"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var ae *APIError
			if got := errors.As(err, &ae); got != (tt.code != 0) || got && ae.Code != tt.code {
				t.Errorf("err = %v, want API error %d", err, tt.code)
			}
		})
	}
}

func TestAPIErrorClasses(t *testing.T) {
	for _, c := range []int{-230, -232, -213, -227, -244} {
		if !(&APIError{Code: c}).Unreachable() {
			t.Errorf("%d is not unreachable", c)
		}
	}
	for _, c := range []int{-216, -220} {
		if !(&APIError{Code: c}).TokenRejected() {
			t.Errorf("%d does not reject the token", c)
		}
	}
	for _, c := range []int{-32, -201, -210, -211, -240} {
		if e := (&APIError{Code: c}); e.Unreachable() || e.TokenRejected() {
			t.Errorf("%d misclassified", c)
		}
	}
}

func TestMessageJSON(t *testing.T) {
	m := Message{Text: "Chọn", Attachment: &Attachment{Type: "template", Payload: Payload{Buttons: []Button{
		{Title: "Menu", Type: "oa.query.hide", Payload: "#menu"},
		{Title: "Web", Type: "oa.open.url", Payload: map[string]string{"url": "https://vneid.gov.vn/"}},
		{Title: "Gọi", Type: "oa.open.phone", Payload: map[string]string{"phone_code": "19000368"}},
	}}}}
	b, _ := json.Marshal(m)
	want := `{"text":"Chọn","attachment":{"type":"template","payload":{"buttons":[{"title":"Menu","type":"oa.query.hide","payload":"#menu"},{"title":"Web","type":"oa.open.url","payload":{"url":"https://vneid.gov.vn/"}},{"title":"Gọi","type":"oa.open.phone","payload":{"phone_code":"19000368"}}]}}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	_ = http.StatusOK
}
