package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/config"
	"github.com/govrf/govrf/internal/control"
)

func TestShowRunningConfig(t *testing.T) {
	ctl := control.New()
	for _, line := range []string{"link add name blue type vrf table 10", "link add name d0 type dummy",
		"link set dev d0 master blue", "link set dev d0 up", "addr add 10.0.0.1/24 dev d0"} {
		if code := Run(ctl, strings.Fields(line), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
			t.Fatalf("govrf %s: exit %d", line, code)
		}
	}
	var out, errs bytes.Buffer
	if code := Run(ctl, []string{"show", "running-config"}, &out, &errs); code != 0 || out.String() != config.Script(ctl.Snapshot()) {
		t.Fatalf("show running-config = %d, %q, %q; want the canonical script", code, out.String(), errs.String())
	}
	for _, tc := range []struct {
		argv []string
		code int
	}{{[]string{"show"}, exitUsage}, {[]string{"show", "bogus"}, exitUsage}, {[]string{"save"}, exitRefused}} {
		if code := Run(control.New(), tc.argv, &bytes.Buffer{}, &bytes.Buffer{}); code != tc.code {
			t.Errorf("govrf %v = exit %d, want %d", tc.argv, code, tc.code)
		}
	}
}
