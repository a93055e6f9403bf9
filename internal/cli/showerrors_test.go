package cli

import (
	"bytes"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// errorPlane is a data plane with drop counts for `show errors`.
type errorPlane struct{ fakePlane }

func (errorPlane) ErrorCounts() []ErrorCount {
	return []ErrorCount{
		{VRF: "b", Dev: "rb1", Kind: "tx", Reason: "neigh_failed", Count: 1},
		{VRF: "a", Dev: "ra1", Kind: "rx", Reason: "no_route", Count: 3},
		{VRF: "a", Dev: "ra1", Kind: "answered", Reason: "ttl_exceeded", Count: 12},
		{VRF: "a", Dev: "-", Kind: "tx", Reason: "no_route", Count: 2},
	}
}

// TestShowErrors: `show errors` lists every count in VRF, port and kind
// order, filtered by vrf or dev, in text and JSON; offline the list is
// empty.
func TestShowErrors(t *testing.T) {
	ctl := control.New()
	for _, line := range []string{"link add name a type vrf table 10", "link add name ra1 type dummy", "link add name rb1 type dummy"} {
		if code := Run(ctl, splitWords(line), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
			t.Fatalf("govrf %s: exit %d", line, code)
		}
	}
	head := "     Count  VRF              Dev              Kind      Reason\n"
	for _, tc := range []struct {
		plane      Plane
		argv, want string
		code       int
	}{
		{errorPlane{}, "show errors", head +
			"         3  a                ra1              rx        no_route\n" +
			"        12  a                ra1              answered  ttl_exceeded\n" +
			"         2  a                -                tx        no_route\n" +
			"         1  b                rb1              tx        neigh_failed\n", 0},
		{errorPlane{}, "show errors dev rb1", head + "         1  b                rb1              tx        neigh_failed\n", 0},
		{errorPlane{}, "-j show errors vrf a dev -", `[{"count":2,"vrf":"a","dev":"-","kind":"tx","reason":"no_route"}]` + "\n", 0},
		{nil, "show errors", head, 0},
		{errorPlane{}, "show errors vrf ra1", "", exitUsage},
		{errorPlane{}, "show errors dev nosuch", "", 1},
	} {
		var out, errs bytes.Buffer
		code := RunWith(ctl, tc.plane, splitWords(tc.argv), &out, &errs)
		if code != tc.code || out.String() != tc.want {
			t.Errorf("govrf %s = %d, %q, %q; want %d, %q", tc.argv, code, out.String(), errs.String(), tc.code, tc.want)
		}
	}
}
