package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAskAnswersTheMissingTopics runs "vneidbot ask" (its real code path:
// built-in content, FAQ index, answer text) on the topics issue 15 added, in
// Vietnamese and in English, as citizens type them.
func TestAskAnswersTheMissingTopics(t *testing.T) {
	tests := []struct {
		id, lang, q, want string // want: a phrase of the answer in that language
	}{
		{"lost_id_card", "vi", "mất thẻ căn cước thì tài khoản vneid có bị khóa không", "cấp lại thẻ"},
		{"lost_id_card", "en", "I lost my ID card, is my VNeID account locked?", "new card"},
		{"gplx_suspended", "vi", "bang lai bi tam giu thi dung gplx tren vneid duoc ko", "tạm giữ"},
		{"gplx_suspended", "en", "my driving licence was seized, can I use the one in VNeID", "seized"},
		{"check_level2", "vi", "làm sao biết tài khoản của tôi là mức 1 hay mức 2", "căn cước điện tử"},
		{"check_level2", "en", "how can I check if my VNeID account is level 2", "electronic ID"},
		{"card_waiting", "vi", "làm thẻ căn cước lâu quá chưa có thì hỏi ai", "nơi bạn đã nộp"},
		{"card_waiting", "en", "my ID card application is taking too long", "where you applied"},
		{"delete_account", "vi", "tôi muốn xóa tài khoản vneid", "không hướng dẫn cách tự xóa"},
		{"delete_account", "en", "how do I delete my VNeID account", "do not explain any way to delete"},
		{"card_exchange_merger", "vi", "sau sáp nhập tỉnh có bắt buộc đổi thẻ căn cước không", "Không bắt buộc"},
		{"card_exchange_merger", "en", "do I have to change my ID card after the merger of provinces", "not compulsory"},
		{"dvc_submit", "vi", "đăng nhập dịch vụ công xong rồi nộp hồ sơ thế nào", "thủ tục"},
		{"dvc_submit", "en", "I logged in to the public services portal, how do I submit a procedure", "procedure"},
		{"de_an_06", "vi", "đề án 06 là gì", "Đề án 06"},
		{"de_an_06", "en", "what is Đề án 06", "Đề án 06"},
		{"chip_signature", "vi", "chữ ký số trên chip thẻ căn cước để làm gì", "chip"},
		{"chip_signature", "en", "what is the digital signature in the ID card chip", "chip"},
		{"eligibility", "vi", "ai được đăng ký tài khoản định danh điện tử", "Ai được đăng ký"},
		{"eligibility", "en", "who can register for an e-ID account and how", "Who can register"},
	}
	for _, tt := range tests {
		t.Run(tt.id+"_"+tt.lang, func(t *testing.T) {
			code, out, errOut := runCmd(t, env(), "ask", "--json", "--lang", tt.lang, tt.q)
			var res struct {
				ID     *string `json:"id"`
				Answer string  `json:"answer"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
				t.Fatalf("ask: exit %d, %s %s", code, out, errOut)
			}
			if res.ID == nil || *res.ID != tt.id {
				t.Fatalf("ask %q answered %v, want %s:\n%s", tt.q, res.ID, tt.id, out)
			}
			if !strings.Contains(res.Answer, tt.want) {
				t.Errorf("the %s answer lacks %q:\n%s", tt.lang, tt.want, res.Answer)
			}
		})
	}
}
