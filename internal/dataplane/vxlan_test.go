package dataplane

import (
	"fmt"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port/mem"
	"github.com/govrf/govrf/internal/sim"
	"github.com/govrf/govrf/internal/vxlan"
)

// vxRouter is one of two routers whose VRFs a and b span both through
// VXLAN: VNI 100 for a, 200 for b, over an underlay link u0 in the default
// VRF (10.99.0.N/24), hosts on 192.168.N.0/24 behind ra1/rb1.
type vxRouter struct {
	ctl    *control.Control
	dp     *Plane
	a, b   *sim.Host
	n      string
	remote string
}

// newVXLANPair builds routers R1 and R2 and their underlay (MTU
// underMTU) on one stepped network.
func newVXLANPair(t *testing.T, underMTU int) (r1, r2 *vxRouter) {
	t.Helper()
	return newVXLANPairOver(t, underMTU, "10.99.0.", "/24")
}

// newVXLANPairOver is newVXLANPair with the underlay addressed
// under+N/len: IPv4 or IPv6 outer packets.
func newVXLANPairOver(t *testing.T, underMTU int, under, plen string) (r1, r2 *vxRouter) {
	t.Helper()
	n := sim.NewNetwork(sim.Stepped)
	t.Cleanup(func() { n.Close() })
	mk := func(id, peer string) *vxRouter {
		ctl := control.New()
		dp := New(ctl, n.Clock(), Config{})
		n.Add(dp)
		r := &vxRouter{ctl: ctl, dp: dp, n: id, remote: under + peer}
		lines := []string{"link add name a type vrf table 10", "link add name b type vrf table 20",
			"link set dev a up", "link set dev b up",
			"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1",
			"link add name u0 mtu " + fmt.Sprint(underMTU) + " type dummy", "link set dev u0 up",
			"addr add " + under + id + plen + " dev u0"}
		lines = append(lines, vrfPort("ra1", "a", "192.168."+id+".1/24", "2001:db8:"+id+"::1/64")...)
		lines = append(lines, vrfPort("rb1", "b", "192.168."+id+".1/24", "2001:db8:"+id+"::1/64")...)
		for _, v := range []struct{ vrf, vni string }{{"a", "100"}, {"b", "200"}} {
			vx := "vx" + v.vni
			lines = append(lines,
				"link add name "+vx+" type vxlan id "+v.vni+" local "+under+id+" dstport 4789 nolearning",
				"link set dev "+vx+" master "+v.vrf, "link set dev "+vx+" up",
				"addr add 10."+v.vni+".0."+id+"/24 dev "+vx, "addr add fd00:"+v.vni+"::"+id+"/64 dev "+vx,
				"bridge fdb append 00:00:00:00:00:00 dev "+vx+" dst "+under+peer,
				"route add 192.168."+peer+".0/24 vrf "+v.vrf+" via 10."+v.vni+".0."+peer,
				"route add 2001:db8:"+peer+"::/64 vrf "+v.vrf+" via fd00:"+v.vni+"::"+peer)
		}
		for _, l := range lines {
			if err := runLine(ctl, l); err != nil {
				t.Fatal(err)
			}
		}
		for _, vx := range []string{"vx100", "vx200"} {
			k := ctl.Snapshot().LinkByName(vx)
			if err := dp.Attach(k.Index, vxlan.NewPort(vx, header.MAC(k.MAC))); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	r1, r2 = mk("1", "2"), mk("2", "1")
	u1 := r1.ctl.Snapshot().LinkByName("u0")
	u2 := r2.ctl.Snapshot().LinkByName("u0")
	p1, p2 := mem.Pair(mem.Config{Name: "u0", MAC: header.MAC(u1.MAC), MTU: underMTU},
		mem.Config{Name: "u0", MAC: header.MAC(u2.MAC), MTU: underMTU})
	if err := r1.dp.Attach(u1.Index, p1); err != nil {
		t.Fatal(err)
	}
	if err := r2.dp.Attach(u2.Index, p2); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*vxRouter{r1, r2} {
		for _, h := range []struct {
			link string
			host **sim.Host
		}{{"ra1", &r.a}, {"rb1", &r.b}} {
			k := r.ctl.Snapshot().LinkByName(h.link)
			host, p := n.Attach(hostCfg(h.link[1:2]+r.n, r.n), mem.Config{Name: h.link, MAC: header.MAC(k.MAC), MTU: 1500})
			if err := r.dp.Attach(k.Index, p); err != nil {
				t.Fatal(err)
			}
			*h.host = host
		}
	}
	n.Settle()
	return r1, r2
}

// TestVXLANPing: hosts of VRF a, and of b, reach each other across the
// routers in both families, each VRF through its own VNI.
func TestVXLANPing(t *testing.T) {
	r1, r2 := newVXLANPair(t, 1500)
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		ping(t, r1.a, dst, sim.Opts{}, "echo reply from "+dst)
		ping(t, r1.b, dst, sim.Opts{}, "echo reply from "+dst)
	}
	for _, dst := range []string{"192.168.1.10", "2001:db8:1::10"} {
		ping(t, r2.a, dst, sim.Opts{}, "echo reply from "+dst)
	}
	// The routers' own addresses on the tunnel answer from their VRF.
	ping(t, r1.a, "10.100.0.2", sim.Opts{}, "echo reply from 10.100.0.2")
	for _, r := range []*vxRouter{r1, r2} {
		st := r.dp.Stats()
		checkBalance(t, st)
		for _, vx := range []string{"vx100", "vx200"} {
			if c := st.Ports[vx]; c.RxPackets == 0 || c.TxPackets == 0 {
				t.Errorf("R%s %s counters: rx %d tx %d, want both > 0", r.n, vx, c.RxPackets, c.TxPackets)
			}
		}
		if c := st.Ports["u0"]; c.Delivered == 0 {
			t.Errorf("R%s u0 delivered nothing", r.n)
		}
	}
}

// TestVXLANIPv6Underlay: the same over an IPv6 underlay, whose 70
// octets of overhead the path MTU answers count.
func TestVXLANIPv6Underlay(t *testing.T) {
	r1, r2 := newVXLANPairOver(t, 1400, "fd99::", "/64")
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		ping(t, r1.a, dst, sim.Opts{}, "echo reply from "+dst)
		ping(t, r1.b, dst, sim.Opts{}, "echo reply from "+dst)
	}
	ping(t, r2.a, "192.168.1.10", sim.Opts{}, "echo reply from 192.168.1.10")
	ping(t, r1.a, "192.168.2.10", sim.Opts{Size: 1400 - 28 - 69, DF: true}, "frag needed mtu 1330 from 192.168.1.1")
	checkBalance(t, r1.dp.Stats())
}

