package daemon

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/buildinfo"
)

// TestMainVersion: `govrfd -version` prints the build and exits 0
// without starting anything.
func TestMainVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := mainIO([]string{"-version"}, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
		t.Fatalf("govrfd -version: exit %d, stderr %q", code, stderr.String())
	}
	if want := "govrfd " + buildinfo.String() + "\n"; stdout.String() != want {
		t.Errorf("govrfd -version = %q, want %q", stdout.String(), want)
	}
}

// TestMainHelp: `govrfd -help` succeeds and lists every flag under its
// own name: no usage text is taken for an argument name (the flag
// package reads a backquoted word in a usage string as one).
func TestMainHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := mainIO([]string{"-help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("govrfd -help: exit %d\n%s", code, stderr.String())
	}
	help := stderr.String()
	for _, want := range []string{"\n  -host-stacks\n", "\n  -version\n", "\n  -group string\n", "govrf vrf exec"} {
		if !strings.Contains(help, want) {
			t.Errorf("govrfd -help lacks %q:\n%s", want, help)
		}
	}
}
