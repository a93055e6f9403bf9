package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// newVRFFixture is newRouteFixture with VRF blue (table 10), up, holding
// d1. The kernel the transcripts were recorded on has no VRF, so these
// expectations follow iproute2's code and the kernel's documented VRF
// behaviour instead of a recording.
func newVRFFixture(t *testing.T) *control.Control {
	ctl := newRouteFixture(t)
	up, blue := true, "blue"
	if err := ctl.AddLink(control.LinkSpec{Name: blue, Kind: control.KindVRF, Table: 10}); err != nil {
		t.Fatalf("AddLink(blue) = %v", err)
	}
	if err := ctl.SetLink(blue, control.LinkChange{Up: &up}); err != nil {
		t.Fatalf("SetLink(blue up) = %v", err)
	}
	if err := ctl.SetLink("d1", control.LinkChange{Master: &blue}); err != nil {
		t.Fatalf("SetLink(d1 master blue) = %v", err)
	}
	return ctl
}

func TestRouteVRF(t *testing.T) {
	ctl := newVRFFixture(t)
	for _, s := range []struct {
		args, out, err string
		rc             int
	}{
		{args: "route add vrf blue 172.16.0.0/16 via 10.10.0.2"},
		{args: "route add vrf blue unreachable default metric 4278198272"},
		// `show vrf` lists the VRF's table without its local and
		// broadcast routes; `show table` keeps them.
		{args: "route show vrf blue", out: "unreachable default metric 4278198272 \n" +
			"10.10.0.0/24 dev d1 proto kernel scope link src 10.10.0.1 \n" +
			"172.16.0.0/16 via 10.10.0.2 dev d1 \n"},
		{args: "r s vrf blue 172.16.0.0/16", out: "172.16.0.0/16 via 10.10.0.2 dev d1 \n"},
		{args: "route show table 10 type local", out: "local 10.10.0.1 dev d1 proto kernel scope host src 10.10.0.1 \n"},
		{args: "-j route show vrf blue 172.16.0.0/16", out: `[{"dst":"172.16.0.0/16","gateway":"10.10.0.2","dev":"d1","flags":[]}]` + "\n"},
		{args: "route show vrf default", out: "10.0.0.0/24 dev d0 proto kernel scope link src 10.0.0.1 \n"},
		{args: "route show vrf nope", err: "Error: argument \"nope\" is wrong: Invalid VRF\n\n", rc: 255},
		{args: "route show vrf d0", err: "Error: argument \"d0\" is wrong: Invalid VRF\n\n", rc: 255},
		{args: "route add vrf d0 1.0.0.0/8 dev d0", err: "Error: argument \"d0\" is wrong: Invalid VRF\n\n", rc: 255},
		// `get vrf` looks up with the VRF as output device.
		{args: "route get vrf blue 172.16.1.1", out: "172.16.1.1 via 10.10.0.2 dev d1 table 10 src 10.10.0.1 uid 0 \n    cache \n"},
		{args: "route get oif blue 172.16.1.1", out: "172.16.1.1 via 10.10.0.2 dev d1 table 10 src 10.10.0.1 uid 0 \n    cache \n"},
		{args: "-j route get vrf blue 172.16.1.1", out: `[{"dst":"172.16.1.1","gateway":"10.10.0.2","dev":"d1","table":"10","prefsrc":"10.10.0.1","flags":[],"uid":0,"cache":[]}]` + "\n"},
		{args: "route get vrf blue 10.10.0.1", out: "local 10.10.0.1 dev blue table 10 src 10.10.0.1 uid 0 \n    cache <local> \n"},
		{args: "route get vrf blue 192.0.2.1", err: "RTNETLINK answers: No route to host\n", rc: 2},
		{args: "route get vrf d0 172.16.1.1", err: "Error: argument \"d0\" is wrong: Invalid VRF\n\n", rc: 255},
		// The first VRF adds the l3mdev rule to both families.
		{args: "rule show pref 1000", out: "1000:\tfrom all lookup [l3mdev-table]\n"},
		{args: "-6 -j rule show l3mdev", out: `[{"priority":1000,"src":"all","l3mdev":null}]` + "\n"},
		{args: "nexthop add id 1 via 10.10.0.2 dev d1"},
		{args: "nexthop add id 2 via 10.0.0.2 dev d0"},
		{args: "nexthop show vrf blue", out: "id 1 via 10.10.0.2 dev d1 scope link \n"},
		{args: "nexthop show master blue", out: "id 1 via 10.10.0.2 dev d1 scope link \n"},
		{args: "route add vrf blue 172.17.0.0/16 nhid 1"},
		{args: "route show vrf blue nhid", err: "Error: any valid prefix is expected rather than \"nhid\".\n", rc: 1},
		{args: "route show vrf blue 172.17.0.0/16", out: "172.17.0.0/16 nhid 1 via 10.10.0.2 dev d1 \n"},
		// A flush through `vrf` spares what `show vrf` hides.
		{args: "route flush vrf blue"},
		{args: "route show table 10", out: "local 10.10.0.1 dev d1 proto kernel scope host src 10.10.0.1 \n" +
			"broadcast 10.10.0.255 dev d1 proto kernel scope link src 10.10.0.1 \n"},
	} {
		var out, errb bytes.Buffer
		rc := Run(ctl, strings.Fields(s.args), &out, &errb)
		if out.String() != s.out || errb.String() != s.err || rc != s.rc {
			t.Errorf("govrf %s = (rc=%d)\n%s%s\nwant (rc=%d)\n%s%s", s.args, rc, out.String(), errb.String(), s.rc, s.out, s.err)
		}
	}
}
