package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

const (
	loShow = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
		"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
	addD0 = "link add d0 address 02:11:22:33:44:55 type dummy"
	d0Up  = "2: d0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
		"    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff\n"
	d0Down = "2: d0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n" +
		"    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff\n"
)

func TestLinkShow(t *testing.T) {
	runCases(t, []cmdCase{
		{name: "all", setup: []string{addD0}, cmd: "link show", out: loShow + d0Down},
		{name: "no verb", setup: []string{addD0}, cmd: "link", out: loShow + d0Down},
		{name: "dev", setup: []string{addD0}, cmd: "link show dev d0", out: d0Down},
		{name: "up filter", setup: []string{addD0}, cmd: "link show up", out: loShow},
		{name: "up filter json", setup: []string{addD0}, cmd: "-j link show up",
			out: `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00"},{}]` + "\n"},
		{name: "up link", setup: []string{addD0, "link set d0 up"}, cmd: "link show d0", out: d0Up},
		{name: "mtu and group", setup: []string{addD0, "link set d0 mtu 9000 group 7"}, cmd: "link show group 7",
			out: "2: d0: <BROADCAST,NOARP> mtu 9000 qdisc noop state DOWN mode DEFAULT group 7 qlen 1000\n" +
				"    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff\n"},
		{name: "type", setup: []string{addD0}, cmd: "link show type dummy", out: d0Down},
		{name: "packet port", setup: []string{"link add link eth9 name p0 address 02:11:22:33:44:66 type packet", "link set p0 up"},
			cmd: "link show p0", out: "2: p0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
				"    link/ether 02:11:22:33:44:66 brd ff:ff:ff:ff:ff:ff\n"},
		{name: "brief", setup: []string{addD0, "link set d0 up"}, cmd: "-br link",
			out: "lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n" +
				"d0               UNKNOWN        02:11:22:33:44:55 <BROADCAST,NOARP,UP,LOWER_UP> \n"},
		{name: "brief json", setup: []string{addD0}, cmd: "-j -br link show d0",
			out: `[{"ifname":"d0","operstate":"DOWN","address":"02:11:22:33:44:55","flags":["BROADCAST","NOARP"]}]` + "\n"},
		{name: "details", setup: []string{addD0}, cmd: "-d link show d0",
			out: "2: d0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n" +
				"    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 \n" +
				"    dummy addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n"},
		{name: "details lo", cmd: "-d link show lo",
			out: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
				"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n"},
		{name: "details json", setup: []string{addD0}, cmd: "-j -d link show d0",
			out: `[{"ifindex":2,"ifname":"d0","flags":["BROADCAST","NOARP"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"02:11:22:33:44:55","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":0,"allmulti":0,"min_mtu":0,"max_mtu":0,"linkinfo":{"info_kind":"dummy"},"inet6_addr_gen_mode":"eui64","num_tx_queues":1,"num_rx_queues":1,"gso_max_size":65536,"gso_max_segs":65535,"tso_max_size":524280,"tso_max_segs":65535,"gro_max_size":65536}]` + "\n"},
		{name: "stats", cmd: "-s link show lo", out: loShow[:len(loShow)-1] + "\n" +
			"    RX:  bytes packets errors dropped  missed   mcast           \n" +
			"             0       0      0       0       0       0 \n" +
			"    TX:  bytes packets errors dropped carrier collsns           \n" +
			"             0       0      0       0       0       0 \n"},
		{name: "stats twice", cmd: "-s -s link show lo", out: loShow +
			"    RX:  bytes packets errors dropped  missed   mcast           \n" +
			"             0       0      0       0       0       0 \n" +
			"    RX errors:  length    crc   frame    fifo overrun\n" +
			"                     0      0       0       0       0 \n" +
			"    TX:  bytes packets errors dropped carrier collsns           \n" +
			"             0       0      0       0       0       0 \n" +
			"    TX errors: aborted   fifo  window heartbt transns\n" +
			"                     0      0       0       0       0 \n"},
		{name: "stats json", cmd: "-j -s link show lo",
			out: `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","stats64":{"rx":{"bytes":0,"packets":0,"errors":0,"dropped":0,"over_errors":0,"multicast":0},"tx":{"bytes":0,"packets":0,"errors":0,"dropped":0,"carrier_errors":0,"collisions":0}}}]` + "\n"},
		{name: "oneline stats", cmd: "-o -s link show lo",
			out: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\" +
				"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\\" +
				"    RX:  bytes packets errors dropped  missed   mcast           \\" +
				"             0       0      0       0       0       0 \\" +
				"    TX:  bytes packets errors dropped carrier collsns           \\" +
				"             0       0      0       0       0       0 \n"},
		{name: "no such device", cmd: "link show nosuch", err: "Device \"nosuch\" does not exist.\n", code: 1},
		{name: "two devices", cmd: "link show d0 lo", err: "Error: either \"dev\" is duplicate, or \"lo\" is a garbage.\n", code: 255},
		{name: "dev without name", cmd: "link show dev", err: "Command line is not complete. Try option \"help\"\n", code: 255},
		{name: "master missing", cmd: "link show master nosuch", err: "Error: argument \"nosuch\" is wrong: Device does not exist\n\n", code: 255},
		{name: "vrf not a vrf", cmd: "link show vrf lo", err: "Error: argument \"lo\" is wrong: Not a valid VRF name\n\n", code: 255},
		{name: "unknown verb", cmd: "link foo", err: "Command \"foo\" is unknown, try \"govrf link help\".\n", code: 255},
		{name: "help", cmd: "link help", err: linkUsage, code: 255},
		{name: "unsupported verb", cmd: "link xstats", err: "Error: \"xstats\" is not supported by govrf.\n", code: 2},
	})
}

