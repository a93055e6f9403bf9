package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/neigh"
)

// The kernel here has no VRF driver; these outputs follow iproute2's
// iplink_vrf.c and ipvrf.c and the VRF device's properties (vrf.c
// vrf_setup).
var vrfSetup = []string{
	"link add blue address 02:00:00:00:00:0b type vrf table 10",
	"link add red address 02:00:00:00:00:0c type vrf table 20",
	addD0,
	"link set d0 master blue",
	"link set blue up",
	"link set d0 up",
}

const (
	blueUp = "2: blue: <NOARP,MASTER,UP,LOWER_UP> mtu 65575 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n" +
		"    link/ether 02:00:00:00:00:0b brd ff:ff:ff:ff:ff:ff\n"
	redDown = "3: red: <NOARP,MASTER> mtu 65575 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n" +
		"    link/ether 02:00:00:00:00:0c brd ff:ff:ff:ff:ff:ff\n"
	d0InBlue = "4: d0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue master blue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
		"    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff\n"
	vrfHeader = "Name              Table\n-----------------------\n"
	warnBlue  = "Warning: VRF blue has no IPv4 or IPv6 default route in table 10: lookups that miss it fall through to the next rules (main). " +
		"Add: govrf route add table 10 unreachable default metric 4278198272; govrf -6 route add table 10 unreachable default metric 4278198272\n"
	warnRed = "Warning: VRF red has no IPv4 or IPv6 default route in table 20: lookups that miss it fall through to the next rules (main). " +
		"Add: govrf route add table 20 unreachable default metric 4278198272; govrf -6 route add table 20 unreachable default metric 4278198272\n"
)

func sp(n int) string { return strings.Repeat(" ", n) }

