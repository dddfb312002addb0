package loadtest

import (
	"io"
	"net"
	"syscall"
	"time"
	"unsafe"
)

// stampConn reads with recvmsg and keeps the kernel's arrival time of the
// bytes it read last (SO_TIMESTAMPNS). A refusal's latency then ends when
// its answer reached this machine's network stack, not when the generator
// got round to reading it: on a 2-core machine the generator shares its
// core with Redis or the kernel's work, and its own scheduling delays had
// been counted against the server (docs/benchmarks.md, issue 13).
type stampConn struct {
	net.Conn
	raw     syscall.RawConn
	oob     []byte
	arrived time.Time
}

// stamped returns c reading with arrival times, or c itself when the
// socket does not take SO_TIMESTAMPNS.
func stamped(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return c
	}
	return &stampConn{Conn: c, raw: raw, oob: make([]byte, syscall.CmsgSpace(int(unsafe.Sizeof(syscall.Timespec{}))))}
}

func (c *stampConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n, oobn int
	var err error
	if rerr := c.raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, err = syscall.Recvmsg(int(fd), p, c.oob, 0)
		return err != syscall.EAGAIN
	}); rerr != nil {
		return 0, rerr // a deadline or a closed connection
	}
	if err != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: err}
	}
	if n == 0 {
		return 0, io.EOF
	}
	if msgs, err := syscall.ParseSocketControlMessage(c.oob[:oobn]); err == nil {
		for _, m := range msgs {
			if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(syscall.Timespec{})) {
				ts := (*syscall.Timespec)(unsafe.Pointer(&m.Data[0]))
				c.arrived = time.Unix(ts.Unix())
			}
		}
	}
	return n, nil
}

// arrival is when the bytes conn read last reached the machine, if known.
func arrival(conn net.Conn) (time.Time, bool) {
	c, ok := conn.(*stampConn)
	return c.arrived, ok && !c.arrived.IsZero()
}