func TestLinkAddSetDel(t *testing.T) {
	runCases(t, []cmdCase{
		{name: "add up with mtu", setup: []string{"link add d0 address 02:11:22:33:44:55 mtu 9000 up type dummy"}, cmd: "link show d0",
			out: "2: d0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 9000 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
				"    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff\n"},
		{name: "up after type goes to the kind", setup: []string{"link add d0 address 02:11:22:33:44:55 type dummy up"},
			cmd: "link show d0", out: d0Down},
		{name: "add by name keyword", setup: []string{"link add name d0 address 02:11:22:33:44:55 type dummy"}, cmd: "link show d0", out: d0Down},
		{name: "add unnamed", setup: []string{"link add type dummy", "link add type dummy"}, cmd: "-br addr show type dummy",
			out: "dummy0           DOWN           \ndummy1           DOWN           \n"},
		{name: "rename", setup: []string{addD0, "link set d0 name e0"}, cmd: "-br link show e0",
			out: "e0               DOWN           02:11:22:33:44:55 <BROADCAST,NOARP> \n"},
		{name: "set address", setup: []string{addD0, "link set dev d0 address 02:00:00:00:00:09"}, cmd: "-br link show d0",
			out: "d0               DOWN           02:00:00:00:00:09 <BROADCAST,NOARP> \n"},
		{name: "delete", setup: []string{addD0, "link del d0"}, cmd: "link", out: loShow},
		{name: "set nothing", setup: []string{addD0}, cmd: "link set d0"},
		{name: "add without type", cmd: "link add d1", err: "Not enough information: \"type\" argument is required\n", code: 1},
		{name: "add type missing", cmd: "link add d1 type", err: "Command line is not complete. Try option \"help\"\n", code: 255},
		{name: "add unknown type", cmd: "link add d1 type veth", err: "Error: Unknown device type.\n", code: 2},
		{name: "add unknown type args", cmd: "link add d1 type veth peer x", err: "Garbage instead of arguments \"peer ...\". Try \"govrf link help\".\n", code: 1},
		{name: "packet help", cmd: "link add type packet help", err: packetKindUsage + "\n", code: 1},
		{name: "packet help with names", cmd: "link add link eth1 name eth1 type packet help", err: packetKindUsage + "\n", code: 1},
		{name: "tap help", cmd: "link add type tap help", err: tapKindUsage + "\n", code: 1},
		{name: "vrf help", cmd: "link add type vrf help", err: "Usage: ... vrf table TABLEID\n", code: 1},
		{name: "add exists", setup: []string{addD0}, cmd: "link add d0 type dummy", err: "RTNETLINK answers: File exists\n", code: 2},
		{name: "replace exists", setup: []string{addD0}, cmd: "link replace d0 type dummy", err: "RTNETLINK answers: Operation not supported\n", code: 2},
		{name: "add name and dev", cmd: "link add name d8 dev d9 type dummy", err: "both \"name\" and \"dev\" cannot be used when creating devices.\n", code: 255},
		{name: "add long name", cmd: "link add 0123456789abcdef type dummy", err: "Error: Attribute failed policy validation.\n", code: 2},
		{name: "add bad name", cmd: "link add a/b type dummy", err: "Error: argument \"a/b\" is wrong: \"dev\" not a valid ifname\n", code: 255},
		{name: "add dot name", cmd: "link add .. type dummy", err: "RTNETLINK answers: Invalid argument\n", code: 2},
		{name: "add bad mtu", cmd: "link add d1 mtu x type dummy", err: "Error: argument \"x\" is wrong: Invalid \"mtu\" value\n\n", code: 255},
		{name: "add bad lladdr", cmd: "link add d1 address zz type dummy", err: "\"zz\" is invalid lladdr.\n", code: 1},
		{name: "add short lladdr", cmd: "link add d1 address 02:00 type dummy", err: "RTNETLINK answers: Invalid argument\n", code: 2},
		{name: "set no dev", cmd: "link set", err: "Not enough information: \"dev\" argument is required.\n", code: 255},
		{name: "set no such dev", cmd: "link set nosuch up", err: "Cannot find device \"nosuch\"\n", code: 1},
		{name: "set dup mtu", setup: []string{addD0}, cmd: "link set dev d0 mtu 100 mtu 200", err: "Error: duplicate \"mtu\": \"200\" is the second value.\n", code: 255},
		{name: "set garbage", setup: []string{addD0}, cmd: "link set d0 up down foo", err: "Error: either \"dev\" is duplicate, or \"foo\" is a garbage.\n", code: 255},
		{name: "set long name", setup: []string{addD0}, cmd: "link set d0 name 0123456789abcdefg", err: "Error: argument \"0123456789abcdefg\" is wrong: \"name\" not a valid ifname\n", code: 255},
		{name: "set name taken", setup: []string{addD0}, cmd: "link set d0 name lo", err: "RTNETLINK answers: File exists\n", code: 2},
		{name: "set lladdr length", setup: []string{addD0}, cmd: "link set d0 address 1.2.3.4", err: "Invalid address length 4 - must be 6 bytes\n", code: 1},
		{name: "set multicast lladdr", setup: []string{addD0}, cmd: "link set d0 address 01:00:5e:00:00:01", err: "RTNETLINK answers: Cannot assign requested address\n", code: 2},
		{name: "set lo lladdr while up", cmd: "link set lo address 02:00:00:00:00:01", err: "RTNETLINK answers: Device or resource busy\n", code: 2},
		{name: "set bad group", setup: []string{addD0}, cmd: "link set d0 group foo", err: "Error: argument \"foo\" is wrong: Invalid \"group\" value\n\n", code: 255},
		{name: "set master missing", setup: []string{addD0}, cmd: "link set d0 master nosuch", err: "Error: argument \"nosuch\" is wrong: Device does not exist\n\n", code: 255},
		{name: "set master not vrf", setup: []string{addD0}, cmd: "link set d0 master lo", err: "RTNETLINK answers: Operation not supported\n", code: 2},
		{name: "set vrf not vrf", setup: []string{addD0}, cmd: "link set d0 vrf lo", err: "Error: argument \"lo\" is wrong: Not a valid VRF name\n\n", code: 255},
		{name: "set type mismatch", setup: []string{addD0}, cmd: "link set d0 type vrf table 5", err: "RTNETLINK answers: Operation not supported\n", code: 2},
		{name: "set unsupported", setup: []string{addD0}, cmd: "link set d0 promisc on", err: "Error: \"promisc\" is not supported by govrf.\n", code: 2},
		{name: "del no dev", cmd: "link del", err: "Not enough information: \"dev\" argument is required.\n", code: 255},
		{name: "del no such", cmd: "link del nosuch", err: "Cannot find device \"nosuch\"\n", code: 1},
		{name: "del lo", cmd: "link del lo", err: "RTNETLINK answers: Operation not supported\n", code: 2},
		{name: "packet force", setup: []string{"link add link eth9 name p0 address 02:11:22:33:44:66 type packet force"},
			cmd: "-d link show p0",
			out: "2: p0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n" +
				"    link/ether 02:11:22:33:44:66 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 \n" +
				"    packet link eth9 force addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n"},
		{name: "packet unknown option", cmd: "link add link eth9 name p0 type packet forced",
			err: "packet: unknown option \"forced\"?\nUsage: ... packet [ force ]\n", code: 1},
		{name: "packet force on set", setup: []string{"link add link eth9 name p0 type packet"}, cmd: "link set p0 type packet force",
			err: "RTNETLINK answers: Operation not supported\n", code: 2},
	})
}

