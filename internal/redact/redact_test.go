package redact_test

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/vneid-guide/vneidbot/internal/redact"
)

func TestSensitive(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"so cccd cua toi la 001203004567", true},
		{"0012 0300 4567", true},
		{"mã OTP là 123456", true},
		{"otp 482913 nhap o dau", true},
		{"123456", true},
		{"mật khẩu của tôi là Abc@12345", true},
		{"mk: hoa1234", true},
		{"pass Abc@1234 sao ko vao dc", true},
		{"passcode la 654321", true},
		// Forms found by the security probe (issue 17).
		{"cccd 001/203/045/680 bị khóa", true},
		{"00  12  03  04  56  80", true},
		{"０１２３４５６７８９０１", true},
		{"số cmnd 123 456 789", true},
		{"my password is Hunter!xyz please reset", true},
		{"password: hunterxyz", true},
		{"Password=Secret99", true},
		{"pw Hunter!xyz", true},
		{"pwd: correcthorse", true},
		{"mật khẩu của tôi Hunter!xyz", true},
		{"mật khẩu mới là Vneid2024@", true},
		{"mã OTP là 482 913", true},
		// A code read out digit by digit (fifth persona round); steps
		// counted out are fewer digits.
		{"vậy chú nhập 4 8 2 9 1 3 vô app là được hả", true},
		{"làm bước 1 2 3 rồi", false},
		// An ID number read out in groups joined by words (seventh probe
		// V5); years joined so are no number.
		{"số cccd của tôi 079 rồi 123 rồi 456 rồi 789", true},
		{"sinh năm 1975 và 1980 và 1990", false},
		{"đợi 30 rồi 45 phút", false},
		{"mã xác thực: ４８２９１３", true},
		{"mã otp là bốn mươi tám, hai mươi chín, mười ba", true},
		{"٤٨٢٩١٣", true},
		// A password without a symbol, in a message about passwords (persona walk, 2026-12-05).
		{"mk phai dat sao z, e dat Me123456 ma no ko cho", true},
		{"mk cua toi dat sai hoai, may iPhone12 co sao ko", false},
		// letters only right after the word (fourth probe, S7)
		{"xã Hòa An mk hoamaivang", true},
		{"mật khẩu hoamaivang", true},
		{"mật khẩu khuyến nghị thế nào", false},
		{"my password forgotten again", false},
		{"Trên VNeID ngày sinh của tôi bị sai, ghi 1965 mà đúng ra là 1956. Sửa ở đâu vậy?", false},
		{"mã là 4829", true},
		// Forms found by the security probe of 2026-12-05.
		{"mật khẩu đăng nhập vneid của tôi là Hoamai2024 mà không vào được", true},
		{"mật khẩu là: Xyz@98765", true},
		{"mật khẩu tôi đặt là Hoamai@24", true},
		{"mật khẩu của bố tôi là Binh1960!", true},
		{"mk vneid là Lan@123456", true},
		{"the password I set was Sunny#2025", true},
		{"tôi đặt Hoamai@2024 mà không vào được", true},
		// Ordinary questions stay answerable.
		{"mật khẩu đăng nhập vneid của tôi là gì", false},
		{"mật khẩu tôi nhập hoài nó báo là sai", false},
		{"mật khẩu mới phải là 8 ký tự đúng không", false},
		{"email an123@gmail.com có dùng được không", false},
		{"máy Samsung A52s 5G có NFC không", false},
		{"quên mật khẩu", false},
		{"quên mật khẩu là sao", false},
		{"mật khẩu là gì", false},
		{"my password is not working", false},
		{"my password is wrong", false},
		{"ko nhan dc otp", false},
		{"mật khẩu 8 ký tự là sao", false},
		{"mk phải có mấy ký tự", false},
		{"đăng ký mức 2 ở đâu", false},
		{"1", false},
		{"tổng đài 1900 0368", false},
		{"hạn là 01/7/2024 phải không", false},
		{"mã v_ab234567", false},
		{"mã v_2345678a", false},
		{"email của tôi là an@example.com", false},
		// Digits said as words (third probe): warned about as typed digits are.
		{"mã otp là một hai ba bốn năm sáu mà báo sai", true},
		{"mk la hai ba bon nam sau bay tam chin", true},
		{"ma cua toi la 1 hai 3 bon 5 6", true},
		{"số cccd không bảy chín hai không ba không một hai ba bốn năm bị sai ngày sinh", true},
		{"tôi có hai ba cái thẻ", false},
		{"một hai ngày nữa là có hả", false},
		{"mật khẩu phải có chữ hoa, số và ký tự đặc biệt", false},
	}
	for _, tt := range tests {
		if got := redact.Sensitive(tt.in); got != tt.want {
			t.Errorf("Sensitive(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	for _, in := range []string{
		"sdt 0912345678 ko nhan dc otp",
		"sđt +84 912 345 678",
		"cccd 001203004567 bi loi",
		"mat khau la Abc@12345",
		"mật khẩu đăng nhập vneid của tôi là Hoamai2024 mà không vào được",
		"tôi đặt Abc@12345 mà không vào được",
	} {
		out := redact.String(in)
		for _, secret := range []string{"0912345678", "912 345 678", "001203004567", "Abc@12345", "Hoamai2024"} {
			if strings.Contains(out, secret) {
				t.Errorf("String(%q) = %q still contains %q", in, out, secret)
			}
		}
	}
}

// TestStringProbeInputs are the inputs of issue 17 that reached Redis, the
// dashboard and the CSV verbatim.
func TestStringProbeInputs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cccd 001/203/045/680 bị khóa", "cccd [số] bị khóa"},
		{"00  12  03  04  56  80 là số gì", "[số] là số gì"},
		{"số ０１２３４５６７８９０１ sai", "số [số] sai"},
		{"my password is Hunter!xyz please reset", redact.Password},
		{"gửi vào an.nguyen+vneid@example.com.vn giúp", "gửi vào [email] giúp"},
		{"sđt (+84) 912-345-678 ko nhận otp", "sđt (+[số] ko nhận otp"},
		{"số ٠٩١٢٣٤٥٦٧٨", "số [số]"},
		// digits said as words (third probe): hidden like digits
		{"số điện thoại của tôi là không chín một hai ba bốn năm sáu bảy tám, sao không nhận được tin", "số điện thoại của tôi là [số], sao không nhận được tin"},
		{"mã otp là một hai ba bốn năm sáu mà báo sai", "mã otp là [số] mà báo sai"},
		{"ma otp la mot hai ba bon nam sau ma khong vao duoc", "ma otp la [số] ma khong vao duoc"},
		{"mk la hai ba bon nam sau bay tam chin", "mk la [số]"},
		{"ma cua toi la 1 hai 3 bon 5 6", "ma cua toi la [số]"},
		{"my code is one two three four five six", "my code is [số]"},
		// tens (fifth probe T4): "bốn mươi tám" is 48, "mười ba" 13
		{"mã otp là bốn mươi tám, hai mươi chín, mười ba", "mã otp là [số]"},
		{"so cua toi khong chin muoi hai ba muoi bon nam muoi sau bay", "so cua toi [số]"},
	}
	for _, tt := range tests {
		if got := redact.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStringKeepsOrdinaryText: what redaction must not eat.
func TestStringKeepsOrdinaryText(t *testing.T) {
	for _, in := range []string{
		"2 ngày rồi chưa được duyệt",
		"gọi tổng đài 1900 0368 không được",
		"từ 01/7/2024 có bắt buộc không",
		"năm 2025 còn dùng cmnd được không",
		"iphone 15 cài được không",
		"mật khẩu 8 ký tự là sao",
		// number words that are no number
		"tôi có hai ba cái thẻ, làm lại cái nào",
		"ngày sinh của tôi bị sai, ghi 1965 mà đúng ra là 1956",
		"chờ mười ngày rồi chưa thấy tin nhắn",
		"ba mươi tuổi làm được không",
		"một hai ngày nữa là có hả",
	} {
		if got := redact.String(in); got != in {
			t.Errorf("String(%q) = %q, want it unchanged", in, got)
		}
	}
}

// TestDigitRanges checks what the digit normalisation relies on: every
// range of Unicode decimal digits is ten consecutive code points per
// script, starting at a zero.
func TestDigitRanges(t *testing.T) {
	for _, r := range unicode.Nd.R16 {
		if r.Stride != 1 || (int(r.Hi)-int(r.Lo)+1)%10 != 0 {
			t.Errorf("Nd range %U-%U stride %d", r.Lo, r.Hi, r.Stride)
		}
	}
	for _, r := range unicode.Nd.R32 {
		if r.Stride != 1 || (int(r.Hi)-int(r.Lo)+1)%10 != 0 {
			t.Errorf("Nd range %U-%U stride %d", r.Lo, r.Hi, r.Stride)
		}
	}
	if got := redact.String("mã ٤٨٢٩١٣ ४८२९१३ 𝟒𝟖𝟐𝟗𝟏𝟑"); got != "mã [số]" {
		t.Errorf("String = %q", got)
	}
}

// zeros are the digit zeros of scripts a secret may be typed in: ASCII,
// full-width, Arabic-Indic, Devanagari, Thai, mathematical bold.
var zeros = []rune{'0', '０', '٠', '०', '๐', '𝟎'}

// separators go between the digits of a planted number.
var separators = []string{"", " ", "  ", ".", "-", "/", " / ", " - ", "\u00a0", "\u200b", "_", "\t", "\n", ",", "·", "–", "*"}

// planted is a secret and the ways it may be typed.
type planted struct {
	kind   string // id, cmnd, phone, otp, password, email; lookalike, card, cvv, phrase, written (T9)
	digits string // for numbers
	text   string // for passwords and e-mails (the name before the "@" of a written one)
}

// render writes a number in a script, split in groups by separators.
func render(rng *rand.Rand, digits string) string {
	zero := zeros[rng.IntN(len(zeros))]
	var b strings.Builder
	group := 1 + rng.IntN(4)
	for i, c := range digits {
		if i > 0 && i%group == 0 {
			b.WriteString(separators[rng.IntN(len(separators))])
		}
		b.WriteRune(zero + (c - '0'))
	}
	return b.String()
}

// variant returns a message carrying p in one of the forms people use.
func variant(rng *rand.Rand, p planted) string {
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	switch p.kind {
	case "id":
		return pick("cccd ", "số định danh ", "CCCD: ", "id number ", "") + render(rng, p.digits) + pick(" bị khóa", " sao không đăng ký được", "", ".")
	case "cmnd":
		return pick("cmnd cũ ", "số cmnd ", "") + render(rng, p.digits) + pick(" còn dùng được không", "")
	case "phone":
		d := p.digits
		prefix := pick("", "+", "(+", "00")
		if rng.IntN(2) == 0 {
			d = "84" + d[1:]
		} else {
			prefix = ""
		}
		return pick("sđt ", "số điện thoại ", "phone ", "gọi ") + prefix + render(rng, d) + pick(" không nhận được otp", "", " nhé")
	case "otp":
		return pick("mã OTP là ", "otp ", "mã xác thực: ", "code ", "mã ", "OTP=") + render(rng, p.digits) + pick("", " nhập ở đâu", " hết hạn rồi")
	case "password":
		return pick("my password is ", "password: ", "Password=", "pass ", "mk ", "mk: ", "mật khẩu của tôi ", "mật khẩu là ",
			"mat khau cua toi la ", "pw ", "pwd: ", "passcode ", "mật khẩu mới là ", "MẬT KHẨU: ") + p.text + pick(" please reset", " bị sai", "", " sao ko vào được")
	case "email":
		return pick("email ", "gửi về ", "mail của tôi là ") + p.text + pick("", " nhé", ".")
	case "lookalike":
		// an ID number in ASCII digits, a few inside it typed as letters
		b := []byte(p.digits)
		for range 1 + rng.IntN(3) {
			i := 1 + rng.IntN(len(b)-2)
			switch b[i] {
			case '0':
				b[i] = pick("O", "o")[0]
			case '1':
				b[i] = pick("l", "I")[0]
			}
		}
		var out strings.Builder
		group := 1 + rng.IntN(4)
		for i, c := range b {
			if i > 0 && i%group == 0 {
				out.WriteString(pick("", " ", ".", "-", " - "))
			}
			out.WriteByte(c)
		}
		return pick("cccd ", "số định danh ", "") + out.String() + pick(" bị khóa", "", ".")
	case "card":
		return pick("số thẻ ", "thẻ visa ", "card ", "") + render(rng, p.digits) + pick(" bị trừ tiền", "", " liên kết sao")
	case "cvv":
		return pick("cvv ", "CVV: ", "mã cvv là ", "mã bảo mật thẻ ", "3 số sau thẻ là ", "ba số ở mặt sau: ") + render(rng, p.digits) + pick("", " nhập ở đâu", " nhé")
	case "phrase":
		return pick("mk là ", "pass: ", "mật khẩu của tôi là ", "password is ", "mật khẩu mới là ", "MK: ", "mat khau la ") + p.text +
			pick("", " mà không vào được", ", sao vậy", ". Giúp tôi với", " nhé")
	case "written":
		return pick("email ", "gửi về ", "mail của tôi là ", "") + p.text + pick("(at)", " [at] ", " a còng ", " A CÒNG ", " @ ", " at ", "@", " ") +
			pick("gmail", "yahoo") + pick(" chấm ", " . ", " dot ", "[dot]", " (dot) ") + pick("com", "vn", "com chấm vn") + pick("", " nhé", ".")
	}
	panic(p.kind)
}

// leaked reports whether out still holds p in any form.
func leaked(out string, p planted) bool {
	if p.text != "" {
		return strings.Contains(strings.ToLower(out), strings.ToLower(p.text))
	}
	if p.kind == "lookalike" {
		out = strings.NewReplacer("O", "0", "o", "0", "l", "1", "I", "1").Replace(out)
	}
	var digits strings.Builder
	for _, r := range out {
		for _, z := range zeros {
			if r >= z && r <= z+9 {
				digits.WriteRune('0' + r - z)
			}
		}
	}
	d := p.digits
	if p.kind == "phone" {
		d = d[1:] // without the 0 or the 84
	}
	return strings.Contains(digits.String(), d)
}

func randomPlanted(rng *rand.Rand) planted {
	num := func(n int, first string) string {
		b := []byte(first)
		for len(b) < n {
			b = append(b, byte('0'+rng.IntN(10)))
		}
		return string(b)
	}
	switch rng.IntN(11) {
	case 6:
		return planted{kind: "lookalike", digits: num(12, "0")}
	case 7:
		return planted{kind: "card", digits: luhnNumber(num(15, "4"))}
	case 8:
		return planted{kind: "cvv", digits: num(3+rng.IntN(2), "")}
	case 9:
		return planted{kind: "phrase", text: []string{"hoa mai vang 1975", "con meo den", "anh yeu em", "lan anh 1990", "Minh An 2024"}[rng.IntN(5)]}
	case 10:
		return planted{kind: "written", text: []string{"nguyenvanan99", "an.nguyen", "hoa_tran"}[rng.IntN(3)]}
	case 0:
		return planted{kind: "id", digits: num(12, "0")}
	case 1:
		return planted{kind: "cmnd", digits: num(9, "")}
	case 2:
		return planted{kind: "phone", digits: num(10+rng.IntN(2), "09")}
	case 3:
		return planted{kind: "otp", digits: num(6, "")}
	case 4:
		return planted{kind: "password", text: []string{"Hunter!xyz", "Hoa@12345", "Vneid#2024", "s3cretPass", "Abc.12345"}[rng.IntN(5)]}
	}
	return planted{kind: "email", text: []string{"an.nguyen@example.com", "hoa_tran+vneid@mail.example.vn", "user99@example.org"}[rng.IntN(3)]}
}

// luhnNumber returns digits with the check digit that makes them a card
// number.
func luhnNumber(digits string) string {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-i)%2 == 1 { // doubled once the check digit follows
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return digits + string(rune('0'+(10-sum%10)%10))
}

// TestPlantedVariants generates secrets in many forms and checks that none
// survives String, and that ID numbers, codes and passwords are Sensitive.
func TestPlantedVariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	for range 20000 {
		p := randomPlanted(rng)
		in := variant(rng, p)
		out := redact.String(in)
		if leaked(out, p) {
			t.Fatalf("String(%q) = %q keeps the %s", in, out, p.kind)
		}
		if p.kind != "phone" && p.kind != "email" && p.kind != "written" && !redact.Sensitive(in) {
			t.Fatalf("Sensitive(%q) = false for a %s", in, p.kind)
		}
	}
}