// TestVXLANIsolation: a frame of VNI 100 reaches only VRF a; the peer's
// VNI 200 carries only b's. A's hosts see nothing of b's pings.
func TestVXLANIsolation(t *testing.T) {
	r1, r2 := newVXLANPair(t, 1500)
	ping(t, r1.a, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10") // resolve a's path
	r2.a.ResetCapture()
	before := r2.dp.Stats().Ports["vx100"].RxPackets
	ping(t, r1.b, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	if f := frames(r2.a, header.EtherTypeIPv4); len(f) != 0 {
		t.Fatalf("A2 saw %d IPv4 frames of company B's ping", len(f))
	}
	if after := r2.dp.Stats().Ports["vx100"].RxPackets; after != before {
		t.Fatalf("R2 vx100 received %d frames of b's ping", after-before)
	}
}

// TestVXLANPMTU: an inner packet whose outer packet would exceed the
// underlay's MTU is answered with frag needed / Packet Too Big carrying
// the MTU less the 50 (70) octets of encapsulation, from the inner VRF.
func TestVXLANPMTU(t *testing.T) {
	r1, _ := newVXLANPair(t, 1400)
	ping(t, r1.a, "192.168.2.10", sim.Opts{Size: 1400 - 28 - 50, DF: true}, "echo reply from 192.168.2.10")
	ping(t, r1.a, "192.168.2.10", sim.Opts{Size: 1400 - 28 - 49, DF: true}, "frag needed mtu 1350 from 192.168.1.1")
	ping(t, r1.a, "2001:db8:2::10", sim.Opts{Size: 1400}, "packet too big mtu 1350 from 2001:db8:1::1")
	// Without DF the outer packet is fragmented, as Linux's df unset.
	ping(t, r1.a, "192.168.2.10", sim.Opts{Size: 1400}, "echo reply from 192.168.2.10")
	if c := r1.dp.Stats().Ports["vx100"]; c.TxDrops[ReasonFragNeeded] != 1 || c.TxDrops[ReasonPacketTooBig] != 1 {
		t.Fatalf("vx100 tx drops frag_needed %d packet_too_big %d, want 1 and 1",
			c.TxDrops[ReasonFragNeeded], c.TxDrops[ReasonPacketTooBig])
	}
}
