package redact

import (
	"regexp"
	"strings"
)

// A password of several words ("mk là hoa mai vang 1975", "pass: con meo
// den"; fourth probe S7, fifth T9) is read after the word for a password
// and "là", "is", "=" or ":", with up to six words between them ("mật khẩu
// đăng nhập của tôi là …"). It runs to the end of the clause: a
// punctuation mark, or a word that starts what the citizen says next
// (phraseEnd: "mà", "nhưng", "không", "bị"…). Two to maxPhraseWords words
// with none of phraseNot among them are a password; a longer clause is a
// sentence, and a clause with a question word, a word for what a password
// is made of, or a verb about setting one is a question or a description
// ("mật khẩu là gì", "mật khẩu là 8 ký tự đúng không", "mật khẩu là do mình
// tự đặt").

// maxPhraseWords is the longest password of several words read. Four is
// what people make passwords of (a name and a year, a short saying); a
// longer clause is what they say about it.
const maxPhraseWords = 4

// pwIntro is the word for a password and what introduces it, up to six
// words apart: the end of a match is where the password would start.
var pwIntro = regexp.MustCompile(pwWord + `(?:\s+\S+?){0,6}?\s*` + pwIs)

// phraseEnd are words, folded, that end a password of several words: what
// comes after them is the rest of the sentence ("… mà không vào được").
var phraseEnd = wordSet(`ma nhung thi nen vi nhe nha a ha roi van bi khong ko k kg hong hok chua phai
	but and because then`)

// phraseNot are words, folded, that a clause after "mật khẩu là" holds when
// it asks or describes rather than gives a password: question words, what
// a password is made of or named after, verbs about setting one, and the
// words of notSecret. Names ("Minh", "An") are not among them: people make
// passwords of names.
var phraseNot = wordSet(`gi j sao nao bao nhieu may the nhu cai co duoc dc dung sai ai dau do cua de la hay hoac
	so chu ky ki tu in ngay sinh ten cccd cmnd sdt dien thoai email gmail otp pin mat khau mk pass password vneid app
	tai khoan ung dung mac dinh dat nhap tao doi quen nho gui lay tuy bat buoc quan trong rieng can manh tieng
	thu loai kieu khac nhau
	what how is are the it this that my your not as too very already case sensitive when which working`, notSecret)

// wordSet returns the words of s, and those of more, as a set.
func wordSet(s string, more ...map[string]bool) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	for _, set := range more {
		for w := range set {
			m[w] = true
		}
	}
	return m
}

// passphrase reports whether plain (normalised, lower case, unaccented)
// gives a password of several words.
func passphrase(plain string) bool {
	for _, m := range pwIntro.FindAllStringIndex(plain, -1) {
		if phraseAt(plain[m[1]:]) >= 2 {
			return true
		}
	}
	return false
}

// phraseAt returns how many words of rest, what follows "mật khẩu là",
// make its clause, or -1 when the clause is no password: one of phraseNot
// is in it, or more than maxPhraseWords words.
func phraseAt(rest string) int {
	words := 0
	for tok := range strings.FieldsSeq(rest) {
		tok = strings.TrimLeft(tok, `("'`)
		w := strings.TrimRight(tok, `.,;!?)"'`)
		ends := strings.ContainsAny(tok[len(w):], ".,;!?") // the clause ends after w
		if w == "" {
			if ends {
				break // "mk là hoa mai vang , …"
			}
			continue
		}
		if phraseEnd[w] {
			break
		}
		if phraseNot[w] {
			return -1
		}
		words++
		if words > maxPhraseWords {
			return -1
		}
		if ends {
			break
		}
	}
	return words
}
