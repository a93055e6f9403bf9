package cli

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// monitorRun runs setup, then starts `govrf ARGV` (a monitor command
// line) and runs cmds, and returns what the monitor printed.
func monitorRun(t *testing.T, argv string, setup, cmds []string) string {
	t.Helper()
	ctl := control.New()
	for _, s := range setup {
		if _, e, code := run(t, ctl, s); code != 0 {
			t.Fatalf("setup Run(%q) = %d: %s", s, code, e)
		}
	}
	var errs strings.Builder
	m, code := NewMonitor(strings.Fields(argv), &errs)
	if m == nil {
		t.Fatalf("NewMonitor(%q) = nil, %d: %s", argv, code, errs.String())
	}
	var out strings.Builder
	cancel := ctl.Subscribe(func(old, new *control.Snapshot) {
		m.Print(old, new, control.Diff(old, new), func(s string) { out.WriteString(s) })
	})
	defer cancel()
	for _, s := range cmds {
		if _, e, code := run(t, ctl, s); code != 0 {
			t.Fatalf("Run(%q) = %d: %s", s, code, e)
		}
	}
	return out.String()
}

// Links with fixed addresses, so that their lines and IPv6 link-local
// addresses are known.
const (
	monBlue     = "link add blue address 02:00:00:00:00:0b type vrf table 10"
	monD0       = "link add d0 address 02:00:00:00:00:01 type dummy"
	monBlueDown = "2: blue: <NOARP,MASTER> mtu 65575 qdisc noop state DOWN group default \n" +
		"    link/ether 02:00:00:00:00:0b brd ff:ff:ff:ff:ff:ff\n"
	monBlueUp = "2: blue: <NOARP,MASTER,UP,LOWER_UP> mtu 65575 qdisc noqueue state UP group default \n" +
		"    link/ether 02:00:00:00:00:0b brd ff:ff:ff:ff:ff:ff\n"
	monD0Port = "3: d0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue master blue state UNKNOWN group default \n" +
		"    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
)

// monVRFPort is a VRF blue (table 10) with an up port d0.
var monVRFPort = []string{monBlue, "link set dev blue up", monD0, "link set dev d0 master blue up"}