// FuzzPlanted lets the fuzzer drive the variant generator.
func FuzzPlanted(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(17), uint64(2026))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		rng := rand.New(rand.NewPCG(a, b))
		p := randomPlanted(rng)
		in := variant(rng, p)
		if out := redact.String(in); leaked(out, p) {
			t.Fatalf("String(%q) = %q keeps the %s", in, out, p.kind)
		}
	})
}

func FuzzString(f *testing.F) {
	f.Add("cccd 001203004567")
	f.Add("mk: abc")
	f.Add("cccd 001/203/045/680 bị khóa")
	f.Add("０１２３４５６７８９０１")
	f.Add("my password is Hunter!xyz please reset")
	f.Fuzz(func(t *testing.T, s string) {
		out := redact.String(s)
		if redact.Sensitive(out) && !strings.Contains(out, redact.Number) && out != redact.Password {
			t.Fatalf("String(%q) = %q is still sensitive", s, out)
		}
		for _, r := range out {
			if r > unicode.MaxASCII && unicode.IsDigit(r) {
				t.Fatalf("String(%q) = %q keeps a non-ASCII digit", s, out)
			}
		}
	})
}

// TestConcurrentUse: the engine and the statistics writer redact at the
// same time; every call must give what a call alone gives (and -race must
// find nothing shared).
func TestConcurrentUse(t *testing.T) {
	texts := []string{"Mã OTP của tôi là 482913", "CCCD 001099012345 của bà Hòa", "số điện thoại 0912 345 678", "không nhận được OTP"}
	want := make([]string, len(texts))
	for i, s := range texts {
		want[i] = redact.String(s)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % len(texts)
				if got := redact.String(texts[k]); got != want[k] {
					t.Errorf("String(%q) = %q concurrently, %q alone", texts[k], got, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestIDNumberOnly: a card number alone gets the calm warning; with a code,
// a password or a code's name it gets the full one.
func TestIDNumberOnly(t *testing.T) {
	for in, want := range map[string]bool{
		"038165004321 so nay dung ko a":        true,
		"số cmnd 123 456 789":                  true,
		"mã OTP là 482913":                     false,
		"otp 038165004321":                     false,
		"cccd 038165004321 mk Abc@12345":       false,
		"038165004321 và mã 482913 gửi về máy": false,
		"hôm nay trời đẹp":                     false,
		"4111 1111 1111 1111":                  false, // a card: the full warning, with the bank
		"cvv 123":                              false,
	} {
		if got := redact.IDNumberOnly(in); got != want {
			t.Errorf("IDNumberOnly(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestLookalikeDigits: letters typed for digits inside a number (O and o
// for 0, l and I for 1) are read as the digits (fourth probe S7, fifth T9).
func TestLookalikeDigits(t *testing.T) {
	tests := []struct {
		in, want  string
		sensitive bool
	}{
		{"O12O3O4568O9", "[số]", true},
		{"cccd OO12O3O4568O bị khóa", "cccd [số] bị khóa", true},
		{"cccd O12 O3O 456 8O9", "cccd [số]", true},
		{"sdt 09l2345678", "sdt [số]", false},
		{"sđt 09I2-345-678 ko nhận otp", "sđt [số] ko nhận otp", false},
		{"số cmnd l23 456 789", "số cmnd [số]", true},
		// a look-alike word between digits is taken in; at the ends it is a word
		{"09 l 2345678 là số của tôi", "[số] là số của tôi", false},
		{"I 0912345678", "I [số]", false},
		{"toi o 012345678901", "toi o [số]", true},
		// too short to be an ID or a phone number: as typed
		{"2O24", "2O24", false},
		{"lOl 12", "lOl 12", false},
		{"Oppo A57 có NFC không", "Oppo A57 có NFC không", false},
		{"iPhone 11 Pro", "iPhone 11 Pro", false},
	}
	for _, tt := range tests {
		if got := redact.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := redact.Sensitive(tt.in); got != tt.sensitive {
			t.Errorf("Sensitive(%q) = %v, want %v", tt.in, got, tt.sensitive)
		}
	}
}

// TestWrittenEmails: addresses whose "@" or dots are written out, spaced or
// left out before a mailbox provider are hidden (fourth probe S7, fifth T9).
func TestWrittenEmails(t *testing.T) {
	tests := []struct{ in, want string }{
		{"an(at)gmail.com", "[email]"},
		{"email an [at] gmail [dot] com nhé", "email [email] nhé"},
		{"mail của tôi là an.nguyen a còng gmail chấm com", "mail của tôi là [email]"},
		{"AN A CÒNG GMAIL CHẤM COM", "[email]"},
		{"an a cong gmail cham com", "[email]"},
		{"an a móc yahoo chấm com chấm vn", "[email]"},
		{"email: an @ gmail . com nhé", "email: [email] nhé"},
		{"an.nguyen@gmail chấm com", "[email]"},
		{"my mail is an at gmail dot com", "my mail is [email]"},
		{"nguyenvanan gmail chấm com", "[email]"},
		{"gửi về an99 gmail.com giúp", "gửi về [email] giúp"},
		// what is no address stays
		{"đăng nhập bằng gmail chấm com được không", "đăng nhập bằng gmail chấm com được không"},
		{"dang nhap bang gmail cham com duoc khong", "dang nhap bang gmail cham com duoc khong"},
		{"sign in with gmail.com", "sign in with gmail.com"},
		{"lỗi @ app. Sao vậy", "lỗi @ app. Sao vậy"},
		{"I am at home", "I am at home"},
		{"chấm công ở đâu", "chấm công ở đâu"},
	}
	for _, tt := range tests {
		if got := redact.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if redact.Sensitive(tt.in) {
			t.Errorf("Sensitive(%q) = true: an address is hidden, not warned about", tt.in)
		}
	}
}

// TestPassphrases: a password of several words after "mật khẩu là", "pass:"
// runs to the end of its clause, four words at most; a clause that asks or
// describes is no password (fourth probe S7, fifth T9).
func TestPassphrases(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"mk là hoa mai vang 1975", true},
		{"pass: con meo den", true},
		{"pass: con meo den khong dc", true},
		{"mật khẩu là hoa mai vàng", true},
		{"mật khẩu của tôi là hoa mai vàng mà không vào được", true},
		{"mật khẩu đăng nhập vneid của tôi là con mèo đen, sao không vào được", true},
		{"mật khẩu tôi đặt là hoa mai vàng 1975", true},
		{"mật khẩu mới là Minh An 1990", true},
		{"mk là anh yeu em", true},
		{"pass là lan anh, giờ sao", true},
		{"mật khẩu là hoa mai vàng. Giờ làm sao", true},
		{"mật khẩu là hoa mai vàng phải không", true}, // asks about the password it gives
		{"mật khẩu là hoamai của tôi", true},
		{"tôi đặt là 123456", true},
		{"I set to Sunny2025", true},
		// questions and descriptions
		{"mật khẩu là gì", false},
		{"mã otp là cái gì", false},
		{"mật khẩu phải có chữ hoa không", false},
		{"mật khẩu là 8 ký tự đúng không", false},
		{"mật khẩu là do mình tự đặt", false},
		{"mật khẩu là chữ hoa hay thường", false},
		{"mật khẩu là số hay chữ", false},
		{"mật khẩu là ngày sinh à", false},
		{"mật khẩu là mặc định à", false},
		{"mật khẩu là tùy mình đặt hả", false},
		{"mật khẩu là mười hai ký tự", false},
		{"mật khẩu là tiếng việt có dấu được không", false},
		{"mật khẩu là mật khẩu vneid hay ngân hàng", false},
		{"mật khẩu là tên con chó nhà tôi", false},
		{"mật khẩu là tên đăng nhập phải không", false},
		{"mật khẩu là bắt buộc", false},
		{"mật khẩu là bí mật", false},
		{"mật khẩu là dãy 6 số", false},
		{"cái mã số đó với mật khẩu là hai thứ khác nhau à", false},
		{"mật khẩu lần đầu là mã otp gửi về", false},
		{"mật khẩu sai nhiều lần là bị khóa bao lâu", false},
		{"the password I set was too short", false},
		{"password is case sensitive?", false},
		{"tôi đặt lịch hẹn là 15/7", false},
		{"tôi đặt là xong rồi", false},
	}
	for _, tt := range tests {
		if got := redact.Sensitive(tt.in); got != tt.want {
			t.Errorf("Sensitive(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if got, hidden := redact.String(tt.in), tt.want; (got == redact.Password) != hidden {
			t.Errorf("String(%q) = %q, hidden whole: %v", tt.in, got, hidden)
		}
	}
}

// TestCardSecrets: a card's security code after its name and a bank card
// number (16 or 19 digits passing the Luhn check) are warned about and
// hidden (fifth probe T9).
func TestCardSecrets(t *testing.T) {
	tests := []struct {
		in, want  string
		sensitive bool
	}{
		{"cvv 123", "cvv [số]", true},
		{"CVV: 123 nhập ở đâu", "CVV: [số] nhập ở đâu", true},
		{"mã cvv là 123", "mã cvv là [số]", true},
		{"mã bảo mật thẻ 456", "mã bảo mật thẻ [số]", true},
		{"3 số sau thẻ là 789", "3 số sau thẻ là [số]", true},
		{"ba số ở mặt sau thẻ: 789", "ba số ở mặt sau thẻ: [số]", true},
		{"cvc2 của thẻ là 1234", "cvc2 của thẻ là [số]", true},
		{"4111 1111 1111 1111", "[số]", true},
		{"thẻ 4111-1111-1111-1111 bị trừ tiền", "thẻ [số] bị trừ tiền", true},
		{"số thẻ 5500000000000004 sao không liên kết được", "số thẻ [số] sao không liên kết được", true},
		// not a card's number: hidden (a long number), no alarm
		{"mã giao dịch 4111111111111112", "mã giao dịch [số]", false},
		// no code given
		{"cvv là gì", "cvv là gì", false},
		{"thẻ có 3 số cvv ở đâu", "thẻ có 3 số cvv ở đâu", false},
		{"cvv 3 số hay 4 số", "cvv 3 số hay 4 số", false},
		{"mã 123", "mã 123", false},
		{"đợi 30 phút", "đợi 30 phút", false},
		{"lớp 10", "lớp 10", false},
		{"quận 3", "quận 3", false},
		{"đường 3/2", "đường 3/2", false},
	}
	for _, tt := range tests {
		if got := redact.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := redact.Sensitive(tt.in); got != tt.sensitive {
			t.Errorf("Sensitive(%q) = %v, want %v", tt.in, got, tt.sensitive)
		}
	}
}

// TestOrdinaryNumbersStay: numbers that tell something and are no secret
// are neither warned about nor hidden.
func TestOrdinaryNumbersStay(t *testing.T) {
	for _, in := range []string{
		"đợi 30 phút rồi chưa thấy mã",
		"năm 1975",
		"lớp 10",
		"nhà ở quận 3",
		"đường 3/2",
		"vneid bản 2.1.6 có lỗi không",
		"cập nhật lên 2.1.16 rồi",
		"ios 17.5.1 cài được không",
		"lệ phí 15.000 đồng hả",
		"họ bắt chuyển 100.000đ",
		"mất 100.000.000đ rồi", // nine digits, a price: no ID number
		"pay 50,000 VND to activate",
		"chuyển 1500000 đồng",
		"giá 1.500.000 ₫",
		"hẹn ngày 15/07",
		"sinh ngày 01.07.24",
		"ngày 2024-07-15 đi làm",
		"lúc 10:30 sáng",
		"iphone 11 có nfc không",
		"samsung a52 5g",
	} {
		if got := redact.String(in); got != in {
			t.Errorf("String(%q) = %q, want it unchanged", in, got)
		}
		if redact.Sensitive(in) {
			t.Errorf("Sensitive(%q) = true", in)
		}
	}
	// the same shapes that are no date, time, version or price
	for in, want := range map[string]string{
		"nhập 12.34.56 không được": "nhập [số] không được", // no one-digit part: a code
		"mã OTP 482.913đ":          "mã OTP [số]đ",
		"mã 482913đ":               "mã [số]đ",
		"0912.345.678đ":            "[số]đ",
		"lúc 25:61":                "lúc [số]",
		"ngày 45/13":               "ngày [số]",
		"phí 15.000 thôi à":        "phí [số] thôi à", // a price needs its currency
	} {
		if got := redact.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBareDigits: a message that is nothing but a number counts its digits,
// for the engine to add up an ID number sent in parts; three digits alone
// are hidden by String, being such a part (fifth probe T9).
func TestBareDigits(t *testing.T) {
	tests := []struct {
		in     string
		digits int
		out    string
	}{
		{"001", 3, "[số]"},
		{" 203 004 ", 6, " [số] "},
		{"03.00", 4, "[số]"},
		{"٠٠١", 3, "[số]"},
		{"１２", 2, "12"},
		{"12", 2, "12"},
		{"2", 1, "2"},
		{"1975", 4, "1975"},
		{"15/07", 4, "15/07"},
		{"001 nhé", 0, "001 nhé"},
		{"quận 3", 0, "quận 3"},
		{"mã 123", 0, "mã 123"},
		{"OO1", 0, "OO1"},
		{"", 0, ""},
		{"???", 0, "???"},
	}
	for _, tt := range tests {
		if got := redact.BareDigits(tt.in); got != tt.digits {
			t.Errorf("BareDigits(%q) = %d, want %d", tt.in, got, tt.digits)
		}
		if got := redact.String(tt.in); got != tt.out {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.out)
		}
	}
}
