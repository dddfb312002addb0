package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestGoWarning(t *testing.T) {
	tests := []struct {
		v    string
		warn bool
	}{
		{"go1.26.8", true},
		{"go1.26.9", true},
		{"go1.26.10", false},
		{"go1.26.11", false},
		{"go1.27.0", false},
		{"go1.27", false},
		{"go1.27rc1", false},
		{"go1.26", true},
		{"go1.25.12", true},
		{"go2.0.0", false},
		{"devel go1.27-abcdef", true},
		{"go1.26.10 X:nocoverageredesign", false},
	}
	for _, tt := range tests {
		if got := goWarning(tt.v); (got != "") != tt.warn {
			t.Errorf("goWarning(%q) = %q, want a warning: %v", tt.v, got, tt.warn)
		}
	}
	if w := goWarning("go1.26.8"); !strings.Contains(w, "known vulnerabilities") || !strings.Contains(w, minGoVersion) {
		t.Errorf("warning %q must say why and what to build with", w)
	}
}

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
