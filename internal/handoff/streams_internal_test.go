package handoff

import (
	"net/netip"
	"strconv"
	"testing"
)

// TestStreamsBoundedPerReplica: besides a few per conversation, a replica
// holds at most maxStreams streams in all, and a stream that ends frees
// its place.
func TestStreamsBoundedPerReplica(t *testing.T) {
	var l Live
	for i := range maxStreams {
		if !l.enter("web:"+strconv.Itoa(i), "") {
			t.Fatalf("stream %d refused below the bound", i+1)
		}
	}
	if l.enter("web:one-more", "") {
		t.Fatal("a stream past the replica's bound was let in")
	}
	l.leave("web:0", "")
	if !l.enter("web:one-more", "") {
		t.Fatal("no place after a stream ended")
	}
	for i := range maxStreamsPerChat {
		l.leave("web:"+strconv.Itoa(i+1), "") // room in all for more than the chat's bound
	}
	for range maxStreamsPerChat - 1 {
		if !l.enter("web:one-more", "") {
			t.Fatal("a conversation refused below its bound")
		}
	}
	if l.enter("web:one-more", "") {
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

// TestStreamsBoundedPerClient (seventh probe, V1): one client's tickets
// hold at most maxStreamsPerClient places, whatever their number; another
// client, and this host's own (loopback), still get theirs. An IPv6
// client is counted by its /56.
func TestStreamsBoundedPerClient(t *testing.T) {
	var l Live
	attacker := clientNetwork(netip.MustParseAddr("2001:db8:aa00:1::7"))
	for i := range maxStreamsPerClient {
		// a different /64 of the same /56 each time
		c := clientNetwork(netip.MustParseAddr("2001:db8:aa00:" + strconv.FormatInt(int64(i%256), 16) + "::1"))
		if c != attacker {
			t.Fatalf("%s and %s: not one client", c, attacker)
		}
		if !l.enter("web:t"+strconv.Itoa(i), c) {
			t.Fatalf("stream %d refused below the client's bound", i+1)
		}
	}
	if l.enter("web:another-ticket", attacker) {
		t.Fatal("a stream past the client's bound was let in")
	}
	if !l.enter("web:citizen", clientNetwork(netip.MustParseAddr("203.0.113.9"))) {
		t.Fatal("another client refused")
	}
	if clientNetwork(netip.MustParseAddr("127.0.0.1")) != "" || clientNetwork(netip.MustParseAddr("::ffff:127.0.0.1")) != "" || clientNetwork(netip.Addr{}) != "" {
		t.Fatal("loopback or no address counted as a client")
	}
	l.leave("web:t0", attacker)
	if !l.enter("web:another-ticket", attacker) {
		t.Fatal("no place for the client after one of its streams ended")
	}
}
