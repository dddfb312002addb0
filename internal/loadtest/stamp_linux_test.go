package loadtest

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestStampedConnKnowsWhenTheAnswerArrived: an answer written 30 ms after
// the request, and read 100 ms later still, arrived about 30 ms after the
// write, not when it was read.
func TestStampedConnKnowsWhenTheAnswerArrived(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		if _, err := c.Read(buf); err != nil {
			return
		}
		time.Sleep(30 * time.Millisecond)
		c.Write([]byte("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"))
		c.Read(buf) // until the client closes
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn := stamped(raw)
	defer conn.Close()
	if _, ok := conn.(*stampConn); !ok {
		t.Fatal("a TCP connection on Linux takes SO_TIMESTAMPNS")
	}
	written := time.Now()
	if _, err := conn.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(130 * time.Millisecond) // the answer waits unread
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	status, retry, _, _, err := writeAndRead(readOnly{conn}, bufio.NewReader(conn), nil)
	if err != nil || status != 503 || !retry {
		t.Fatalf("status %d, Retry-After %v, err %v", status, retry, err)
	}
	got := answeredSince(conn, written)
	if got < 30*time.Millisecond || got > 100*time.Millisecond {
		t.Fatalf("answer arrived %v after the write, want about 30 ms (it was read after 130 ms)", got)
	}
}

// readOnly lets writeAndRead read an answer to a request already written.
type readOnly struct{ net.Conn }

func (readOnly) Write(b []byte) (int, error) { return len(b), nil }
