package faq

// pairTable maps a pair of word ids (pairKey) to a term id. It is a plain
// open-addressing hash table: building an index looks up every adjacent
// pair of every variant, over a million at 10,000 entries, and this is
// about twice as fast as a map for that.
type pairTable struct {
	slots   []pairSlot
	n       int
	shift   uint    // 64 - log2(len(slots))
	touched []int32 // while building: the slots seen in the current entry
}

type pairSlot struct {
	key uint64
	val int32 // -1: empty slot
	// While building: the field number + 1 that last saw the pair, and in
	// how many fields of the current entry it is. Kept in the slot to save
	// a second random memory access per pair.
	seen, tf int32
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
	mask := len(t.slots) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch s := &t.slots[i]; {
		case s.val < 0:
			return 0, false
		case s.key == k:
			return s.val, true
		}
	}
}

// intern returns the id of pair k, giving it the next id (t.len()) when new.
func (t *pairTable) intern(k uint64) int32 {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch s := &t.slots[i]; {
		case s.val < 0:
			*s = pairSlot{key: k, val: int32(t.n)}
			t.n++
			return s.val
		case s.key == k:
			return s.val
		}
	}
}

// see interns pair k and counts it in field; it reports whether the
// field had not seen it yet.
func (t *pairTable) see(k uint64, field int32) (id int32, newInField bool) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	i := t.slot(k)
	for ; t.slots[i].val >= 0 && t.slots[i].key != k; i = (i + 1) & mask {
	}
	s := &t.slots[i]
	if s.val < 0 {
		*s = pairSlot{key: k, val: int32(t.n)}
		t.n++
	}
	if s.seen == field+1 {
		return s.val, false
	}
	s.seen = field + 1
	if s.tf == 0 {
		t.touched = append(t.touched, int32(i))
	}
	s.tf++
	return s.val, true
}

// flushSeen appends the counts of the pairs seen in the current entry to
// occ and resets them for the next entry.
func (t *pairTable) flushSeen(occ []occurrence, entry int32) []occurrence {
	for _, i := range t.touched {
		s := &t.slots[i]
		occ = append(occ, occurrence{term: s.val | pairFlag, posting: posting{entry: entry, tf: s.tf}})
		s.tf = 0
	}
	t.touched = t.touched[:0]
	return occ
}

// reserve makes room for n pairs in all without growing.
func (t *pairTable) reserve(n int) {
	for 2*n > len(t.slots) {
		t.grow()
	}
}

func (t *pairTable) grow() {
	old := t.slots
	size := max(1024, 2*len(old))
	t.slots = make([]pairSlot, size)
	for i := range t.slots {
		t.slots[i].val = -1
	}
	t.shift = 64
	for 1<<(64-t.shift) < size {
		t.shift--
	}
	mask := size - 1
	for _, s := range old {
		if s.val < 0 {
			continue
		}
		j := t.slot(s.key)
		for t.slots[j].val >= 0 {
			j = (j + 1) & mask
		}
		t.slots[j] = s
	}
	if len(t.touched) > 0 {
		// The slots moved: find the current entry's pairs again (a rare
		// full scan; counts are zero outside the current entry).
		t.touched = t.touched[:0]
		for i, s := range t.slots {
			if s.val >= 0 && s.tf > 0 {
				t.touched = append(t.touched, int32(i))
			}
		}
	}
}

// len is the number of pairs.
func (t *pairTable) len() int { return t.n }

// offset adds d to every id.
func (t *pairTable) offset(d int32) {
	for i := range t.slots {
		if t.slots[i].val >= 0 {
			t.slots[i].val += d
		}
	}
}

// each calls fn for every pair and its id.
func (t *pairTable) each(fn func(k uint64, id int32)) {
	for _, s := range t.slots {
		if s.val >= 0 {
			fn(s.key, s.val)
		}
	}
}
