package content_test

import (
	"testing"

	"github.com/vneid-guide/vneidbot/content"
)

// TestEmbeddedContentIsValid fails CI when an edit breaks the built-in content.
func TestEmbeddedContentIsValid(t *testing.T) {
	c, problems := content.Load(content.Embedded, content.Options{})
	for _, p := range problems {
		t.Log(p)
	}
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	t.Log(c.Summary())
}

// TestLookalike: an address borrowing an official domain's name is named
// with the domain it borrows; official hosts and any host under .gov.vn (the
// provinces' own portals) are not.
func TestLookalike(t *testing.T) {
	c, problems := content.Load(content.Embedded, content.Options{})
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ text, host, real string }{
		{"link vneid-gov.com.vn co phai that ko", "vneid-gov.com.vn", "vneid.gov.vn"},
		{"https://vneid.gov.vn.xacthuc-online.top/login", "vneid.gov.vn.xacthuc-online.top", "vneid.gov.vn"},
		{"vào dichvucong-gov.vn.co nộp hồ sơ", "dichvucong-gov.vn.co", "dichvucong.gov.vn"},
		{"trang https://vneid.gov.vn có thật không", "", ""},
		{"nộp ở dichvucong.hanoi.gov.vn được không", "", ""},
		{"dichvucong.gov.vn", "", ""},
		{"không có địa chỉ nào", "", ""},
	} {
		host, real := c.Lookalike(tc.text)
		if host != tc.host || real != tc.real {
			t.Errorf("Lookalike(%q) = %q, %q; want %q, %q", tc.text, host, real, tc.host, tc.real)
		}
	}
}
