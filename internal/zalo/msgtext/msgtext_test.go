package msgtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"Short", "Xin chào", 20, []string{"Xin chào"}},
		{"Blank", "  \n ", 20, nil},
		{"Paragraphs", "Đoạn một.\n\nĐoạn hai dài hơn.", 20, []string{"Đoạn một.", "Đoạn hai dài hơn."}},
		{"Lines", "dòng một\ndòng hai\ndòng ba", 18, []string{"dòng một\ndòng hai", "dòng ba"}},
		{"Sentences", "Câu một. Câu hai. Câu ba.", 18, []string{"Câu một. Câu hai.", "Câu ba."}},
		{"Words", "một hai ba bốn năm", 10, []string{"một hai ba", "bốn năm"}},
		{"LongWord", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"Emoji counts as two", "👍👍👍", 4, []string{"👍👍", "👍"}},
		{"Combining mark stays", "ae\u0301e\u0301", 2, []string{"a", "e\u0301", "e\u0301"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.in, tt.max)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Fatalf("Split(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestSplitKeepsEveryWordWithinLimit(t *testing.T) {
	para := strings.Repeat("Bước 1: Mở ứng dụng VNeID trên điện thoại rồi bấm Đăng nhập. ", 40)
	text := para + "\n\n" + para + "\n" + strings.Repeat("x", 2500)
	pieces := Split(text, 2000)
	for i, p := range pieces {
		if Len(p) > 2000 {
			t.Errorf("piece %d is %d long", i, Len(p))
		}
		if !utf8.ValidString(p) {
			t.Errorf("piece %d is not valid UTF-8", i)
		}
	}
	if got, want := strings.Join(strings.Fields(strings.Join(pieces, " ")), " "), strings.Join(strings.Fields(text), " "); got != strings.ReplaceAll(want, strings.Repeat("x", 2500), strings.Repeat("x", 2000)+" "+strings.Repeat("x", 500)) {
		t.Error("splitting lost or changed text")
	}
	if !strings.HasSuffix(pieces[0], ".") {
		t.Errorf("first piece does not end at a sentence: %q", pieces[0][len(pieces[0])-20:])
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("Câu một. Câu hai.\n\nĐoạn hai", 7)
	f.Add("👍e\u0301\u200d", 2)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 2 || max > 5000 {
			return
		}
		for _, p := range Split(s, max) {
			if Len(p) > max {
				t.Fatalf("piece %q is longer than %d", p, max)
			}
			if p == "" {
				t.Fatal("empty piece")
			}
		}
	})
}
