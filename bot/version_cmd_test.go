package main

import (
	"runtime"
	"strings"
	"testing"
)

// TestVersionCommand: "vneidbot version" names the Go release, and warns
// when it is older than minGoVersion; it needs no configuration.
func TestVersionCommand(t *testing.T) {
	code, out, _ := runCmd(t, env("ADMIN_TOKEN", "short"), "version")
	if code != 0 || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("exit %d, output %q", code, out)
	}
	if warned := strings.Contains(out, "WARNING"); warned != (goWarning(runtime.Version()) != "") {
		t.Errorf("output %q: warning shown %v, want %v", out, warned, !warned)
	}
}
