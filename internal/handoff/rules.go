package handoff

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Hours are the officers' office hours: From:00 to To:00 on the given
// weekdays, in Loc (Asia/Ho_Chi_Minh).
type Hours struct {
	From, To int
	Days     []time.Weekday
	Loc      *time.Location
}

// Vietnam is the time zone of office hours (UTC+7, no daylight saving).
var Vietnam = time.FixedZone("ICT", 7*3600)

// DefaultHours are 7:00 to 17:00, Monday to Friday.
func DefaultHours() Hours {
	return Hours{From: 7, To: 17, Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Loc: Vietnam}
}

// ParseHours reads HANDOFF_HOURS: "7-17" (Monday to Friday), "7-17 mon-sat",
// or "0-24 mon-sun" for always.
func ParseHours(s string) (Hours, error) {
	h := DefaultHours()
	s = strings.TrimSpace(s)
	if s == "" {
		return h, nil
	}
	span, days, _ := strings.Cut(s, " ")
	a, b, ok := strings.Cut(span, "-")
	from, err1 := strconv.Atoi(strings.TrimSpace(a))
	to, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || from < 0 || to > 24 || from >= to {
		return h, fmt.Errorf("%q: want hours like 7-17 (from 0 to 24), optionally followed by days like mon-fri", s)
	}
	h.From, h.To = from, to
	if days = strings.TrimSpace(days); days != "" {
		names := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
		d1, d2, _ := strings.Cut(strings.ToLower(days), "-")
		i, j := slices.Index(names, d1), slices.Index(names, d2)
		if d2 == "" {
			j = i
		}
		if i < 0 || j < 0 {
			return h, fmt.Errorf("%q: days must be like mon-fri", s)
		}
		h.Days = nil
		for k := i; ; k = (k + 1) % 7 {
			h.Days = append(h.Days, time.Weekday(k))
			if k == j {
				break
			}
		}
	}
	return h, nil
}

// String is the hours as HANDOFF_HOURS writes them.
func (h Hours) String() string { return fmt.Sprintf("%d-%d", h.From, h.To) }

// Open reports whether t is within office hours.
func (h Hours) Open(t time.Time) bool {
	l := t.In(h.Loc)
	return slices.Contains(h.Days, l.Weekday()) && l.Hour() >= h.From && l.Hour() < h.To
}

// NextOpen returns t when it is within office hours, else the next opening.
func (h Hours) NextOpen(t time.Time) time.Time {
	if h.Open(t) {
		return t
	}
	l := t.In(h.Loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), h.From, 0, 0, 0, h.Loc)
	for i := 0; i < 8; i++ {
		d := day.AddDate(0, 0, i)
		if slices.Contains(h.Days, d.Weekday()) && d.After(t) {
			return d
		}
	}
	return t // no office day: never "closed"
}

// Due is the first-answer target of a ticket opened at t: sla after the
// office opens (at once when open).
func (h Hours) Due(t time.Time, sla time.Duration) time.Time { return h.NextOpen(t).Add(sla) }

// Refusal is why an officer's reply was not sent. Its text is shown to the
// officer (the command line, the inbox, the operators group).
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return "reply refused: " + r.Reason }

// ErrRefused matches every Refusal with errors.Is.
var ErrRefused = errors.New("reply refused")

// Is makes errors.Is(err, ErrRefused) true for a Refusal.
func (r *Refusal) Is(target error) bool { return target == ErrRefused }