func TestVRF(t *testing.T) {
	runCases(t, []cmdCase{
		{name: "link show", setup: vrfSetup, cmd: "link show", out: loShow + blueUp + redDown + d0InBlue},
		{name: "master filter", setup: vrfSetup, cmd: "link show master blue", out: d0InBlue},
		{name: "vrf filter", setup: vrfSetup, cmd: "link show vrf blue", out: d0InBlue},
		{name: "nomaster filter", setup: vrfSetup, cmd: "-br link show nomaster type dummy", out: ""},
		{name: "type filter", setup: vrfSetup, cmd: "link show type vrf", out: blueUp + redDown},
		{name: "slave type filter json", setup: vrfSetup, cmd: "-j -br link show type vrf_slave",
			out: `[{},{},{},{"ifname":"d0","operstate":"UNKNOWN","address":"02:11:22:33:44:55","flags":["BROADCAST","NOARP","UP","LOWER_UP"]}]` + "\n"},
		{name: "details", setup: vrfSetup, cmd: "-d link show blue",
			out: "2: blue: <NOARP,MASTER,UP,LOWER_UP> mtu 65575 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n" +
				"    link/ether 02:00:00:00:00:0b brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 1280 maxmtu 65575 \n" +
				"    vrf table 10 addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n"},
		{name: "details port", setup: vrfSetup, cmd: "-d link show d0",
			out: "4: d0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue master blue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
				"    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 \n" +
				"    dummy \n" +
				"    vrf_slave table 10 addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n"},
		{name: "details json", setup: vrfSetup, cmd: "-j -d link show d0",
			out: `[{"ifindex":4,"ifname":"d0","flags":["BROADCAST","NOARP","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","master":"blue","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"02:11:22:33:44:55","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":0,"allmulti":0,"min_mtu":0,"max_mtu":0,"linkinfo":{"info_kind":"dummy","info_slave_kind":"vrf","info_slave_data":{"table":10}},"inet6_addr_gen_mode":"eui64","num_tx_queues":1,"num_rx_queues":1,"gso_max_size":65536,"gso_max_segs":65535,"tso_max_size":524280,"tso_max_segs":65535,"gro_max_size":65536}]` + "\n"},
		{name: "addr show vrf", setup: append(vrfSetup, "addr add 10.0.0.1/24 dev d0"), cmd: "-br addr show vrf blue",
			out: "d0               UNKNOWN        10.0.0.1/24 fe80::11:22ff:fe33:4455/64 \n"},
		{name: "nomaster", setup: append(vrfSetup, "link set d0 nomaster"), cmd: "link show d0",
			out: "4: d0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
				"    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff\n"},
		{name: "move with vrf keyword", setup: append(vrfSetup, "link set d0 vrf red"), cmd: "-br link show master red",
			out: "d0               UNKNOWN        02:11:22:33:44:55 <BROADCAST,NOARP,UP,LOWER_UP> \n"},
		{name: "add with master", setup: append(vrfSetup, "link add d1 address 02:00:00:00:00:d1 master red type dummy"),
			cmd: "-br link show vrf red", out: "d1               DOWN           02:00:00:00:00:d1 <BROADCAST,NOARP> \n"},
		{name: "table by name", setup: []string{"link add mgmt address 02:00:00:00:00:0d type vrf table main"}, cmd: "vrf show",
			out: vrfHeader + "mgmt" + sp(15) + "254\n"},
		// "m" is the master keyword, as for ip.
		{name: "m is master", cmd: "link add m address 02:00:00:00:00:0d type vrf table main",
			err: "Error: argument \"address\" is wrong: Device does not exist\n\n", code: 255},
		{name: "vrf show", setup: vrfSetup, cmd: "vrf show", out: vrfHeader + "blue" + sp(16) + "10\nred" + sp(17) + "20\n",
			err: warnBlue + warnRed},
		{name: "vrf list abbreviated", setup: vrfSetup, cmd: "vrf l", out: vrfHeader + "blue" + sp(16) + "10\nred" + sp(17) + "20\n",
			err: warnBlue + warnRed},
		{name: "vrf show with defaults", setup: append(vrfSetup, "route add table 10 unreachable default metric 4278198272",
			"-6 route add table 10 unreachable default metric 4278198272", "route add table 20 unreachable default metric 4278198272"),
			cmd: "vrf show", out: vrfHeader + "blue" + sp(16) + "10\nred" + sp(17) + "20\n",
			err: "Warning: VRF red has no IPv6 default route in table 20: lookups that miss it fall through to the next rules (main). " +
				"Add: govrf -6 route add table 20 unreachable default metric 4278198272\n"},
		{name: "vrf show none", cmd: "vrf", out: vrfHeader + "No VRF has been configured\n"},
		{name: "vrf show json", setup: vrfSetup, cmd: "-j vrf show", out: `[{"name":"blue","table":10},{"name":"red","table":20}]` + "\n",
			err: warnBlue + warnRed},
		{name: "vrf show name", setup: vrfSetup, cmd: "vrf show red", out: "red 20\n"},
		{name: "vrf show default", cmd: "vrf show default", out: "default 254\n"},
		{name: "vrf show not a vrf", setup: vrfSetup, cmd: "vrf show d0", err: "Invalid VRF\n", code: 255},
		{name: "vrf exec", setup: vrfSetup, cmd: "vrf e blue ls", err: "Error: \"vrf exec\" needs the govrf daemon, which is not running.\n", code: 2},
		{name: "vrf identify", cmd: "vrf identify", err: "Error: \"vrf identify\" needs the govrf daemon, which is not running.\n", code: 2},
		{name: "vrf pids", cmd: "vrf pids blue", err: "Error: \"vrf pids\" needs the govrf daemon, which is not running.\n", code: 2},
		{name: "vrf unknown", cmd: "vrf foo", err: "Command \"foo\" is unknown, try \"govrf vrf help\".\n", code: 255},
		{name: "vrf help", cmd: "vrf help", err: vrfUsage, code: 255},
		{name: "vrf not a vrf", setup: vrfSetup, cmd: "link set d0 vrf d0", err: "Error: argument \"d0\" is wrong: Not a valid VRF name\n\n", code: 255},
		{name: "vrf missing", setup: vrfSetup, cmd: "link set d0 vrf green", err: "Error: argument \"green\" is wrong: Not a valid VRF name\n\n", code: 255},
		{name: "vrf in vrf", setup: vrfSetup, cmd: "link set red master blue", err: "Error: Can not enslave an L3 master device to a VRF.\n", code: 2},
		{name: "lo in vrf", setup: vrfSetup, cmd: "link set lo master blue", err: "Error: Can not enslave loopback device to a VRF.\n", code: 2},
		{name: "table missing", cmd: "link add g type vrf", err: "Error: VRF table id is missing.\n", code: 2},
		{name: "table zero", cmd: "link add g type vrf table 0", err: "Error: Invalid VRF table id.\n", code: 2},
		{name: "table bad", cmd: "link add g type vrf table x", err: "Error: argument \"x\" is wrong: invalid table ID\n\n", code: 255},
		{name: "table incomplete", cmd: "link add g type vrf table", err: "Command line is not complete. Try option \"help\"\n", code: 255},
		{name: "vrf option unknown", cmd: "link add g type vrf foo 1", err: "vrf: unknown option \"foo\"?\nUsage: ... vrf table TABLEID\n", code: 1},
		{name: "vrf option help", cmd: "link add g type vrf help", err: "Usage: ... vrf table TABLEID\n", code: 1},
		{name: "vrf address change", setup: vrfSetup, cmd: "link set blue address 02:00:00:00:00:01", err: "RTNETLINK answers: Operation not supported\n", code: 2},
		{name: "vrf table change", setup: vrfSetup, cmd: "link set blue type vrf table 30", err: "RTNETLINK answers: Operation not supported\n", code: 2},
		{name: "unnamed vrf", setup: []string{"link add type vrf table 5"}, cmd: "vrf show vrf0", out: "vrf0 5\n"},
	})
}

