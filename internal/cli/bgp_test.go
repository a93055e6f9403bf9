package cli

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/neigh"
)

var bgpSetup = []string{
	"link add name a type vrf table 10",
	"link add name b type vrf table 20",
	"bgp set as 65001 router-id 10.99.0.1",
}

func TestBGPCommands(t *testing.T) {
	runCases(t, []cmdCase{
		{name: "no as", cmd: "bgp neighbor add 10.99.0.2 remote-as 65002", code: 2,
			err: "Error: BGP has no AS yet: run \"govrf bgp set as ASN router-id ADDRESS\" first.\n"},
		{name: "set needs both", cmd: "bgp set as 65001", code: 1,
			err: "Error: BGP needs both: govrf bgp set as ASN router-id ADDRESS\n"},
		{name: "bad router id", cmd: "bgp set as 65001 router-id 2001:db8::1", code: 255,
			err: "Error: argument \"2001:db8::1\" is wrong: invalid router ID: an IPv4 address\n"},
		{name: "bad as", cmd: "bgp set as 0 router-id 10.0.0.1", code: 255,
			err: "Error: argument \"0\" is wrong: invalid AS number\n"},
		{name: "asdot", setup: []string{"bgp set as 1.10 router-id 10.0.0.1"}, cmd: "-j bgp show",
			out: `[{"router_id":"10.0.0.1","as":65546,"neighbors":[]}]` + "\n"},
		{name: "neighbour twice", setup: append(bgpSetup, "bgp neighbour add 10.99.0.2 remote-as 65002"),
			cmd: "bgp neighbor add 10.99.0.2 remote-as 65003", code: 2,
			err: "Error: neighbor 10.99.0.2 exists: \"govrf bgp neighbor del 10.99.0.2\" first to change it.\n"},
		{name: "neighbour needs as", setup: bgpSetup, cmd: "bgp neighbor add 10.99.0.2", code: 1,
			err: "Error: a neighbor needs its AS: govrf bgp neighbor add 10.99.0.2 remote-as ASN\n"},
		{name: "del unknown neighbour", setup: bgpSetup, cmd: "bgp neighbor del 10.99.0.9", code: 2,
			err: "Error: no neighbor 10.99.0.9: \"govrf bgp show\" lists them.\n"},
		{name: "vrf", setup: append(bgpSetup, "bgp vrf add a vni 100 rd 65001:100 rt 65000:100",
			"bgp vrf add b vni 200 rd 10.99.0.1:200 rt import 65000:200 65000:201 export 65000:200 advertise all"),
			cmd: "bgp vrf show",
			out: "VRF              VNI       RD                    Advertise Route targets\n" +
				"a                100       65001:100             connected import 65000:100 export 65000:100\n" +
				"b                200       10.99.0.1:200         all       import 65000:200,65000:201 export 65000:200\n"},
		{name: "vrf json", setup: append(bgpSetup, "bgp vrf add a vni 100 rd 65001:100 rt 65000:100"),
			cmd: "-j bgp vrf show",
			out: `[{"vrf":"a","vni":100,"rd":"65001:100","advertise":"connected","import":["65000:100"],"export":["65000:100"]}]` + "\n"},
		{name: "vni clash", setup: append(bgpSetup, "bgp vrf add a vni 100 rd 65001:100 rt 65000:100"),
			cmd: "bgp vrf add b vni 100 rd 65001:200 rt 65000:200", code: 2,
			err: "Error: VNI 100 is VRF a's: each VRF needs a VNI of its own.\n"},
		{name: "rd clash", setup: append(bgpSetup, "bgp vrf add a vni 100 rd 65001:100 rt 65000:100"),
			cmd: "bgp vrf add b vni 200 rd 65001:100 rt 65000:200", code: 2,
			err: "Error: route distinguisher 65001:100 is VRF a's: each VRF needs one of its own.\n"},
		{name: "import rt clash", setup: append(bgpSetup, "bgp vrf add a vni 100 rd 65001:100 rt 65000:100"),
			cmd: "bgp vrf add b vni 200 rd 65001:200 rt import 65000:100 export 65000:200", code: 2,
			err: "Error: VRF a imports route target 65000:100 already: routes are not leaked between VRFs over EVPN (docs/bgp.md).\n"},
		{name: "not a vrf", setup: bgpSetup, cmd: "bgp vrf add lo vni 100 rd 1:1 rt 1:1", code: 2,
			err: "Error: lo is not a VRF device.\n"},
		{name: "no such vrf", setup: bgpSetup, cmd: "bgp vrf add c vni 100 rd 1:1 rt 1:1", code: 2,
			err: "Error: no VRF \"c\": create it first with \"govrf link add name c type vrf table N\".\n"},
		{name: "default vrf", setup: bgpSetup, cmd: "bgp vrf add default vni 100 rd 1:1 rt 1:1", code: 2,
			err: "Error: the default VRF carries the underlay (the VXLAN tunnels and the BGP sessions): carry a VRF device instead.\n"},
		{name: "shared table", setup: append(bgpSetup, "link add name c type vrf table 10", "bgp vrf add a vni 100 rd 1:1 rt 1:1"),
			cmd: "bgp vrf add c vni 300 rd 1:3 rt 1:3", code: 2,
			err: "Error: VRF a uses table 10 too: a carried VRF needs a table of its own.\n"},
		{name: "vni range", setup: bgpSetup, cmd: "bgp vrf add a vni 16777216 rd 1:1 rt 1:1", code: 2,
			err: "Error: the VNI is 1 to 16777215.\n"},
		{name: "bad rd", setup: bgpSetup, cmd: "bgp vrf add a vni 100 rd 70000:70000 rt 1:1", code: 255,
			err: "Error: argument \"70000:70000\" is wrong: \"70000:70000\": an AS number above 65535 takes a value up to 65535\n"},
		{name: "no rt", setup: bgpSetup, cmd: "bgp vrf add a vni 100 rd 1:1", code: 2,
			err: "Error: a VRF needs route targets to import and to export (rt RT, or rt import RT export RT).\n"},
		{name: "bad advertise", setup: bgpSetup, cmd: "bgp vrf add a vni 100 rd 1:1 rt 1:1 advertise kernel", code: 255,
			err: "Error: argument \"kernel\" is wrong: \"connected\", \"static\" or \"all\" is expected\n"},
		{name: "del vrf", setup: append(bgpSetup, "bgp vrf add a vni 100 rd 1:1 rt 1:1", "bgp vrf del a"),
			cmd: "bgp vrf show", out: "VRF              VNI       RD                    Advertise Route targets\n"},
		{name: "del uncarried vrf", setup: bgpSetup, cmd: "bgp vrf del a", code: 2,
			err: "Error: VRF a is not carried over BGP: \"govrf bgp vrf show\" lists those that are.\n"},
		{name: "show offline", setup: append(bgpSetup, "bgp neighbor add 10.99.0.2 remote-as 65002"), cmd: "bgp show",
			out: "BGP router identifier 10.99.0.1, local AS number 65001\n" +
				"Neighbor        AS         State        Up/Down   PfxRcd PfxAcc\n" +
				"10.99.0.2       65002      -            never          0      0\n"},
		{name: "show unconfigured", cmd: "bgp show", out: "BGP is not configured: govrf bgp set as ASN router-id ADDRESS\n"},
		{name: "del all", setup: append(bgpSetup, "bgp del"), cmd: "-j bgp show", out: "[]\n"},
		{name: "unknown", cmd: "bgp frobnicate", code: 255, err: "Command \"frobnicate\" is unknown, try \"govrf bgp help\".\n"},
	})
}

