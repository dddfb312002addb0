package handoff

import (
	"strconv"
	"testing"
)

// TestStreamsBoundedPerReplica: besides a few per conversation, a replica
// holds at most maxStreams streams in all, and a stream that ends frees
// its place.
func TestStreamsBoundedPerReplica(t *testing.T) {
	var l Live
	for i := range maxStreams {
		if !l.enter("web:" + strconv.Itoa(i)) {
			t.Fatalf("stream %d refused below the bound", i+1)
		}
	}
	if l.enter("web:one-more") {
		t.Fatal("a stream past the replica's bound was let in")
	}
	l.leave("web:0")
	if !l.enter("web:one-more") {
		t.Fatal("no place after a stream ended")
	}
	for i := range maxStreamsPerChat {
		l.leave("web:" + strconv.Itoa(i+1)) // room in all for more than the chat's bound
	}
	for range maxStreamsPerChat - 1 {
		if !l.enter("web:one-more") {
			t.Fatal("a conversation refused below its bound")
		}
	}
	if l.enter("web:one-more") {
		t.Fatal("a conversation past its own bound was let in")
	}
}

// TestInboxStreamsBoundedPerReplica (seventh probe, V2): the officers'
// event streams have a cap in all as well as per account.
func TestInboxStreamsBoundedPerReplica(t *testing.T) {
	in := NewInbox(InboxOptions{})
	for i := range maxInboxStreams {
		if !in.streams.enter("acct" + strconv.Itoa(i/maxInboxStreamsPerAccount)) {
			t.Fatalf("stream %d refused below the bound", i+1)
		}
	}
	if in.streams.enter("someone-else") {
		t.Fatal("a stream past the replica's bound was let in")
	}
	in.streams.leave("acct0")
	if !in.streams.enter("someone-else") {
		t.Fatal("no place after a stream ended")
	}
}
