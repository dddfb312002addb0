package faq

import "testing"

// TestPairTableGrowsMidEntry checks that the counts of an entry survive the
// table growing (and its slots moving) while the entry is read.
func TestPairTableGrowsMidEntry(t *testing.T) {
	var pt pairTable
	const n = 5000 // forces several grows within the one entry
	want := map[int32]int32{}
	for field := int32(0); field < 3; field++ {
		for i := range int32(n) {
			if field == 2 && i%2 == 1 {
				continue // odd pairs only in two fields
			}
			id, newInField := pt.see(pairKey(i, i+1), field)
			if !newInField {
				t.Fatalf("pair %d new to field %d reported seen", i, field)
			}
			if _, again := pt.see(pairKey(i, i+1), field); again {
				t.Fatalf("pair %d seen twice in field %d reported new", i, field)
			}
			want[id]++
		}
	}
	occ := pt.flushSeen(nil, 7)
	if len(occ) != n {
		t.Fatalf("%d occurrences, want %d", len(occ), n)
	}
	for _, o := range occ {
		if id := o.term &^ pairFlag; o.tf != want[id] || o.entry != 7 {
			t.Errorf("pair %d: tf %d entry %d, want tf %d entry 7", id, o.tf, o.entry, want[id])
		}
	}
	if occ := pt.flushSeen(nil, 8); len(occ) != 0 {
		t.Errorf("counts not reset: %d occurrences", len(occ))
	}
	for i := range int32(n) {
		if id, ok := pt.get(pairKey(i, i+1)); !ok || id != i {
			t.Errorf("get(%d) = %d, %v", i, id, ok)
		}
	}
}