// bgpPlane is a Plane whose speaker knows one session and two routes.
type bgpPlane struct{}

func (bgpPlane) Neighbors(int) []neigh.Entry        { return nil }
func (bgpPlane) LinkStats(int) (LinkCounters, bool) { return LinkCounters{}, false }
func (bgpPlane) HostStacks() map[string]string      { return nil }
func (bgpPlane) PortState(int) PortState            { return PortState{} }
func (bgpPlane) BGPNeighbors() []BGPNeighbor {
	return []BGPNeighbor{{Addr: netip.MustParseAddr("10.99.0.2"), RemoteAS: 65002, State: "Established",
		Since: time.Now().Add(-3723 * time.Second), Received: 2, Accepted: 1}}
}
func (bgpPlane) BGPRoutes() []BGPRoute {
	return []BGPRoute{
		{VRF: "a", Prefix: netip.MustParsePrefix("192.168.1.0/24"), RD: "65001:100", NextHop: netip.MustParseAddr("10.99.0.1"),
			VNI: 100, RouterMAC: "02:00:00:00:00:01", RTs: []string{"65000:100"}, Best: true, Local: true},
		{VRF: "a", Prefix: netip.MustParsePrefix("2001:db8:2::/64"), RD: "65002:100", NextHop: netip.MustParseAddr("10.99.0.2"),
			VNI: 100, RouterMAC: "02:00:00:00:00:02", RTs: []string{"65000:100"}, Best: true, Peer: netip.MustParseAddr("10.99.0.2")},
		{Prefix: netip.MustParsePrefix("10.0.0.0/8"), RD: "65002:900", NextHop: netip.MustParseAddr("10.99.0.2"),
			VNI: 900, RouterMAC: "02:00:00:00:00:02", RTs: []string{"65000:900"}, Best: true, Peer: netip.MustParseAddr("10.99.0.2")},
	}
}

