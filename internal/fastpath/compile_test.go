package fastpath

import (
	"bytes"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// compileBase is a VRF red with two ports, a port of the default VRF,
// and forwarding on.
var compileBase = []string{
	"link add red type vrf table 10", "link set red up",
	"link add r1 type dummy", "link add r2 type dummy", "link add d0 type dummy",
	"link set r1 master red", "link set r2 master red",
	"link set r1 up", "link set r2 up", "link set d0 up",
	"addr add 192.168.1.1/24 dev r1", "addr add 192.168.2.1/24 dev r2", "addr add 10.0.0.1/24 dev d0",
	"addr add 2001:db8:2::1/64 dev r2 nodad",
	"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1",
}

// hostMAC is the MAC of the i-th neighbour of a test.
func hostMAC(i int) header.MAC { return header.MAC{0x02, 0xaa, 0, 0, 0, byte(i)} }

// compileMono is the monotonic clock the unit tests compile at.
const compileMono = 1_000_000_000_000

// compileFor configures compileBase plus script, gives r2 the
// neighbours ("ADDR STATE", or d0 "d0 ADDR STATE") and compiles, with r1 on slot 0 (ifindex
// 101), r2 on slot 1 (ifindex 102) and d0 on slot 2 (ifindex 103).
func compileFor(t *testing.T, script []string, neighs ...string) *Compiled {
	t.Helper()
	ctl := control.New()
	for _, l := range append(append([]string(nil), compileBase...), script...) {
		var out bytes.Buffer
		if code := cli.Run(ctl, strings.Fields(l), &out, &out); code != 0 {
			t.Fatalf("%s: %s", l, out.String())
		}
	}
	clock := neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	s := ctl.Snapshot()
	var ports []Port
	for i, n := range []string{"r1", "r2", "d0"} {
		l := s.LinkByName(n)
		ports = append(ports, Port{Link: l.Index, Ifindex: 101 + i, Slot: i, MAC: header.MAC(l.MAC), MTU: 1500,
			Neigh: neigh.New(neigh.DefaultConfig(), clock)})
	}
	states := map[string]neigh.State{"REACHABLE": neigh.StateReachable, "STALE": neigh.StateStale, "PERMANENT": neigh.StatePermanent,
		"DELAY": neigh.StateDelay, "PROBE": neigh.StateProbe}
	for i, n := range neighs {
		f := strings.Fields(n)
		port := ports[1]
		if f[0] == "d0" {
			port, f = ports[2], f[1:]
		}
		if err := port.Neigh.Add(neigh.Static{Addr: netip.MustParseAddr(f[0]), MAC: hostMAC(i), State: states[f[1]]}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(time.Second)
	c, err := Compile(s, ports, compileMono)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// lpm returns the longest entry of tr matching a, as the trie would.
func lpm(tr *Tries, a netip.Addr) (Entry, bool) {
	fi := 0
	if a.Is6() {
		fi = 1
	}
	var best Entry
	found := false
	for _, e := range tr.Routes[fi] {
		if e.Prefix.Contains(a) && (!found || e.Prefix.Bits() > best.Prefix.Bits()) {
			best, found = e, true
		}
	}
	return best, found
}

// want checks what the trie of VRF red (the first domain compiled)
// decides for address a: a nexthop or the slow path, and the source bit.
func want(t *testing.T, c *Compiled, a string, nh bool, srcOK bool) {
	t.Helper()
	wantIn(t, c, 0, a, nh, srcOK)
}

// wantIn is want for the i-th domain compiled.
func wantIn(t *testing.T, c *Compiled, i int, a string, nh bool, srcOK bool) {
	t.Helper()
	if len(c.VRFs) <= i {
		t.Fatalf("%d domains compiled, want more than %d", len(c.VRFs), i)
	}
	e, ok := lpm(&c.VRFs[i], netip.MustParseAddr(a))
	if !ok {
		if nh || srcOK {
			t.Errorf("%s: no entry, want nexthop %v source %v", a, nh, srcOK)
		}
		return
	}
	if (e.Nexthop() != 0) != nh || e.SourceOK() != srcOK {
		t.Errorf("%s: entry %s nexthop %d source %v, want nexthop %v source %v", a, e.Prefix, e.Nexthop(), e.SourceOK(), nh, srcOK)
	}
}

func TestCompileNexthops(t *testing.T) {
	c := compileFor(t, []string{
		"route add 172.16.0.0/16 via 192.168.2.10 vrf red",
		"route add 172.17.0.0/16 via 192.168.2.11 vrf red",
		"route add 172.18.0.0/16 via 192.168.2.12 vrf red",
		"route add 172.19.0.0/16 via 192.168.2.13 vrf red",
		"route add 2001:db8:100::/48 via 2001:db8:2::10 vrf red",
		"route add 172.20.0.0/16 via 192.168.2.14 vrf red",
		"route add 172.21.0.0/16 via 192.168.2.15 vrf red",
	}, "192.168.2.10 REACHABLE", "192.168.2.11 STALE", "192.168.2.12 PERMANENT", "2001:db8:2::10 REACHABLE",
		"192.168.2.14 DELAY", "192.168.2.15 PROBE")
	for _, a := range []string{"172.16.1.1", "172.17.1.1", "172.18.1.1", "172.19.1.1", "2001:db8:100::1", "172.20.1.1", "172.21.1.1"} {
		want(t, c, a, true, true) // every gateway has a nexthop, whatever its neighbour
	}
	e, _ := lpm(&c.VRFs[0], netip.MustParseAddr("172.16.1.1"))
	nh := c.Nexthops[e.Nexthop()-1]
	// The reachable time drawn, 15 to 45 s, less the age.
	if nh.Ifindex != 102 || nh.Slot != 1 || nh.MTU != 1500 || nh.Dst != hostMAC(0) || nh.Flags != 0 ||
		nh.Deadline < compileMono+uint64(14*time.Second) || nh.Deadline >= compileMono+uint64(44*time.Second) {
		t.Errorf("nexthop %+v", nh)
	}
	if k := c.Neighbours[e.Nexthop()-1]; k.Addr != netip.MustParseAddr("192.168.2.10") {
		t.Errorf("nexthop's neighbour %+v", k)
	}
	for a, w := range map[string]Neighbour{
		"172.17.1.1": {MAC: hostMAC(1)}, // STALE: the slow path's
		"172.18.1.1": {Deadline: math.MaxUint64, MAC: hostMAC(2)},
		"172.19.1.1": {}, // no neighbour
		"172.20.1.1": {Deadline: math.MaxUint64, MAC: hostMAC(4), Flags: NexthopTrack},
		"172.21.1.1": {Deadline: math.MaxUint64, MAC: hostMAC(5), Flags: NexthopTrack},
	} {
		e, _ := lpm(&c.VRFs[0], netip.MustParseAddr(a))
		nh := c.Nexthops[e.Nexthop()-1]
		if got := (Neighbour{nh.Deadline, nh.Dst, nh.Flags}); got != w {
			t.Errorf("%s: nexthop's neighbour %+v, want %+v", a, got, w)
		}
	}
	if p := c.Ports[101]; p.Flags != PortIPv4|PortIPv6 || p.Slot != 0 || p.VRF != 0 {
		t.Errorf("port r1 %+v", p)
	}
	if p := c.Ports[103]; p.VRF != 1 || c.VRFs[1].VRF != 0 {
		t.Errorf("port d0 %+v, want the default VRF's (domain 1)", p)
	}
}

func TestCompileRoutesHandedOver(t *testing.T) {
	c := compileFor(t, []string{
		"route add blackhole 172.20.0.0/16 vrf red",
		"route add unreachable 172.21.0.0/16 vrf red",
		"route add throw 172.22.0.0/16 vrf red",
		"route add 172.23.0.0/16 vrf red nexthop via 192.168.2.10 nexthop via 192.168.2.12",
		"route add 172.24.0.0/16 tos 0x10 via 192.168.2.10 vrf red",
		"route add 172.25.0.0/16 via 192.168.2.10 metric 10 vrf red",
		"route add 172.25.0.0/16 via 192.168.2.12 metric 20 vrf red",
		"nexthop add id 1 via 192.168.2.10 dev r2",
		"route add 172.26.0.0/16 nhid 1 vrf red",
		"route add 172.27.0.0/16 dev red vrf red",
		"route add 127.1.0.0/16 via 192.168.2.10 vrf red",
		"route add 10.0.0.0/8 via 192.168.2.10 vrf red",
	}, "192.168.2.10 REACHABLE", "192.168.2.12 PERMANENT")
	want(t, c, "172.20.0.1", false, true)  // blackhole: the source routes back as an error, fine
	want(t, c, "172.21.0.1", false, true)  // unreachable
	want(t, c, "172.22.0.1", false, false) // throw: the walk goes on
	want(t, c, "172.23.0.1", false, true)  // multipath: a unicast source
	want(t, c, "172.24.0.1", false, false) // tos
	want(t, c, "172.25.0.1", false, false) // two routes
	want(t, c, "172.26.0.1", false, false) // nexthop object
	want(t, c, "172.27.0.1", false, true)  // through a VRF device
	want(t, c, "127.1.0.1", false, false)  // martian
	want(t, c, "10.9.9.9", true, true)     // a VRF route...
	want(t, c, "10.0.0.1", false, false)   // ...but the default VRF's address is in table local
	want(t, c, "192.168.2.1", false, false)
	want(t, c, "192.168.2.255", false, false)
	want(t, c, "224.0.0.5", false, false)
	want(t, c, "8.8.8.8", false, false) // a miss
}

func TestCompileConnected(t *testing.T) {
	c := compileFor(t, []string{"route add 192.168.2.128/25 via 192.168.2.20 vrf red"},
		"192.168.2.20 REACHABLE", "192.168.2.200 REACHABLE", "192.168.2.30 STALE", "2001:db8:2::20 REACHABLE")
	want(t, c, "192.168.2.20", true, true)
	want(t, c, "192.168.2.30", true, true)  // STALE: a nexthop that hands over
	want(t, c, "192.168.2.40", false, true) // no neighbour
	want(t, c, "192.168.2.200", true, true) // the /25's gateway decides, not the neighbour
	want(t, c, "2001:db8:2::20", true, true)
	want(t, c, "2001:db8:2::21", false, true)
	e, _ := lpm(&c.VRFs[0], netip.MustParseAddr("192.168.2.200"))
	if e.Prefix.Bits() != 25 {
		t.Errorf("192.168.2.200 matches %s, want the /25", e.Prefix)
	}
}

func TestCompileMartians6(t *testing.T) {
	c := compileFor(t, nil)
	want(t, c, "2001:db8:99::1", false, true) // ::/0 lets sources through
	want(t, c, "fe80::1", false, false)
	want(t, c, "ff02::1", false, false)
	want(t, c, "::1", false, false)
	want(t, c, "::ffff:10.0.0.1", false, false)
	want(t, c, "::", false, false)
}

func TestCompileDefaultVRF(t *testing.T) {
	c := compileFor(t, []string{
		"route add 172.16.0.0/16 via 10.0.0.10",
		"route add 172.17.0.0/16 via 192.168.2.10 dev r2", // into a VRF's port
	}, "d0 10.0.0.10 REACHABLE", "192.168.2.10 REACHABLE")
	wantIn(t, c, 1, "172.16.1.1", true, true)
	wantIn(t, c, 1, "172.17.1.1", false, true)
	wantIn(t, c, 1, "10.0.0.10", true, true)
	wantIn(t, c, 1, "10.0.0.1", false, false)
	c = compileFor(t, []string{"rule add pref 2000 from 10.0.0.0/8 lookup 20"})
	if p := c.Ports[103]; p.Flags != PortIPv6 {
		t.Errorf("an IPv4 rule before main: port d0 %+v, want IPv6 only", p)
	}
}

func TestCompileRules(t *testing.T) {
	c := compileFor(t, []string{"rule add pref 500 from 10.0.0.0/8 lookup 20",
		"route add 172.16.0.0/16 via 192.168.2.10 vrf red"}, "192.168.2.10 REACHABLE")
	if p := c.Ports[101]; p.Flags != PortIPv6 {
		t.Errorf("flags %b with a rule before the l3mdev rule, want IPv6 only", p.Flags)
	}
	if n := len(c.VRFs[0].Routes[0]); n != 0 {
		t.Errorf("%d IPv4 entries, want none", n)
	}
	c = compileFor(t, []string{"rule add pref 1001 from 10.0.0.0/8 lookup 20"})
	if p := c.Ports[101]; p.Flags != PortIPv4|PortIPv6 {
		t.Errorf("flags %b with a rule after the l3mdev rule, want both", p.Flags)
	}
	c = compileFor(t, []string{"sysctl -w net.ipv4.ip_forward=0", "sysctl -w net.ipv6.conf.all.forwarding=0"})
	if len(c.Ports) != 0 || len(c.VRFs) != 0 {
		t.Errorf("forwarding off compiles %d ports, %d VRFs", len(c.Ports), len(c.VRFs))
	}
}

func TestCompileRefusesBadPorts(t *testing.T) {
	s := control.New().Snapshot()
	n := neigh.New(neigh.DefaultConfig(), nil)
	for _, ports := range [][]Port{
		{{Link: 1, Ifindex: 1, Slot: MaxPorts, Neigh: n}},
		{{Link: 1, Ifindex: 1, Slot: 0, Neigh: n}, {Link: 2, Ifindex: 2, Slot: 0, Neigh: n}},
		{{Link: 1, Ifindex: 0, Slot: 0, Neigh: n}},
	} {
		if _, err := Compile(s, ports, 0); err == nil {
			t.Errorf("%+v compiled", ports)
		}
	}
}
