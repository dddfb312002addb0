package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestNoPersonalDataInLogsOrRedis runs the whole bot with debug logging,
// sends messages carrying planted ID numbers, phone numbers, OTPs,
// passwords and e-mail addresses through the web chat (as sensitive input,
// inside FAQ questions and unanswered questions, and as a volunteer-code
// lookalike), in the forms the security probe of issue 17 used too (other
// separators, full-width and Arabic-Indic digits, English password
// phrasings), and then greps every log line, every Redis key and value, the
// dashboard and the unanswered questions' CSV for them, in any form.
func TestNoPersonalDataInLogsOrRedis(t *testing.T) {
	planted := []string{"079203001234", "0912345678", "0987 654 321", "+84 912 555 777", "482913", "Hoa@12345", "271828",
		"001203045680", "079203005678", "001203045681", "Hunter!xyz", "an.nguyen@example.com", "912555888", "482914", "Tr0ub4dor&3",
		// the forms of T9 (section 13 of docs/security.md)
		"079203009876", "0913579246", "hoa mai vang", "con meo den", "tran.thi.hoa", "4111111111111111", "038165004321"}
	messages := []string{
		"cccd 001/203/045/680 bị khóa",
		"số định danh ０７９２０３００５６７８ sai",
		"00  12  03  04  56  81 là số gì",
		"my password is Hunter!xyz please reset",
		"email tôi là an.nguyen@example.com sao không nhận thư",
		"sđt (+84) 912-555-888 ko nhận otp",
		"mã xác thực: ٤٨٢٩١٤",
		"pw: Tr0ub4dor&3",
		"cccd của tôi là 079203001234 mà không đăng ký được",
		"sdt 0912345678 ko nhan dc otp",
		"số điện thoại 0987 654 321 của mẹ tôi không nhận được mã",
		"gọi giúp tôi +84 912 555 777 được không",
		"mã otp 482913 nhập ở đâu",
		"mat khau cua toi la Hoa@12345 bi sai",
		"passcode: 271828",
		"toi mua vang o sdt 0912345678 duoc khong", // unanswered, with a phone number
	}
	// The forms of T9, in a second conversation (the first is near the
	// per-chat rate limit): look-alike letters, passwords of several words,
	// addresses written out, a card number, an ID number in parts.
	messages2 := []string{
		"cccd O792O3OO9876 bị khóa",
		"sdt O9l3579246 ko nhận otp",
		"mk là hoa mai vang mà không vào được",
		"pass: con meo den, giúp tôi",
		"gửi về tran.thi.hoa a còng gmail chấm com giúp",
		"thẻ 4111 1111 1111 1111 bị trừ tiền",
		"038", "165", "004", "321",
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
		"REDIS_URL", "redis://"+m.Addr()+"/0", "ADMIN_TOKEN", adminToken)
	go func() { done <- run(ctx, []string{"serve"}, nil, io.Discard, &logs, getenv) }()
	base := "http://" + addr
	for i := 0; i < 100; i++ {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar} // the web chat names the conversation by its cookie
	post := func(body string) {
		t.Helper()
		res, err := browser.Post(base+"/api/chat", "application/json", strings.NewReader(body))
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
	jar2, _ := cookiejar.New(nil)
	browser = &http.Client{Jar: jar2}
	post(`{"user":"p2","start":""}`)
	for i, m := range messages2 {
		post(fmt.Sprintf(`{"user":"p2","id":"n%d","text":%q}`, i, m))
	}

	// What the operators see: the dashboard and the CSV export.
	var shown strings.Builder
	// Statistics are written in batches a few milliseconds after the answer.
	for _, path := range []string{"/admin/", "/admin/export/unanswered.csv"} {
		var b []byte
		status := 0
		get := func() bool {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(res.Body)
			res.Body.Close()
			status = res.StatusCode
			return status == 200 && strings.Contains(string(b), "[số]")
		}
		for start := time.Now(); !get() && time.Since(start) < 2*time.Second; {
			time.Sleep(20 * time.Millisecond)
		}
		if status != 200 || !strings.Contains(string(b), "[số]") {
			t.Fatalf("%s: %d, no redacted question shown; the test would prove nothing:\n%s", path, status, b)
		}
		shown.Write(b)
	}

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
	all := logs.String() + "\n" + dump + "\n" + shown.String()
	if !strings.Contains(logs.String(), `"level":"DEBUG"`) && !strings.Contains(logs.String(), `"level":"INFO"`) {
		t.Fatalf("no logs captured; the test would prove nothing:\n%s", logs.String())
	}
	// Every digit in any script made ASCII, so that a number is found in
	// whatever digits it was typed.
	normal := strings.Map(func(r rune) rune {
		for _, zero := range []rune{'０', '٠', '۰', '०'} {
			if r >= zero && r <= zero+9 {
				return '0' + r - zero
			}
		}
		return r
	}, all)
	for _, p := range planted {
		for _, form := range []string{p, strings.ReplaceAll(p, " ", "")} {
			if strings.Contains(all, form) || strings.Contains(strings.ToLower(normal), strings.ToLower(form)) {
				t.Errorf("%q was logged, stored or shown", form)
			}
		}
		if digits := strings.TrimLeft(strings.Map(keepDigit, p), "0"); len(digits) >= 6 {
			// the digits with any separators between them (not letters)
			var re strings.Builder
			for i, d := range digits {
				if i > 0 {
					re.WriteString(`[^\p{L}\p{N}]{0,4}`)
				}
				re.WriteRune(d)
			}
			if loc := regexp.MustCompile(re.String()).FindStringIndex(normal); loc != nil {
				t.Errorf("the digits of %q were logged, stored or shown: %q", p, normal[max(0, loc[0]-20):min(len(normal), loc[1]+20)])
			}
		}
	}
}

func keepDigit(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}
