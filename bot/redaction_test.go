package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestNoPersonalDataInLogsOrRedis runs the whole bot with debug logging,
// sends messages carrying planted ID numbers, phone numbers, OTPs and
// passwords through the web chat (as sensitive input, inside FAQ questions
// and unanswered questions, and as a volunteer-code lookalike), and then
// greps every log line and every Redis key and value for them.
func TestNoPersonalDataInLogsOrRedis(t *testing.T) {
	planted := []string{"079203001234", "0912345678", "0987 654 321", "+84 912 555 777", "482913", "Hoa@12345", "271828"}
	messages := []string{
		"cccd của tôi là 079203001234 mà không đăng ký được",
		"sdt 0912345678 ko nhan dc otp",
		"số điện thoại 0987 654 321 của mẹ tôi không nhận được mã",
		"gọi giúp tôi +84 912 555 777 được không",
		"mã otp 482913 nhập ở đâu",
		"mat khau cua toi la Hoa@12345 bi sai",
		"passcode: 271828",
		"toi mua vang o sdt 0912345678 duoc khong", // unanswered, with a phone number
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	m := miniredis.RunT(t)
	getenv := env("VNEIDBOT_ADDR", addr, "LOG_LEVEL", "debug", "LOG_FORMAT", "json", "PUBLIC_URL", "https://vneid.example.gov.vn",
		"REDIS_URL", "redis://"+m.Addr()+"/0")
	go func() { done <- run(ctx, []string{"serve"}, nil, io.Discard, &logs, getenv) }()
	base := "http://" + addr
	for i := 0; i < 100; i++ {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	post := func(body string) {
		t.Helper()
		res, err := http.Post(base+"/api/chat", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	post(`{"user":"p1","start":""}`)
	for i, m := range messages {
		post(fmt.Sprintf(`{"user":"p1","id":"m%d","text":%q}`, i, m))
	}
	post(`{"user":"p1","button":"share"}`)

	cancel()
	<-done
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer rdb.Close()
	dump := storetest.Dump(t, rdb, "*")
	if dump == "" {
		t.Fatal("Redis is empty; the test would prove nothing")
	}

	if !strings.Contains(dump, "[số]") {
		t.Errorf("the unanswered question was not recorded in redacted form; Redis holds:\n%s", dump)
	}
	all := logs.String() + "\n" + dump
	if !strings.Contains(logs.String(), `"level":"DEBUG"`) && !strings.Contains(logs.String(), `"level":"INFO"`) {
		t.Fatalf("no logs captured; the test would prove nothing:\n%s", logs.String())
	}
	for _, p := range planted {
		for _, form := range []string{p, strings.ReplaceAll(p, " ", "")} {
			if strings.Contains(all, form) {
				t.Errorf("%q was logged or stored", form)
			}
		}
	}
}
