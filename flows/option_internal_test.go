package flows

import (
	"strings"
	"testing"
)

// TestOptionNumber: the number of a shown button, typed as people type it
// (second persona round: "cai thu nhat", "cai so 2" were read as "mức 1/2"
// questions); number words alone and "mức 2" are no button.
func TestOptionNumber(t *testing.T) {
	for in, want := range map[string]int{
		"2": 2, "cai thu 2": 2, "cai so 2": 2, "cai thu nhat": 1, "so 1 nha": 1, "cai dau tien": 1,
		"cai thu ba": 3, "chon so hai": 2, "the second one": 2, "second": 2, "option 3": 3, "thu 2 a": 2,
	} {
		if n, ok := optionNumber(in); !ok || n != want {
			t.Errorf("optionNumber(%q) = %d, %v; want %d", in, n, ok, want)
		}
	}
	for _, in := range []string{"", "   ", "a", "hai", "muc 2", "dang ky muc 2", "viec thu 2", "ba toi 70 tuoi", "cai nay la gi", "so dien thoai 2", "con ba", "cai sau"} {
		if n, ok := optionNumber(in); ok {
			t.Errorf("optionNumber(%q) = %d; want no button", in, n)
		}
	}
}

// FuzzOptionNumber: any typed text is read without panicking, and a number
// it reads came from the text.
func FuzzOptionNumber(f *testing.F) {
	for _, s := range []string{"", "2", "cai thu 2", "so 1 nha", "the second one", " a ", "thu"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := optionNumber(s); ok && n == 0 && !strings.Contains(s, "0") {
			t.Fatalf("optionNumber(%q) = 0 from no zero", s)
		}
	})
}

// TestAsksOtherQuestion: after a message with two questions, the citizen's
// names for the second one (second persona round: "việc thứ 2" opened
// nothing); a button's number and a new question are not.
func TestAsksOtherQuestion(t *testing.T) {
	for _, in := range []string{"viec thu 2", "con cau kia thi sao", "cau con lai", "y thu hai nha", "con viec kia", "the other one", "what about the other question", "van de thu 2 a"} {
		if !asksOtherQuestion(in) {
			t.Errorf("asksOtherQuestion(%q) = false", in)
		}
	}
	for _, in := range []string{"", "con", "cai thu 2", "2", "so 2", "cau hoi kia la gi vay ban oi giup toi", "quen mat khau", "con cau kia lam sao de kich hoat"} {
		if asksOtherQuestion(in) {
			t.Errorf("asksOtherQuestion(%q) = true", in)
		}
	}
}

// TestStillFailing: "vẫn" right before a negation says what was tried
// still fails; fingerprints ("vân tay") and problems ("vấn đề") do not.
func TestStillFailing(t *testing.T) {
	for _, in := range []string{"bam gui lai roi van khong co", "van ko dc", "lam roi ma van the", "it still does not work", "van chua duoc a"} {
		if !stillFailing(in) {
			t.Errorf("stillFailing(%q) = false", in)
		}
	}
	for _, in := range []string{"", "van", "van tay khong nhan", "van de khong hieu", "khong nhan duoc otp", "van ban khong co"} {
		if stillFailing(in) {
			t.Errorf("stillFailing(%q) = true", in)
		}
	}
}
