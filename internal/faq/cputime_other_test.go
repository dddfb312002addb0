//go:build !linux

package faq

import "time"

// threadCPU falls back to wall time where thread CPU clocks are not available.
func threadCPU() time.Duration { return time.Duration(time.Now().UnixNano()) }

// processCPU falls back to wall time.
func processCPU() time.Duration { return time.Duration(time.Now().UnixNano()) }
