package flows

import "testing"

// TestAddressFrom: how a message's writer asks to be called. An elder's
// word for themselves, or the bot called "cháu", gives that word; the same
// words naming somebody else ("bác tôi", "giúp ông nội", "bác sĩ") do not.
func TestAddressFrom(t *testing.T) {
	for in, want := range map[string]string{
		"cho bác hỏi cái vneid này cài sao": "bác",
		"Cháu ơi, bà không nhận được mã":    "bà",
		"cháu ơi giúp với":                  "bác",
		"bà không nhận được mã":             "bà",
		"cô muốn hỏi đăng ký mức 2 ở đâu":   "cô",
		"chỉ ông cách kích hoạt với":        "ông",
		"bac hoi chut, ko nhan dc otp":      "bác",
		"con oi chi giup":                   "bác",
		"cho em hỏi đăng ký mức 2":          "bạn",
		"bác tôi 80 tuổi làm được không":    "",
		"tôi giúp bác tôi làm vneid":        "",
		"giúp ông nội tôi làm vneid":        "",
		"bác sĩ bảo":                        "",
		"co muon hoi dang ky":               "",
		"ba toi 70 tuoi":                    "",
		"con tôi 10 tuổi làm được không":    "",
		"cho bà con hỏi":                    "",
		"quên mật khẩu":                     "",
		"":                                  "",
	} {
		if got, _ := addressFrom(in); got != want {
			t.Errorf("addressFrom(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAddressAs: "bạn" meaning "you" becomes the word asked for, with its
// capital; friends ("bạn bè") and words holding the letters stay.
func TestAddressAs(t *testing.T) {
	for _, c := range []struct{ in, addr, want string }{
		{"Bạn đến Công an xã. Chúc bạn làm xong.", "bác", "Bác đến Công an xã. Chúc bác làm xong."},
		{"Ý bạn là một trong những câu sau?", "bà", "Ý bà là một trong những câu sau?"},
		{"nhờ người thân, bạn bè giúp bạn", "ông", "nhờ người thân, bạn bè giúp ông"},
		{"\"Bạn\"", "cô", "\"Cô\""},
		{"bận bạnh bạn", "bác", "bận bạnh bác"},
		{"Bạn đến", "", "Bạn đến"},
		{"Bạn đến", "bạn", "Bạn đến"},
		{"You and bạn", "chú", "You and chú"},
	} {
		if got := addressAs(c.in, c.addr); got != c.want {
			t.Errorf("addressAs(%q, %q) = %q, want %q", c.in, c.addr, got, c.want)
		}
	}
}