// secretWords name what a citizen must never give anyone (folded).
// Besides the names, what an SMS brings and pictures of the card: "đọc 6
// số vừa nhận", "gửi ảnh CCCD" ask for the same without naming it.
var secretWords = []string{"otp", "mat khau", "matkhau", "passcode", "pass code", "password", "ma xac thuc", "ma xac nhan", "pin", "ma kich hoat", "pass",
	"so vua nhan", "so vua gui", "ma vua nhan", "ma vua gui", "tin nhan vua nhan", "so trong tin nhan", "ma trong tin nhan", "con so gui ve", "so gui ve may",
	"anh cccd", "anh can cuoc", "anh the can cuoc", "anh the cccd", "chup the", "chup can cuoc", "chup cccd", "mat truoc the", "mat sau the",
	"code you received", "code we sent", "digits you received", "photo of your id", "picture of your id",
	// short forms, and what else a scammer asks for (probe S5)
	"mk", "mat ma", "6 chu so", "sau chu so", "chu so gui ve", "so tai khoan", "stk", "so the ngan hang", "chuyen khoan", "chuyen tien",
	"bank account", "card number", "transfer money",
	// fifth probe (T5): the SMS's picture, the ID number asked for
	"chup man hinh tin nhan", "chup tin nhan", "screenshot of the sms", "screenshot of the message",
	"gui so cccd", "gui so can cuoc", "gui so dinh danh", "doc so cccd", "doc so dinh danh", "xin so cccd", "cho so cccd", "so cccd cua ban", "so dinh danh cua ban",
	"your id number"}

// foldedSecrets are secretWords folded as a reply is ("cccd" folds to
// "cd"), once.
var foldedSecrets = func() []string {
	out := make([]string, len(secretWords))
	for i, w := range secretWords {
		out[i] = vntext.Fold(w)
	}
	return out
}()

// negations make a sentence about a secret a warning, not a request. They
// are matched with their accents (lower case, NFC): folded, "đừng" would be
// "dùng" (use) and "đúng" (right) too. Unaccented warnings are refused: the
// officer writes them again with accents.
var negations = []string{"đừng", "không được", "không bao giờ", "không cung cấp", "không chia sẻ", "không gửi", "không đưa", "không nói", "tuyệt đối không", "chớ", "never", "do not", "don't", "not share", "not give", "not send", "not tell"}

// notNegations read like negations but make no warning: "Nếu không được
// thì gửi mã OTP", "Do not worry, send me the OTP". They are taken out of a
// clause before its negations are looked for (fifth probe, T5).
var notNegations = strings.NewReplacer("nếu không được", " ", "không được thì", " ", "nếu không", " ", "không sao", " ",
	"đừng lo", " ", "đừng ngại", " ", "do not worry", " ", "don't worry", " ", "dont worry", " ", "if not", " ")

// clauseBreaks split a sentence into clauses: a "never" in one clause does
// not make a request in the next a warning ("Đừng lo, gửi mã OTP cho tôi").
var clauseBreaks = regexp.MustCompile(`[,;:]|\s(?:nhưng|but|then)\s`)

// CheckReply refuses a reply that asks for an OTP, password or passcode (a
// sentence naming one without a "never"/"đừng" is taken as asking), or that
// holds a link outside allowed (domains and their subdomains).
func CheckReply(text string, allowed []string) error {
	if strings.TrimSpace(text) == "" {
		return &Refusal{"the reply is empty"}
	}
	// Read also with the letters spelled apart joined ("m.ậ.t k.h.ẩ.u",
	// "mã O.T.P"): joining only merges, so it finds more, never fewer.
	// And as the letters look ("ОТР" in Cyrillic, "ＯＴＰ", "0TP"), and with
	// single letters spaced apart joined ("O T P").
	looks := lookalikes.Replace(norm.NFKC.String(text))
	for _, t := range []string{text, letterJoins.Replace(text), looks, joinSingles(letterJoins.Replace(looks))} {
		for _, sent := range vntext.Sentences(t) {
			for _, clause := range clauseBreaks.Split(strings.ToLower(norm.NFC.String(sent)), -1) {
				if w, asks := asksSecret(clause); asks {
					return &Refusal{fmt.Sprintf("it asks for a secret (%q): officers never ask for an OTP, password or passcode", w)}
				}
			}
		}
	}
	for _, raw := range content.LinksIn(text) { // "ｅｖｉｌ．ｔｏｐ", "evil。top" too
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			return &Refusal{fmt.Sprintf("the link %q cannot be read", raw)}
		}
		host := strings.ToLower(u.Hostname())
		if !content.OnDomains(host, allowed) {
			return &Refusal{fmt.Sprintf("the link to %q is not on the allowed domains (allowed_domains in content/meta.yaml)", host)}
		}
	}
	return nil
}

