package faq

// pairTable maps a pair of word ids (pairKey) to a term id. It is a plain
// open-addressing hash table: building an index looks up every adjacent
// pair of every variant, over a million at 10,000 entries, and this is
// about twice as fast as a map for that. At that size the table is larger
// than the processor's caches and a probe is a cache miss: the keys are an
// array of their own, so that a probe reads 8 bytes a slot, and the build
// counts the pairs elsewhere (part.bi), by id.
type pairTable struct {
	keys  []uint64 // key + 1 by slot; 0: empty slot
	vals  []int32  // id by slot, less base
	base  int32
	n     int
	shift uint // 64 - log2(len(keys))
}

func pairKey(a, b int32) uint64 { return uint64(a)<<32 | uint64(uint32(b)) }

func (t *pairTable) slot(k uint64) int {
	// Fibonacci hashing spreads consecutive ids over the table.
	return int((k * 0x9E3779B97F4A7C15) >> t.shift)
}

// get returns the id of pair k.
func (t *pairTable) get(k uint64) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	mask := len(t.keys) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			return 0, false
		case k + 1:
			return t.vals[i] + t.base, true
		}
	}
}

// intern returns the id of pair k, giving it the next id when new.
func (t *pairTable) intern(k uint64) int32 {
	if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	mask := len(t.keys) - 1
	i := t.slot(k)
	for ; t.keys[i] != 0 && t.keys[i] != k+1; i = (i + 1) & mask {
	}
	if t.keys[i] == 0 {
		t.keys[i], t.vals[i] = k+1, int32(t.n)
		t.n++
	}
	return t.vals[i] + t.base
}

// reserve makes room for n pairs in all without growing. An empty table is
// laid out as if it had grown step by step.
func (t *pairTable) reserve(n int) {
	size := max(1024, len(t.keys))
	for 2*n > size {
		size *= 2
	}
	if size > len(t.keys) {
		t.resize(size)
	}
}

func (t *pairTable) grow() { t.resize(max(1024, 2*len(t.keys))) }

// resize moves the pairs, in slot order, to a table of size slots, a power
// of two.
func (t *pairTable) resize(size int) {
	oldKeys, oldVals := t.keys, t.vals
	t.keys, t.vals = make([]uint64, size), make([]int32, size)
	t.shift = 64
	for 1<<(64-t.shift) < size {
		t.shift--
	}
	mask := size - 1
	for i, k := range oldKeys {
		if k == 0 {
			continue
		}
		j := t.slot(k - 1)
		for t.keys[j] != 0 {
			j = (j + 1) & mask
		}
		t.keys[j], t.vals[j] = k, oldVals[i]
	}
}

// len is the number of pairs.
func (t *pairTable) len() int { return t.n }

// offset adds d to every id, the pairs' to come included.
func (t *pairTable) offset(d int32) { t.base += d }

// each calls fn for every pair and its id, in slot order.
func (t *pairTable) each(fn func(k uint64, id int32)) {
	for i, k := range t.keys {
		if k != 0 {
			fn(k-1, t.vals[i]+t.base)
		}
	}
}