func TestMonitor(t *testing.T) {
	for _, tc := range []struct {
		name  string
		argv  string
		setup []string
		cmds  []string
		want  string
	}{
		{"vrf add", "monitor", nil, []string{monBlue},
			monBlueDown +
				"1000:\tfrom all lookup [l3mdev-table]\n" +
				"1000:\tfrom all lookup [l3mdev-table]\n"},
		{"vrf up", "monitor", []string{monBlue}, []string{"link set dev blue up"},
			monBlueUp +
				"multicast ff00::/8 dev blue table 10 proto kernel metric 256 pref medium\n"},
		{"enslave", "monitor", monVRFPort[:3], []string{"link set dev d0 master blue up"},
			monD0Port +
				"3: d0    inet6 fe80::ff:fe00:1/64 scope link \n" +
				"       valid_lft forever preferred_lft forever\n" +
				"fe80::/64 dev d0 table 10 proto kernel metric 256 pref medium\n" +
				"local fe80::ff:fe00:1 dev d0 table 10 proto kernel metric 0 pref medium\n" +
				"multicast ff00::/8 dev d0 table 10 proto kernel metric 256 pref medium\n"},
		{"addr add in a vrf", "monitor", monVRFPort, []string{"addr add 10.1.1.2/24 dev d0"},
			"3: d0    inet 10.1.1.2/24 scope global d0\n" +
				"       valid_lft forever preferred_lft forever\n" +
				"10.1.1.0/24 dev d0 table 10 proto kernel scope link src 10.1.1.2 \n" +
				"local 10.1.1.2 dev d0 table 10 proto kernel scope host src 10.1.1.2 \n" +
				"broadcast 10.1.1.255 dev d0 table 10 proto kernel scope link src 10.1.1.2 \n"},
		{"main and local tables", "monitor route", []string{monD0, "link set dev d0 up"}, []string{"addr add 10.1.1.2/24 dev d0"},
			"10.1.1.0/24 dev d0 proto kernel scope link src 10.1.1.2 \n" +
				"local 10.1.1.2 dev d0 table local proto kernel scope host src 10.1.1.2 \n" +
				"broadcast 10.1.1.255 dev d0 table local proto kernel scope link src 10.1.1.2 \n"},
		{"objects and families", "-6 monitor address route", monVRFPort, []string{
			"addr add 10.1.1.2/24 dev d0", "addr add 2001:db8::1/64 dev d0", "rule add pref 5 table 10"},
			"3: d0    inet6 2001:db8::1/64 scope global \n" +
				"       valid_lft forever preferred_lft forever\n" +
				"2001:db8::/64 dev d0 table 10 proto kernel metric 256 pref medium\n" +
				"local 2001:db8::1 dev d0 table 10 proto kernel metric 0 pref medium\n"},
		{"options after monitor", "monitor rule -6", nil, []string{monBlue},
			"1000:\tfrom all lookup [l3mdev-table]\n"},
		{"label", "monitor all", nil, []string{monBlue, "nexthop add id 7 blackhole"},
			"[LINK]" + monBlueDown +
				"[RULE]1000:\tfrom all lookup [l3mdev-table]\n" +
				"[RULE]1000:\tfrom all lookup [l3mdev-table]\n" +
				"[NEXTHOP]id 7 blackhole \n"},
		{"deletions", "mon", append(monVRFPort, "addr add 10.1.1.2/24 dev d0", "nexthop add id 1 via 10.1.1.9 dev d0",
			"route add 10.5.0.0/16 nhid 1 vrf blue", "rule add from 192.0.2.0/24 table 10 pref 100"), []string{
			"rule del pref 100", "nexthop del id 1", "addr del 10.1.1.2/24 dev d0", "link del d0"},
			"Deleted 100:\tfrom 192.0.2.0/24 lookup 10\n" +
				"Deleted 10.5.0.0/16 nhid 1 via 10.1.1.9 dev d0 table 10 \n" +
				"Deleted id 1 via 10.1.1.9 dev d0 scope link \n" +
				"Deleted 3: d0    inet 10.1.1.2/24 scope global d0\n" +
				"       valid_lft forever preferred_lft forever\n" +
				"Deleted 10.1.1.0/24 dev d0 table 10 proto kernel scope link src 10.1.1.2 \n" +
				"Deleted local 10.1.1.2 dev d0 table 10 proto kernel scope host src 10.1.1.2 \n" +
				"Deleted broadcast 10.1.1.255 dev d0 table 10 proto kernel scope link src 10.1.1.2 \n" +
				"Deleted 3: d0    inet6 fe80::ff:fe00:1/64 scope link \n" +
				"       valid_lft forever preferred_lft forever\n" +
				"Deleted fe80::/64 dev d0 table 10 proto kernel metric 256 pref medium\n" +
				"Deleted local fe80::ff:fe00:1 dev d0 table 10 proto kernel metric 0 pref medium\n" +
				"Deleted multicast ff00::/8 dev d0 table 10 proto kernel metric 256 pref medium\n" +
				"Deleted 3: d0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default \n" +
				"    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n"},
		{"json", "-j monitor route", monVRFPort, []string{"route add 10.9.0.0/16 dev d0 vrf blue", "route del 10.9.0.0/16 vrf blue"},
			`{"route":{"dst":"10.9.0.0/16","dev":"d0","table":"10","scope":"link","flags":[]}}` + "\n" +
				`{"deleted":true,"route":{"dst":"10.9.0.0/16","dev":"d0","table":"10","scope":"link","flags":[]}}` + "\n"},
		{"json link", "-j monitor link", nil, []string{monD0},
			`{"link":{"ifindex":2,"ifname":"d0","flags":["BROADCAST","NOARP"],"mtu":1500,"qdisc":"noop","operstate":"DOWN",` +
				`"group":"default","txqlen":1000,"link_type":"ether","address":"02:00:00:00:00:01","broadcast":"ff:ff:ff:ff:ff:ff"}}` + "\n"},
	} {
		if got := monitorRun(t, tc.argv, tc.setup, tc.cmds); got != tc.want {
			t.Errorf("%s: govrf %s printed:\n%s\nwant:\n%s", tc.name, tc.argv, got, tc.want)
		}
	}
}

func TestMonitorRefused(t *testing.T) {
	for _, tc := range []struct {
		argv string
		err  string
		code int
	}{
		{"monitor bogus", `Argument "bogus" is unknown, try "govrf monitor help".` + "\n", exitUsage},
		{"monitor netc", `Argument "netconf" is not supported by govrf.` + "\n", exitUsage},
		{"monitor help", monitorUsage, exitUsage},
		{"link show", `Error: only "monitor" is answered on a stream.` + "\n", exitSyntax},
		{"-batch f monitor", `Error: only "monitor" is answered on a stream.` + "\n", exitSyntax},
	} {
		var errs strings.Builder
		if m, code := NewMonitor(strings.Fields(tc.argv), &errs); m != nil || code != tc.code || errs.String() != tc.err {
			t.Errorf("NewMonitor(%q) = %v, %d, %q; want nil, %d, %q", tc.argv, m, code, errs.String(), tc.code, tc.err)
		}
	}
}

func TestMonitorOffline(t *testing.T) {
	runCases(t, []cmdCase{
		{name: "offline", cmd: "monitor route",
			err: "Error: \"monitor\" needs the govrf daemon, which is not running.\n", code: exitRefused},
		{name: "bad argument first", cmd: "monitor bogus",
			err: `Argument "bogus" is unknown, try "govrf monitor help".` + "\n", code: exitUsage},
	})
}