// TestPacketForceJSON checks that -j -d shows a packet link's interface
// and its force flag as the kind's data.
func TestPacketForceJSON(t *testing.T) {
	ctl := control.New()
	if _, e, code := run(t, ctl, "link add link eth9 name p0 type packet force"); code != 0 {
		t.Fatalf("link add ... type packet force = %d: %s", code, e)
	}
	out, _, _ := run(t, ctl, "-j -d link show p0")
	if want := `"linkinfo":{"info_kind":"packet","info_data":{"link":"eth9","force":true}}`; !strings.Contains(out, want) {
		t.Errorf("-j -d link show p0 = %s, want it to contain %s", out, want)
	}
}

// statePlane is a plane whose packet links' interfaces are in a given
// state, and that records the up and down it is told.
type statePlane struct {
	fakePlane
	st  PortState
	set []string
}

func (p *statePlane) PortState(link int) PortState { return p.st }

func (p *statePlane) SetPortUp(link int, up bool) error {
	p.set = append(p.set, fmt.Sprintf("%d %v", link, up))
	return nil
}

// TestLinkShowPortState: a packet link that is up mirrors the plane's
// view of its interface; one that is down shows DOWN whatever its
// interface does; `link set up|down` on a packet link is passed on.
func TestLinkShowPortState(t *testing.T) {
	for _, tc := range []struct {
		st   PortState
		want string
	}{
		{PortState{Carrier: true, OperState: "UP"}, "<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP "},
		{PortState{OperState: "DOWN"}, "<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN "},
		{PortState{OperState: "LOWERLAYERDOWN"}, "<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state LOWERLAYERDOWN "},
		{PortState{}, "<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state LOWERLAYERDOWN "},
		{PortState{Carrier: true, OperState: "UNKNOWN"}, "<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN "},
	} {
		ctl := control.New()
		plane := &statePlane{st: tc.st}
		for _, line := range []string{"link add link eth9 name p0 type packet", "link set dev p0 up"} {
			var errs strings.Builder
			if code := RunWith(ctl, plane, strings.Fields(line), &strings.Builder{}, &errs); code != 0 {
				t.Fatalf("%s = %d: %s", line, code, errs.String())
			}
		}
		var out strings.Builder
		RunWith(ctl, plane, strings.Fields("link show dev p0"), &out, &strings.Builder{})
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("link show dev p0 with the interface %+v:\n%s\nwant %q", tc.st, out.String(), tc.want)
		}
		RunWith(ctl, plane, strings.Fields("link set dev p0 down"), &out, &strings.Builder{})
		out.Reset()
		RunWith(ctl, plane, strings.Fields("link show dev p0"), &out, &strings.Builder{})
		if want := "<BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN "; !strings.Contains(out.String(), want) {
			t.Errorf("link show dev p0 down with the interface %+v:\n%s\nwant %q", tc.st, out.String(), want)
		}
		if want := []string{"2 true", "2 false"}; fmt.Sprint(plane.set) != fmt.Sprint(want) {
			t.Errorf("SetPortUp calls = %v, want %v", plane.set, want)
		}
	}
}

// TestLinkHelpNamesPacketForm: `link help` shows `link DEVICE`, which
// packet ports need, and points at each kind's own help.
func TestLinkHelpNamesPacketForm(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := Run(control.New(), []string{"link", "help"}, &stdout, &stderr); code != exitUsage {
		t.Fatalf("link help: exit %d, want %d", code, exitUsage)
	}
	for _, want := range []string{"govrf link add [ link DEVICE ] [ name ] NAME", "govrf link add type TYPE help"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("link help lacks %q:\n%s", want, stderr.String())
		}
	}
}
