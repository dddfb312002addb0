package buildinfo

import (
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
		if got := GoWarning(tt.v); (got != "") != tt.warn {
			t.Errorf("GoWarning(%q) = %q, want a warning: %v", tt.v, got, tt.warn)
		}
	}
	if w := GoWarning("go1.26.8"); !strings.Contains(w, "known vulnerabilities") || !strings.Contains(w, MinGo) {
		t.Errorf("warning %q must say why and what to build with", w)
	}
}