func TestBGPShowPlane(t *testing.T) {
	ctl := control.New()
	for _, l := range append(bgpSetup, "bgp neighbor add 10.99.0.2 remote-as 65002") {
		if _, e, code := run(t, ctl, l); code != 0 {
			t.Fatalf("Run(%q) = %d: %s", l, code, e)
		}
	}
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"bgp", "show"}, "BGP router identifier 10.99.0.1, local AS number 65001\n" +
			"Neighbor        AS         State        Up/Down   PfxRcd PfxAcc\n" +
			"10.99.0.2       65002      Established  01:02:03       2      1\n"},
		{[]string{"-j", "bgp", "show"}, `[{"router_id":"10.99.0.1","as":65001,"neighbors":[{"address":"10.99.0.2","remote_as":65002,"state":"Established","seconds":3723,"received":2,"accepted":1}]}]` + "\n"},
		{[]string{"bgp", "route", "show", "vrf", "a"}, "Status codes: * valid, > best, l local\n" +
			"   VRF  Network                                     RD                    Next hop        VNI      Router MAC        Route targets\n" +
			"*>la    192.168.1.0/24                              65001:100             10.99.0.1       100      02:00:00:00:00:01 65000:100\n" +
			"*> a    2001:db8:2::/64                             65002:100             10.99.0.2       100      02:00:00:00:00:02 65000:100\n"},
		{[]string{"-j", "bgp", "route", "show"}, `[{"vrf":"a","prefix":"192.168.1.0/24","rd":"65001:100","nexthop":"10.99.0.1","vni":100,"router_mac":"02:00:00:00:00:01","route_targets":["65000:100"],"best":true,"local":true},` +
			`{"vrf":"a","prefix":"2001:db8:2::/64","rd":"65002:100","nexthop":"10.99.0.2","vni":100,"router_mac":"02:00:00:00:00:02","route_targets":["65000:100"],"best":true,"local":false,"peer":"10.99.0.2"},` +
			`{"vrf":"-","prefix":"10.0.0.0/8","rd":"65002:900","nexthop":"10.99.0.2","vni":900,"router_mac":"02:00:00:00:00:02","route_targets":["65000:900"],"best":true,"local":false,"peer":"10.99.0.2"}]` + "\n"},
	}
	for _, tc := range tests {
		var o, e bytes.Buffer
		if code := RunWith(ctl, bgpPlane{}, tc.argv, &o, &e); code != 0 || o.String() != tc.want {
			t.Errorf("RunWith(%q) = %d, %q:\n%s\nwant:\n%s", tc.argv, code, e.String(), o.String(), tc.want)
		}
	}
}
