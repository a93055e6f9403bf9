package daemon

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/fastpath"
)

// TestMainFastPathFlag: -fastpath takes auto, tc, xdp or off, and
// anything else is refused before the daemon starts, saying what it
// wants.
func TestMainFastPathFlag(t *testing.T) {
	for in, want := range map[string]struct {
		mode fastpath.Mode
		on   bool
	}{"auto": {fastpath.TC, true}, "tc": {fastpath.TC, true}, "xdp": {fastpath.XDP, true}, "off": {0, false}} {
		mode, on, err := parseFastPath(in)
		if err != nil || mode != want.mode || on != want.on {
			t.Errorf("-fastpath %s: %v, %v, %v; want %v, %v", in, mode, on, err, want.mode, want.on)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := mainIO([]string{"-fastpath", "fast"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "want auto, xdp, tc or off") {
		t.Errorf("govrfd -fastpath fast: exit %d, %q; want 2 and what it wants", code, stderr.String())
	}
}
