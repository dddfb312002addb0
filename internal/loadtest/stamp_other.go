//go:build !linux

package loadtest

import (
	"net"
	"time"
)

// stamped returns c: arrival times are read on Linux only.
func stamped(c net.Conn) net.Conn { return c }

// arrival is never known here: latencies end when the generator reads.
func arrival(net.Conn) (time.Time, bool) { return time.Time{}, false }
