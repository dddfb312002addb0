// Package buildinfo says what the vneidbot binary is: its version, commit
// and Go release, and whether that release has known vulnerabilities.
package buildinfo

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// MinGo is the oldest Go release this binary should be built with.
// govulncheck over our code (docs/security.md, section 7; database of
// 2026-11-05) found 12 reachable standard-library vulnerabilities in
// go1.26.8 (net/http, html/template, crypto/x509…), fixed in go1.26.9 and
// go1.26.10, and none with go1.26.10; go.mod's toolchain line names it, but
// GOTOOLCHAIN=local builds with whatever Go is installed. Move it forward
// together with the pinned vulnerability database in .ci/run.
const MinGo = "go1.26.10"

// Print writes what "vneidbot version" prints: the build's version, commit
// and Go release, with a warning when that release has known
// vulnerabilities.
func Print(stdout io.Writer) {
	version, commit := "(devel)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	fmt.Fprintf(stdout, "vneidbot %s", version)
	if commit != "" {
		fmt.Fprintf(stdout, " (commit %s)", commit)
	}
	fmt.Fprintf(stdout, " built with %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if w := GoWarning(runtime.Version()); w != "" {
		fmt.Fprintf(stdout, "WARNING: %s\n", w)
	}
}

// GoWarning says what is wrong with building with Go release v (as
// runtime.Version gives it), or "" when it is MinGo or newer.
func GoWarning(v string) string {
	got, ok := parseGo(v)
	if !ok {
		return fmt.Sprintf("built with %s, which is not a Go release: cannot tell whether it has known vulnerabilities; build with %s or newer", v, MinGo)
	}
	want, _ := parseGo(MinGo)
	for i := range got {
		if got[i] != want[i] {
			if got[i] < want[i] {
				return fmt.Sprintf("built with %s, which has known vulnerabilities (standard library); rebuild with %s or newer", v, MinGo)
			}
			return ""
		}
	}
	return ""
}

// parseGo reads "go1.26.10" (and "go1.27", "go1.27rc1", as the release
// before it is out: x.y.0 minus a little) into comparable numbers.
func parseGo(v string) ([4]int, bool) {
	var out [4]int
	rest, ok := strings.CutPrefix(v, "go")
	if !ok {
		return out, false
	}
	rest, _, _ = strings.Cut(rest, " ") // "go1.26.10 X:nocoverageredesign"
	out[3] = 1                          // a release; a pre-release is 0
	for _, pre := range []string{"rc", "beta"} {
		if i := strings.Index(rest, pre); i >= 0 {
			rest, out[3] = rest[:i], 0
		}
	}
	parts := strings.Split(rest, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return out, false
		}
		out[i] = n
	}
	return out, true
}
