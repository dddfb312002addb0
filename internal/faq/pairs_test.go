package faq

import "testing"

// TestPairTableGrows checks that pairs keep their ids as the table grows.
func TestPairTableGrows(t *testing.T) {
	var pt pairTable
	const n = 5000 // forces several grows
	for i := range int32(n) {
		if id := pt.intern(pairKey(i, i+1)); id != i {
			t.Fatalf("intern(%d) = %d", i, id)
		}
		if id := pt.intern(pairKey(i, i+1)); id != i {
			t.Fatalf("intern(%d) again = %d", i, id)
		}
	}
	for i := range int32(n) {
		if id, ok := pt.get(pairKey(i, i+1)); !ok || id != i {
			t.Errorf("get(%d) = %d, %v", i, id, ok)
		}
	}
	if _, ok := pt.get(pairKey(n, n+1)); ok {
		t.Errorf("get of a missing pair found it")
	}
	seen := 0
	pt.each(func(k uint64, id int32) {
		if k != pairKey(id, id+1) {
			t.Errorf("each: key %x has id %d", k, id)
		}
		seen++
	})
	if seen != n || pt.len() != n {
		t.Errorf("each saw %d pairs, len %d, want %d", seen, pt.len(), n)
	}
}

// TestTermCounts checks that a term counts once per field, in how many
// fields of the entry it is, and that a flush starts the next entry afresh.
func TestTermCounts(t *testing.T) {
	var tc termCounts
	const n = 5000 // forces the counts to grow within the entry
	for field := int32(0); field < 3; field++ {
		for i := range int32(n) {
			if field == 2 && i%2 == 1 {
				continue // odd terms only in two fields
			}
			if !tc.see(i, field) {
				t.Fatalf("term %d new to field %d reported seen", i, field)
			}
			if tc.see(i, field) {
				t.Fatalf("term %d seen twice in field %d reported new", i, field)
			}
		}
	}
	occ := tc.flush(nil, pairFlag)
	if len(occ) != n {
		t.Fatalf("%d occurrences, want %d", len(occ), n)
	}
	for _, o := range occ {
		want := int32(3)
		if (o.term&^pairFlag)%2 == 1 {
			want = 2
		}
		if o.tf != want || o.term&pairFlag == 0 {
			t.Errorf("term %x: tf %d, want tf %d, flagged", o.term, o.tf, want)
		}
	}
	if occ := tc.flush(nil, 0); len(occ) != 0 {
		t.Errorf("counts not reset: %d occurrences", len(occ))
	}
}
