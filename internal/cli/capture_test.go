package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// TestCaptureCommand: `capture` is read the same by client and daemon,
// and offline it says it needs govrfd.
func TestCaptureCommand(t *testing.T) {
	var errs bytes.Buffer
	c, ok, _ := ParseCapture(splitWords("-s capture vrf blue dev d0 dev d1 count 10 -w x.pcapng"), &errs)
	if !ok || c.VRF != "blue" || len(c.Devs) != 2 || c.Count != 10 || c.File != "x.pcapng" {
		t.Errorf("ParseCapture = %+v, %v, %q", c, ok, errs.String())
	}
	for _, bad := range []string{"capture", "capture vrf", "capture vrf a count 0", "capture vrf a count x", "capture vrf a foo 1", "link show"} {
		if _, ok, code := ParseCapture(splitWords(bad), &bytes.Buffer{}); ok || code == 0 {
			t.Errorf("ParseCapture(%q) accepted", bad)
		}
	}
	if !IsCapture(splitWords("-j capture vrf a")) || IsCapture(splitWords("monitor")) {
		t.Error("IsCapture does not tell capture from the rest")
	}
	ctl := control.New()
	var out bytes.Buffer
	errs.Reset()
	if code := Run(ctl, splitWords("capture vrf default -w x"), &out, &errs); code != exitRefused || !strings.Contains(errs.String(), "needs the govrf daemon") {
		t.Errorf("offline capture = %d, %q, want exit %d and the daemon needed", code, errs.String(), exitRefused)
	}
}
