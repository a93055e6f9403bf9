package cli

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// fakePlane answers for a data plane in tests.
type fakePlane map[int][]neigh.Entry

func (f fakePlane) Neighbors(link int) []neigh.Entry { return f[link] }
func (f fakePlane) LinkStats(link int) (LinkCounters, bool) {
	return LinkCounters{RxPackets: uint64(link)}, true
}
func (f fakePlane) PortState(link int) PortState {
	if link == 99 {
		return PortState{}
	}
	return PortState{Carrier: true}
}
func (f fakePlane) HostStacks() map[string]string {
	return map[string]string{"a": "/run/netns/govrf-a", "default": "/run/netns/govrf-default"}
}

func TestNeighShow(t *testing.T) {
	ctl := control.New()
	for _, line := range []string{"link add name a type vrf table 10", "link add name ra1 type dummy",
		"link set dev ra1 master a", "link add name rb1 type dummy"} {
		if code := Run(ctl, splitWords(line), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
			t.Fatalf("govrf %s: exit %d", line, code)
		}
	}
	s := ctl.Snapshot()
	mac := header.MAC{2, 0, 0, 0, 0, 1}
	plane := fakePlane{
		s.LinkByName("ra1").Index: {{Addr: netip.MustParseAddr("192.168.1.10"), MAC: mac, State: neigh.StateReachable,
			Used: 3 * time.Second, Confirmed: 2500 * time.Millisecond, Updated: 7 * time.Second, Probes: 1}},
		s.LinkByName("rb1").Index: {{Addr: netip.MustParseAddr("192.168.1.10"), MAC: mac, State: neigh.StateStale, Router: true}},
	}
	for _, tc := range []struct{ argv, want string }{
		{"neigh show vrf a", "192.168.1.10 dev ra1 lladdr 02:00:00:00:00:01 REACHABLE \n"},
		{"neigh show dev rb1", "192.168.1.10 lladdr 02:00:00:00:00:01 router STALE \n"},
		{"-6 neigh show", ""},
		{"-s neigh show vrf a", "192.168.1.10 dev ra1 lladdr 02:00:00:00:00:01 used 3/2/7 probes 1 REACHABLE \n"},
		{"-s -j neigh show vrf a", `[{"dst":"192.168.1.10","dev":"ra1","lladdr":"02:00:00:00:00:01","used":3,"confirmed":2,"updated":7,"probes":1,"state":["REACHABLE"]}]` + "\n"},
		{"-j neigh show vrf a", `[{"dst":"192.168.1.10","dev":"ra1","lladdr":"02:00:00:00:00:01","state":["REACHABLE"]}]` + "\n"},
	} {
		var out, errs bytes.Buffer
		if code := RunWith(ctl, plane, splitWords(tc.argv), &out, &errs); code != 0 || out.String() != tc.want {
			t.Errorf("govrf %s = %d, %q, %q; want %q", tc.argv, code, out.String(), errs.String(), tc.want)
		}
	}
	if code := Run(ctl, splitWords("neigh show vrf ra1"), &bytes.Buffer{}, &bytes.Buffer{}); code != exitUsage {
		t.Errorf("neigh show vrf ra1 = exit %d, want %d", code, exitUsage)
	}
}

func splitWords(s string) []string {
	w, _ := splitLine(s)
	return w
}

// reasonPlane is a data plane whose links have dropped by reason.
type reasonPlane struct{ fakePlane }

func (reasonPlane) LinkStats(link int) (LinkCounters, bool) {
	return LinkCounters{RxPackets: 9, RxDropped: 4, RxErrors: 1, RxMissed: 2, TxPackets: 5, TxDropped: 1,
		Drops:    map[string]uint64{"ttl_exceeded": 1, "no_route": 3},
		Answered: map[string]uint64{"unreachable_route": 2},
		TxDrops:  map[string]uint64{"neigh_failed": 1}}, true
}

// TestLinkStatsReasons: under the daemon, -s shows the port's own errors
// and missed frames with the data plane's counts, and -s -s adds the
// drops by reason after ip's tables; -s alone stays ip's.
func TestLinkStatsReasons(t *testing.T) {
	ctl := control.New()
	for _, line := range []string{"link add name d0 type dummy"} {
		if code := Run(ctl, splitWords(line), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
			t.Fatalf("govrf %s: exit %d", line, code)
		}
	}
	for _, tc := range []struct{ argv, want string }{
		{"-s link show dev d0", "    RX:  bytes packets errors dropped  missed   mcast           \n" +
			"             0       9      1       4       2       0 \n"},
		{"-s -s link show dev d0", "    RX drops: no_route 3 ttl_exceeded 1\n    RX answered: unreachable_route 2\n    TX drops: neigh_failed 1\n"},
		{"-j -s -s link show dev d0", `"drop_reasons":{"rx":{"no_route":3,"ttl_exceeded":1},"answered":{"unreachable_route":2},"tx":{"neigh_failed":1}}`},
	} {
		var out, errs bytes.Buffer
		if code := RunWith(ctl, reasonPlane{}, splitWords(tc.argv), &out, &errs); code != 0 || !bytes.Contains(out.Bytes(), []byte(tc.want)) {
			t.Errorf("govrf %s = %d:\n%s%s\nwant it to hold %q", tc.argv, code, out.String(), errs.String(), tc.want)
		}
	}
	var out bytes.Buffer
	RunWith(ctl, reasonPlane{}, splitWords("-s link show dev d0"), &out, &bytes.Buffer{})
	if bytes.Contains(out.Bytes(), []byte("drops:")) {
		t.Errorf("govrf -s link show prints reasons:\n%s", out.String())
	}
}