// letterJoins take out what may be typed between the letters of a word to
// slip it past the filter.
var letterJoins = strings.NewReplacer(".", "", "-", "", "_", "", "*", "", "\u200b", "")

// lookalikes are letters of other scripts, and digits, that look like the
// Latin letters of a secret's name.
var lookalikes = strings.NewReplacer("О", "O", "о", "o", "Т", "T", "т", "t", "Р", "P", "р", "p", "А", "A", "а", "a",
	"Е", "E", "е", "e", "С", "C", "с", "c", "Н", "H", "К", "K", "к", "k", "М", "M", "м", "m", "Х", "X", "х", "x",
	"В", "B", "І", "I", "і", "i", "0", "o")

// joinSingles joins runs of three or more one-letter words ("O T P",
// "m ậ t k h ẩ u").
func joinSingles(s string) string {
	f := strings.Fields(s)
	var out []string
	for i := 0; i < len(f); {
		j := i
		for j < len(f) && utf8.RuneCountInString(f[j]) == 1 {
			j++
		}
		if j-i >= 3 {
			out = append(out, strings.Join(f[i:j], ""))
			i = j
			continue
		}
		out = append(out, f[i])
		i++
	}
	return strings.Join(out, " ")
}

// asksSecret reports whether a clause (lower case, NFC) names a secret
// without a negation, and which.
func asksSecret(clause string) (string, bool) {
	f := " " + vntext.Fold(clause) + " "
	for _, w := range foldedSecrets {
		if !strings.Contains(f, " "+w+" ") {
			continue
		}
		warned := false
		plain := notNegations.Replace(clause)
		for _, n := range negations {
			if strings.Contains(plain, n) {
				warned = true
				break
			}
		}
		if !warned {
			return strings.TrimSpace(w), true
		}
	}
	return "", false
}

// AreaNumbers are one area's ticket figures.
type AreaNumbers struct {
	Area     string `json:"area"`
	Opened   int64  `json:"opened"`
	Answered int64  `json:"answered"`
	Closed   int64  `json:"closed"`
	Open     int64  `json:"open"` // not closed now
	Late     int64  `json:"late"` // not closed now and past the first-answer target unanswered
	// MedianFirstAnswer is the median time from opening to the first
	// answer, in seconds, over the last 1,000 answered tickets (0: none).
	MedianFirstAnswer int64 `json:"median_first_answer_seconds"`
}

// Numbers returns the ticket figures of every area, sorted by area.
func (s *Store) Numbers(ctx context.Context) ([]AreaNumbers, error) {
	areas, err := s.Areas(ctx)
	if err != nil {
		return nil, fmt.Errorf("handoff: areas: %w", err)
	}
	active, err := s.List(ctx, Officer{All: true}, false)
	if err != nil {
		return nil, err
	}
	out := []AreaNumbers{}
	for key, name := range areas {
		n := AreaNumbers{Area: name}
		m, err := s.rdb.HGetAll(ctx, s.key("n", key)).Result()
		if err != nil {
			return nil, fmt.Errorf("handoff: numbers of %s: %w", key, err)
		}
		n.Opened, _ = strconv.ParseInt(m["opened"], 10, 64)
		n.Answered, _ = strconv.ParseInt(m["answered"], 10, 64)
		n.Closed, _ = strconv.ParseInt(m["closed"], 10, 64)
		secs, err := s.rdb.LRange(ctx, s.key("fa", key), 0, -1).Result()
		if err != nil {
			return nil, fmt.Errorf("handoff: first answers of %s: %w", key, err)
		}
		n.MedianFirstAnswer = median(secs)
		for _, t := range active {
			if AreaKey(t.Area) == key {
				n.Open++
				if t.Late {
					n.Late++
				}
			}
		}
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b AreaNumbers) int { return strings.Compare(a.Area, b.Area) })
	return out, nil
}

func median(secs []string) int64 {
	var v []int64
	for _, s := range secs {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			v = append(v, n)
		}
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