// TestVRFExecDaemon: against the daemon, `vrf exec` is answered with the
// host stack's namespace for the client to enter, after ipvrf_exec's own
// checks, with its messages and exit codes.
func TestVRFExecDaemon(t *testing.T) {
	ctl := control.New()
	if code := Run(ctl, splitWords("link add name a type vrf table 10"), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatalf("link add: exit %d", code)
	}
	if code := Run(ctl, splitWords("link add name b type vrf table 20"), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatalf("link add: exit %d", code)
	}
	for _, tc := range []struct {
		argv, out, err string
		code           int
	}{
		{"vrf exec a ssh 10.0.0.5", "/run/netns/govrf-a\n", "", 0},
		{"vrf exec a -- ssh 10.0.0.5", "/run/netns/govrf-a\n", "", 0},
		{"vrf exec a --", "", "No command specified\n", 255},
		{"vrf e default true", "/run/netns/govrf-default\n", "", 0},
		{"vrf exec", "", "No VRF name specified\n", 255},
		{"vrf exec a", "", "No command specified\n", 255},
		{"vrf exec nosuch true", "", "Invalid VRF name\n", 255},
		{"vrf exec lo true", "", "Invalid VRF name\n", 255},
		{"vrf exec b true", "", "Error: VRF b has no host stack: govrfd runs without them (-host-stacks=false) or could not make it.\n", 2},
		{"vrf pids", "", "Invalid arguments\n", 255},
		{"vrf identify 1 2", "", "Error: argument \"2\" is wrong: Extra arguments specified\n\n", 255},
		{"vrf identify x", "", "Error: argument \"x\" is wrong: Invalid pid\n\n", 255},
	} {
		var out, errs bytes.Buffer
		code := RunWith(ctl, fakePlane{}, splitWords(tc.argv), &out, &errs)
		if code != tc.code || out.String() != tc.out || errs.String() != tc.err {
			t.Errorf("govrf %s = %d, %q, %q; want %d, %q, %q", tc.argv, code, out.String(), errs.String(), tc.code, tc.out, tc.err)
		}
	}
}

// TestVRFShowDaemon: against the daemon, `vrf show` adds each VRF's host
// stack and ports to ip's columns, aligned under their headings and
// underlined as ip underlines its header, whatever the paths' length.
func TestVRFShowDaemon(t *testing.T) {
	ctl := control.New()
	for _, line := range []string{"link add name a type vrf table 10", "link add name b type vrf table 20",
		"link add name ra1 type dummy", "link add name ra2 type dummy", "link set dev ra1 master a", "link set dev ra2 master a"} {
		if code := Run(ctl, splitWords(line), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
			t.Fatalf("govrf %s: exit %d", line, code)
		}
	}
	for _, tc := range []struct{ argv, want string }{
		{"vrf show", "Name              Table  Host stack          Ports\n" +
			strings.Repeat("-", 50) + "\n" +
			"a                   10   /run/netns/govrf-a  ra1 ra2\n" +
			"b                   20   -                 \n"},
		{"-j vrf show", `[{"name":"a","table":10,"netns":"/run/netns/govrf-a","ports":["ra1","ra2"]},{"name":"b","table":20,"ports":[]}]` + "\n"},
	} {
		var out, errs bytes.Buffer
		if code := RunWith(ctl, fakePlane{}, splitWords(tc.argv), &out, &errs); code != 0 || out.String() != tc.want {
			t.Errorf("govrf %s = %d, %q (%q)\nwant %q", tc.argv, code, out.String(), errs.String(), tc.want)
		}
	}
	// Whatever the paths, each column starts under its heading.
	var out bytes.Buffer
	RunWith(ctl, stackPlane{"a": "/run/netns/govrf-a", "b": "/tmp/a-much-longer-directory/netns/govrf-b"},
		[]string{"vrf", "show"}, &out, &bytes.Buffer{})
	lines := strings.Split(out.String(), "\n")
	if len(lines) < 4 || len(lines[1]) != len(lines[0]) || strings.Trim(lines[1], "-") != "" {
		t.Fatalf("vrf show =\n%s\nwant a header underlined over its whole length", out.String())
	}
	for _, c := range []struct{ heading, row, value string }{
		{"Host stack", lines[2], "/run/netns/govrf-a"}, {"Ports", lines[2], "ra1"},
		{"Host stack", lines[3], "/tmp/a-much-longer-directory"},
	} {
		if h, v := strings.Index(lines[0], c.heading), strings.Index(c.row, c.value); h != v {
			t.Errorf("vrf show: %q at column %d, its heading %q at %d:\n%s", c.value, v, c.heading, h, out.String())
		}
	}
}

// stackPlane is a data plane with the given host stacks.
type stackPlane map[string]string

func (p stackPlane) Neighbors(link int) []neigh.Entry        { return nil }
func (p stackPlane) LinkStats(link int) (LinkCounters, bool) { return LinkCounters{}, false }
func (p stackPlane) PortState(link int) PortState            { return PortState{Carrier: true, OperState: "UP"} }
func (p stackPlane) HostStacks() map[string]string           { return p }