func TestIsMonitor(t *testing.T) {
	for _, tc := range []struct {
		argv string
		want bool
	}{
		{"monitor", true},
		{"-j mo route", true},
		{"-4 m", true},
		{"link show", false},
		{"-batch f", false},
		{"", false},
	} {
		if got := IsMonitor(strings.Fields(tc.argv)); got != tc.want {
			t.Errorf("IsMonitor(%q) = %v, want %v", tc.argv, got, tc.want)
		}
	}
}

// TestMonitorNeigh: neighbour changes are printed as `ip neigh` shows
// them, "Deleted " first for a removal, for `monitor`, `monitor neigh`
// and `label`, never for another object, with -4/-6 and -j.
func TestMonitorNeigh(t *testing.T) {
	ctl := control.New()
	if code := Run(ctl, splitWords("link add name d0 type dummy"), &strings.Builder{}, &strings.Builder{}); code != 0 {
		t.Fatal("link add d0")
	}
	s := ctl.Snapshot()
	d0 := s.LinkByName("d0").Index
	mac := header.MAC{2, 0, 0, 0, 0, 1}
	evs := []neigh.Event{
		{Addr: netip.MustParseAddr("192.168.1.10"), State: neigh.StateIncomplete},
		{Addr: netip.MustParseAddr("192.168.1.10"), MAC: mac, State: neigh.StateReachable},
		{Addr: netip.MustParseAddr("2001:db8::10"), MAC: mac, State: neigh.StateStale, Router: true, Deleted: true},
	}
	for _, tc := range []struct{ argv, want string }{
		{"monitor", "192.168.1.10 dev d0 INCOMPLETE \n" +
			"192.168.1.10 dev d0 lladdr 02:00:00:00:00:01 REACHABLE \n" +
			"Deleted 2001:db8::10 dev d0 lladdr 02:00:00:00:00:01 router STALE \n"},
		{"monitor neigh label", "[NEIGH]192.168.1.10 dev d0 INCOMPLETE \n" +
			"[NEIGH]192.168.1.10 dev d0 lladdr 02:00:00:00:00:01 REACHABLE \n" +
			"[NEIGH]Deleted 2001:db8::10 dev d0 lladdr 02:00:00:00:00:01 router STALE \n"},
		{"-6 monitor neigh", "Deleted 2001:db8::10 dev d0 lladdr 02:00:00:00:00:01 router STALE \n"},
		{"monitor route link", ""},
		{"-j monitor neigh", `{"neigh":{"dst":"192.168.1.10","dev":"d0","state":["INCOMPLETE"]}}` + "\n" +
			`{"neigh":{"dst":"192.168.1.10","dev":"d0","lladdr":"02:00:00:00:00:01","state":["REACHABLE"]}}` + "\n" +
			`{"deleted":true,"neigh":{"dst":"2001:db8::10","dev":"d0","lladdr":"02:00:00:00:00:01","router":null,"state":["STALE"]}}` + "\n"},
	} {
		m, code := NewMonitor(strings.Fields(tc.argv), &strings.Builder{})
		if m == nil {
			t.Fatalf("NewMonitor(%q) = exit %d", tc.argv, code)
		}
		var got strings.Builder
		for _, ev := range evs {
			m.PrintNeigh(s, d0, ev, func(line string) { got.WriteString(line) })
		}
		if got.String() != tc.want {
			t.Errorf("govrf %s printed:\n%s\nwant:\n%s", tc.argv, got.String(), tc.want)
		}
	}
}

// TestMonitorPortState: a change of a port's interface is the port's
// link line with the interface's state, for `monitor` and `monitor
// link` but not `monitor route`.
func TestMonitorPortState(t *testing.T) {
	ctl := control.New()
	for _, line := range []string{"link add link eth9 name p0 address 02:11:22:33:44:66 type packet", "link set dev p0 up"} {
		if code := Run(ctl, splitWords(line), &strings.Builder{}, &strings.Builder{}); code != 0 {
			t.Fatal(line)
		}
	}
	s := ctl.Snapshot()
	p0 := s.LinkByName("p0").Index
	line := "2: p0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default \n" +
		"    link/ether 02:11:22:33:44:66 brd ff:ff:ff:ff:ff:ff\n"
	for _, tc := range []struct{ argv, want string }{
		{"monitor", line},
		{"monitor link label", "[LINK]" + line},
		{"monitor route", ""},
		{"-j monitor link", `{"link":{"ifindex":2,"ifname":"p0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"qdisc":"noqueue","operstate":"DOWN","group":"default","txqlen":1000,"link_type":"ether","address":"02:11:22:33:44:66","broadcast":"ff:ff:ff:ff:ff:ff"}}` + "\n"},
	} {
		m, code := NewMonitor(strings.Fields(tc.argv), &strings.Builder{})
		if m == nil {
			t.Fatalf("NewMonitor(%q) = exit %d", tc.argv, code)
		}
		var got strings.Builder
		m.PrintPortState(s, p0, PortState{OperState: "DOWN"}, func(line string) { got.WriteString(line) })
		if got.String() != tc.want {
			t.Errorf("govrf %s printed:\n%s\nwant:\n%s", tc.argv, got.String(), tc.want)
		}
	}
}
