package faq

import (
	"slices"
	"testing"
)

// A question asked after an answer on another topic must still find its own
// entry: the last topic's prior is for messages that lean on it. Each
// question of the tuning half that is no follow-up is asked after the entry
// of the question before it in the file, and the answers given outright
// are compared with the same questions asked alone.
func TestQuestionAfterUnrelatedAnswer(t *testing.T) {
	ix := New(mustLoad(t))
	var n, alone, after, wrongAlone, wrongAfter int
	prev := ""
	for _, it := range loadReal(t, "realistic_tune.yaml") {
		if it.Prev != "" {
			continue
		}
		ok := append([]string{it.ID}, it.Also...)
		for i, cx := range []Context{{}, {Last: prev}} {
			r := ix.SearchIn(it.Q, "vi", cx)
			if r.Verdict != Confident {
				continue
			}
			right := slices.Contains(ok, r.Hits[0].ID)
			switch {
			case i == 0 && right:
				alone++
			case i == 0:
				wrongAlone++
			case right:
				after++
			default:
				wrongAfter++
			}
		}
		n++
		if it.ID != "none" {
			prev = it.ID
		}
	}
	t.Logf("%d questions: answered right alone %d, after the previous answer %d; wrong %d, %d", n, alone, after, wrongAlone, wrongAfter)
	if after < alone-n*4/100 || wrongAfter > wrongAlone+n*2/100 {
		t.Errorf("after an unrelated answer: %d right, %d wrong of %d; alone %d right, %d wrong", after, wrongAfter, n, alone, wrongAlone)
	}
}
