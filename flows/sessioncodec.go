package flows

import (
	"encoding/json"
	"unicode/utf8"
)

// decodeSession reads a stored session. Sessions are written by
// json.Marshal, and nearly all are plain: known keys, strings without
// escapes, whole numbers, true. Those are read by a small parser that
// knows Session's keys, about four times cheaper than reflection (the
// session's decoding was 4% of a web update's CPU, docs/benchmarks.md,
// issue 13); anything else is left to encoding/json, so both read the same.
func decodeSession(b []byte, s *Session) error {
	var fast Session
	if (&sessionParser{b: b}).parse(&fast) {
		*s = fast
		return nil
	}
	return json.Unmarshal(b, s)
}

// sessionParser reads the plain form of a Session's JSON; any byte it does
// not expect makes parse report false.
type sessionParser struct {
	b []byte
	i int
}

func (p *sessionParser) parse(s *Session) bool {
	if !p.skip('{') {
		return false
	}
	if p.skip('}') {
		return p.i == len(p.b)
	}
	for {
		key, ok := p.str()
		if !ok || !p.skip(':') {
			return false
		}
		switch key {
		case "l":
			s.Locale, ok = p.str()
		case "f":
			s.Flow, ok = p.str()
		case "s":
			s.Step, ok = p.str()
		case "b":
			s.Back, ok = p.strs()
		case "o":
			s.Options, ok = p.strs()
		case "r":
			s.Ref, ok = p.str()
		case "q":
			s.LastFAQ, ok = p.str()
		case "hv":
			s.Vote, ok = p.str()
		case "t":
			s.Turns, ok = p.integer()
		case "c":
			s.Started, ok = p.integer64()
		case "u":
			s.Updated, ok = p.integer64()
		case "w":
			s.RateWin, ok = p.integer64()
		case "n":
			s.RateN, ok = p.integer()
		case "v":
			s.Vol, ok = p.yes()
		case "si":
			s.Sit, ok = p.strs()
		case "lp":
			s.Picked, ok = p.yes()
		case "mi":
			s.Misses, ok = p.integer()
		case "sd":
			s.Said, ok = p.str()
		case "ho":
			s.Hand, ok = p.str()
		case "ar":
			s.Area, ok = p.str()
		case "aa":
			s.AskArea, ok = p.yes()
		case "g":
			s.Greet, ok = p.yes()
		case "ad":
			s.Addr, ok = p.str()
		case "k":
			s.Key, ok = p.str()
		case "dp":
			s.Pieces, ok = p.integer()
		default:
			return false
		}
		if !ok {
			return false
		}
		if p.skip(',') {
			continue
		}
		return p.skip('}') && p.i == len(p.b)
	}
}

func (p *sessionParser) skip(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string with no escapes and valid UTF-8.
func (p *sessionParser) str() (string, bool) {
	if !p.skip('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			v := p.b[start:p.i]
			p.i++
			return string(v), utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

func (p *sessionParser) strs() ([]string, bool) {
	if !p.skip('[') {
		return nil, false
	}
	out := make([]string, 0, 4)
	if p.skip(']') {
		return []string{}, true
	}
	for {
		v, ok := p.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if p.skip(',') {
			continue
		}
		return out, p.skip(']')
	}
}

// integer64 reads a whole number as JSON writes it (no leading zeros, at
// most 18 digits: longer ones are left to encoding/json).
func (p *sessionParser) integer64() (int64, bool) {
	neg := p.skip('-')
	start := p.i
	var n int64
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		n = n*10 + int64(p.b[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 18 || digits > 1 && p.b[start] == '0' {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

func (p *sessionParser) integer() (int, bool) {
	n, ok := p.integer64()
	return int(n), ok && int64(int(n)) == n
}

// yes reads true (false is left to encoding/json: omitempty never writes it).
func (p *sessionParser) yes() (bool, bool) {
	if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "true" {
		p.i += 4
		return true, true
	}
	return false, false
}
