package web

// parsePlainRequest reads a request body in the form the chat page sends:
// one compact object of the known keys, each a string with no escapes. It
// reports false for anything else, which encoding/json then reads (and
// FuzzParsePlainRequest holds the two to the same reading). Decoding by
// reflection was 3% of a web update's CPU (docs/benchmarks.md, issue 13).
// The body is valid UTF-8 already.
func parsePlainRequest(b []byte) (Request, bool) {
	var req Request
	i := 0
	str := func() (string, bool) {
		if i >= len(b) || b[i] != '"' {
			return "", false
		}
		i++
		start := i
		for ; i < len(b); i++ {
			switch c := b[i]; {
			case c == '"':
				i++
				return string(b[start : i-1]), true
			case c == '\\' || c < 0x20:
				return "", false
			}
		}
		return "", false
	}
	skip := func(c byte) bool {
		if i < len(b) && b[i] == c {
			i++
			return true
		}
		return false
	}
	if !skip('{') || skip('}') {
		return req, false
	}
	for {
		key, ok := str()
		if !ok || !skip(':') {
			return req, false
		}
		v, ok := str()
		if !ok {
			return req, false
		}
		switch key {
		case "user":
			req.User = v
		case "id":
			req.ID = v
		case "text":
			req.Text = &v
		case "button":
			req.Button = &v
		case "start":
			req.Start = &v
		case "lang":
			req.Lang = v
		default:
			return req, false
		}
		if skip(',') {
			continue
		}
		return req, skip('}') && i == len(b)
	}
}
