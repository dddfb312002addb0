package flows

import (
	"hash/maphash"
	"sync"

	"github.com/vneid-guide/vneidbot/internal/faq"
)

// searchCache remembers the FAQ's reading of recent messages, for one
// content version. In a surge many citizens type the same few things ("ko
// nhan dc otp", "kich hoat"), and reading a message is the largest part of
// an update's own CPU time after the HTTP and Redis system calls
// (docs/benchmarks.md, issue 13). A hit returns the same Result the index
// would: the key holds every input of faq.Index.SearchIn.
//
// Keys are 64-bit hashes, so the cache holds no citizen's words; sensitive
// messages never reach the FAQ anyway (turn.typed). Results are shared
// between turns and must not be modified.
type searchCache struct {
	seed maphash.Seed
	mu   sync.Mutex
	m    map[uint64]faq.Result
}

const (
	// searchCacheSize bounds the entries; past it one entry leaves for each
	// that comes (Go's map order makes it a random one).
	searchCacheSize = 4096
	// searchCacheText is the longest message cached: long messages are
	// stories, seldom typed twice.
	searchCacheText = 160
)

func newSearchCache() *searchCache {
	return &searchCache{seed: maphash.MakeSeed(), m: make(map[uint64]faq.Result)}
}

// search returns ix.SearchIn(text, locale, cx), from the cache when it can.
func (c *searchCache) search(ix *faq.Index, text, locale string, cx faq.Context) faq.Result {
	if len(text) > searchCacheText {
		return ix.SearchIn(text, locale, cx)
	}
	var h maphash.Hash
	h.SetSeed(c.seed)
	for _, s := range [...]string{text, locale, cx.Last} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	for _, s := range cx.Situations {
		h.WriteString(s)
		h.WriteByte(1)
	}
	key := h.Sum64()
	c.mu.Lock()
	r, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return r
	}
	r = ix.SearchIn(text, locale, cx)
	c.mu.Lock()
	if len(c.m) >= searchCacheSize {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[key] = r
	c.mu.Unlock()
	return r
}
