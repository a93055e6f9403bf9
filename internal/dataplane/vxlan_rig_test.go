package dataplane

import (
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port/mem"
	"github.com/govrf/govrf/internal/vxlan"
)

// vxRig is one router with VRF a's host port ra1, the underlay port u0
// in the default VRF (10.99.0.1/24) and vx100 (VNI 100, 10.100.0.1/24)
// in a, driven through the far ends of ra1's and u0's mem pairs. The
// remote VTEP 10.99.0.2 and the remote router 10.100.0.2 behind it
// (rtrMAC), and the host 192.168.1.10 behind ra1, are resolved.
type vxRig struct {
	ctl     *control.Control
	dp      *Plane
	clock   *neigh.ManualClock
	host, u *mem.Port // far ends of ra1 and u0
	ra1, u0 header.MAC
	vx      header.MAC
	bufs    [][]byte
	sizes   []int
}

var (
	vtepMAC = header.MAC{0x02, 0, 0, 0, 0xee, 0x02}
	rtrMAC  = header.MAC{0x02, 0, 0, 0, 0x64, 0x02}
)

func newVXRig(t testing.TB) *vxRig {
	t.Helper()
	ctl := control.New()
	for _, l := range []string{"link add name a type vrf table 10", "link set dev a up",
		"sysctl -w net.ipv4.ip_forward=1",
		"link add name ra1 type dummy", "link set dev ra1 master a", "link set dev ra1 up",
		"addr add 192.168.1.1/24 dev ra1",
		"link add name u0 type dummy", "link set dev u0 up", "addr add 10.99.0.1/24 dev u0",
		"link add name vx100 type vxlan id 100 local 10.99.0.1 dstport 4789 nolearning",
		"link set dev vx100 master a", "link set dev vx100 up", "addr add 10.100.0.1/24 dev vx100",
		"bridge fdb append 00:00:00:00:00:00 dev vx100 dst 10.99.0.2",
		"link add name vx200 type vxlan id 200 local 10.99.0.1 dstport 4789",
		"link set dev vx200 up",
		"route add 192.168.2.0/24 vrf a via 10.100.0.2"} {
		if err := runLine(ctl, l); err != nil {
			t.Fatal(err)
		}
	}
	clock := neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	r := &vxRig{ctl: ctl, dp: New(ctl, clock, Config{}), clock: clock}
	s := ctl.Snapshot()
	attach := func(name string, far header.MAC) *mem.Port {
		l := s.LinkByName(name)
		near, farEnd := mem.Pair(mem.Config{Name: name, MAC: header.MAC(l.MAC)}, mem.Config{Name: "far-" + name, MAC: far})
		if err := r.dp.Attach(l.Index, near); err != nil {
			t.Fatal(err)
		}
		return farEnd
	}
	r.host, r.u = attach("ra1", sinkMAC), attach("u0", vtepMAC)
	for _, vx := range []string{"vx100", "vx200"} {
		l := s.LinkByName(vx)
		if err := r.dp.Attach(l.Index, vxlan.NewPort(vx, header.MAC(l.MAC))); err != nil {
			t.Fatal(err)
		}
	}
	r.ra1, r.u0, r.vx = header.MAC(s.LinkByName("ra1").MAC), header.MAC(s.LinkByName("u0").MAC), header.MAC(s.LinkByName("vx100").MAC)
	static := func(link, addr string, mac header.MAC) {
		if err := r.dp.Neighbors(s.LinkByName(link).Index).Add(neigh.Static{Addr: ip(addr), MAC: mac, State: neigh.StatePermanent}); err != nil {
			t.Fatal(err)
		}
	}
	static("u0", "10.99.0.2", vtepMAC)
	static("vx100", "10.100.0.2", rtrMAC)
	static("ra1", "192.168.1.10", sinkMAC)
	clock.Advance(time.Second)
	r.dp.Poll()
	r.bufs = make([][]byte, 64)
	for i := range r.bufs {
		r.bufs[i] = make([]byte, 2048)
	}
	r.sizes = make([]int, 64)
	r.drain()
	return r
}

// drain polls the router and returns what came out of u0 and of ra1.
func (r *vxRig) drain() (u, host [][]byte) {
	r.dp.Poll()
	read := func(p *mem.Port) [][]byte {
		var out [][]byte
		for {
			n, _ := p.TryRead(r.bufs, r.sizes, 0)
			if n == 0 {
				return out
			}
			for i := range n {
				out = append(out, append([]byte(nil), r.bufs[i][:r.sizes[i]]...))
			}
		}
	}
	return read(r.u), read(r.host)
}

// vxFrame is a VXLAN frame from the remote VTEP to u0 carrying inner
// (VNI vni, flags flags).
func (r *vxRig) vxFrame(vni uint32, flags uint8, inner []byte) []byte {
	p := make([]byte, vxlan.HeaderLen+len(inner))
	vxlan.Header(p).Encode(vni)
	p[0] = flags
	copy(p[vxlan.HeaderLen:], inner)
	src, dst := ip("10.99.0.2"), ip("10.99.0.1")
	return ipv4Frame(r.u0, vtepMAC, header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst},
		udp(src, dst, 50000, 4789, p))
}

// TestVXLANDecap sends VXLAN frames from the remote VTEP and checks each
// ends as Linux's vxlan_rcv and the inner pipeline decide.
func TestVXLANDecap(t *testing.T) {
	toHost := ipv4Frame(header.MAC{}, rtrMAC, header.IPv4Fields{Protocol: header.ProtoUDP,
		Src: ip("192.168.2.10"), Dst: ip("192.168.1.10")}, udp(ip("192.168.2.10"), ip("192.168.1.10"), 1, 9, []byte("x")))
	tests := []struct {
		name     string
		vni      uint32
		flags    uint8
		innerDst header.MAC // zero: vx100's
		cut      int        // octets of the inner frame kept; 0 all
		port     string
		reason   Reason
		out      bool // the inner packet reaches the host behind ra1
	}{
		{name: "forwarded", vni: 100, flags: vxlan.FlagVNI, out: true},
		{name: "other host", vni: 100, flags: vxlan.FlagVNI, innerDst: header.MAC{0x02, 9, 9, 9, 9, 9}, port: "vx100", reason: ReasonOtherHost},
		{name: "unknown vni", vni: 300, flags: vxlan.FlagVNI, port: "u0", reason: ReasonVXLANUnknownVNI},
		{name: "no I flag", vni: 100, flags: 0, port: "u0", reason: ReasonVXLANMalformed},
		{name: "short", vni: 100, flags: vxlan.FlagVNI, cut: 10, port: "u0", reason: ReasonVXLANMalformed},
		{name: "vni of a link outside the VRF", vni: 200, flags: vxlan.FlagVNI, port: "vx200", reason: ReasonOtherHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newVXRig(t)
			inner := append([]byte(nil), toHost...)
			dst := r.vx
			if tt.innerDst != (header.MAC{}) {
				dst = tt.innerDst
			}
			header.Ethernet(inner).SetDst(dst)
			if tt.cut != 0 {
				inner = inner[:tt.cut]
			}
			r.u.Write([][]byte{r.vxFrame(tt.vni, tt.flags, inner)}, 0)
			_, host := r.drain()
			if got := len(host) == 1; got != tt.out {
				t.Fatalf("the host behind ra1 got %d frames, want delivery %v", len(host), tt.out)
			}
			st := r.dp.Stats()
			checkBalance(t, st)
			if tt.out {
				if c := st.Ports["vx100"]; c.Forwarded != 1 || st.Ports["u0"].Delivered != 1 {
					t.Fatalf("vx100 forwarded %d, u0 delivered %d, want 1 and 1", c.Forwarded, st.Ports["u0"].Delivered)
				}
				return
			}
			if c := st.Ports[tt.port]; c.Drops[tt.reason] != 1 {
				t.Fatalf("%s drops %s = %d, want 1 (%v)", tt.port, tt.reason, c.Drops[tt.reason], c.Drops)
			}
		})
	}
}

// TestVXLANEncap: packets forwarded out of vx100 leave u0 in UDP to the
// remote VTEP, VNI 100, checksummed, TTL 64, DF clear, with an outer
// source port that is one per flow.
func TestVXLANEncap(t *testing.T) {
	r := newVXRig(t)
	ports := map[uint16]uint16{} // inner source port: outer source port
	for round := range 2 {
		for i := range 16 {
			sport := uint16(i)
			r.host.Write([][]byte{datagram(r.ra1, sinkMAC, ip("192.168.1.10"), ip("192.168.2.10"), sport)}, 0)
			u, _ := r.drain()
			if len(u) != 1 {
				t.Fatalf("u0 sent %d frames for one datagram", len(u))
			}
			v := header.IPv4(u[0][header.EthernetLen:])
			switch {
			case v.Validate() != header.ReasonNone || v.Protocol() != header.ProtoUDP:
				t.Fatalf("outer packet % x", u[0])
			case v.Src() != ip("10.99.0.1") || v.Dst() != ip("10.99.0.2") || v.TTL() != 64 || v.DF():
				t.Fatalf("outer %v -> %v ttl %d df %v", v.Src(), v.Dst(), v.TTL(), v.DF())
			}
			d := header.UDP(v.Payload())
			if d.DstPort() != 4789 || !checksumOK(header.ProtoUDP, v.Src(), v.Dst(), v.Payload()) {
				t.Fatalf("outer UDP to %d, checksum ok %v", d.DstPort(), checksumOK(header.ProtoUDP, v.Src(), v.Dst(), v.Payload()))
			}
			h := vxlan.Header(d.Payload())
			if h.Validate() != vxlan.OK || h.VNI() != 100 || header.Ethernet(h.Frame()).Dst() != rtrMAC {
				t.Fatalf("VXLAN header % x", d.Payload()[:16])
			}
			if p := d.SrcPort(); p < 32768 || p > 60999 {
				t.Fatalf("outer source port %d outside 32768-60999", p)
			} else if round == 0 {
				ports[sport] = p
			} else if ports[sport] != p {
				t.Fatalf("flow %d took outer port %d, then %d", sport, ports[sport], p)
			}
		}
	}
	seen := map[uint16]bool{}
	for _, p := range ports {
		seen[p] = true
	}
	if len(seen) < 8 {
		t.Fatalf("16 flows took %d outer source ports", len(seen))
	}
}

// TestVXLANLearning: a link in learning mode learns inner source
// addresses from received frames and sends to them after; the other
// link, nolearning, does not.
func TestVXLANLearning(t *testing.T) {
	r := newVXRig(t)
	m := header.MAC{0x02, 1, 2, 3, 4, 5}
	arp := make([]byte, header.EthernetLen+header.ARPLen)
	header.Ethernet(arp).Encode(header.BroadcastMAC, m, header.EtherTypeARP)
	header.ARP(arp[header.EthernetLen:]).Encode(header.ARPRequest, m, ip("10.200.0.2"), header.MAC{}, ip("10.200.0.9"))
	for _, vni := range []uint32{100, 200} {
		r.u.Write([][]byte{r.vxFrame(vni, vxlan.FlagVNI, arp)}, 0)
	}
	r.drain()
	vx100, vx200 := r.ctl.Snapshot().LinkByName("vx100").Index, r.ctl.Snapshot().LinkByName("vx200").Index
	if e := r.dp.LearnedFDB(vx100); len(e) != 0 {
		t.Fatalf("nolearning vx100 learned %v", e)
	}
	e := r.dp.LearnedFDB(vx200)
	if len(e) != 1 || e[0].MAC != m || e[0].Dst != ip("10.99.0.2") {
		t.Fatalf("vx200 learned %v, want %v at 10.99.0.2", e, m)
	}
	r.clock.Advance(vxlan.DefaultAgeing)
	if e := r.dp.LearnedFDB(vx200); len(e) != 0 {
		t.Fatalf("vx200 kept %v past the ageing time", e)
	}
}

// TestVXLANAllocs proves that decapsulation and encapsulation allocate
// nothing per packet once warm.
func TestVXLANAllocs(t *testing.T) {
	r := newVXRig(t)
	in := r.vxFrame(100, vxlan.FlagVNI, func() []byte {
		f := datagram(r.vx, rtrMAC, ip("192.168.2.10"), ip("192.168.1.10"), 1)
		return f
	}())
	out := datagram(r.ra1, sinkMAC, ip("192.168.1.10"), ip("192.168.2.10"), 1)
	batch := [][]byte{in, out}
	step := func() {
		r.u.Write(batch[:1], 0)
		r.host.Write(batch[1:], 0)
		r.dp.Poll()
		for _, p := range []*mem.Port{r.u, r.host} {
			if n, _ := p.TryRead(r.bufs, r.sizes, 0); n != 1 {
				t.Fatalf("%d frames out of %s, want 1", n, p.Name())
			}
		}
	}
	for range 2 * mem.DefaultQueueLen {
		step()
	}
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Fatalf("%v allocations per pair of packets, want 0", a)
	}
}

// TestVXLANEVPNRoute programs a remote prefix as BGP EVPN does (as FRR
// programs a kernel): a route onlink via the remote VTEP through vx100,
// the remote router's MAC as its neighbour, and that MAC's FDB entry.
// The packet leaves to the VTEP, to the router MAC, in VNI 100.
func TestVXLANEVPNRoute(t *testing.T) {
	r := newVXRig(t)
	rmac := header.MAC{0x02, 0xaa, 0, 0, 0, 0x02}
	for _, l := range []string{"route add 10.99.0.3/32 via 10.99.0.2",
		"route replace 192.168.3.0/24 vrf a via 10.99.0.3 dev vx100 onlink proto bgp",
		"neigh replace 10.99.0.3 lladdr " + rmac.String() + " dev vx100 nud noarp extern_learn",
		"bridge fdb replace " + rmac.String() + " dev vx100 dst 10.99.0.3 self extern_learn"} {
		if err := runLine(r.ctl, l); err != nil {
			t.Fatal(err)
		}
	}
	r.drain()
	r.host.Write([][]byte{datagram(r.ra1, sinkMAC, ip("192.168.1.10"), ip("192.168.3.5"), 1)}, 0)
	u, _ := r.drain()
	if len(u) != 1 {
		t.Fatalf("u0 sent %d frames, want 1", len(u))
	}
	v := header.IPv4(u[0][header.EthernetLen:])
	h := vxlan.Header(header.UDP(v.Payload()).Payload())
	if v.Dst() != ip("10.99.0.3") || header.Ethernet(u[0]).Dst() != vtepMAC || h.VNI() != 100 ||
		header.Ethernet(h.Frame()).Dst() != rmac || header.Ethernet(h.Frame()).Src() != r.vx {
		t.Fatalf("outer to %v via %v, VNI %d, inner %v -> %v", v.Dst(), header.Ethernet(u[0]).Dst(), h.VNI(),
			header.Ethernet(h.Frame()).Src(), header.Ethernet(h.Frame()).Dst())
	}
}

// FuzzVXLANDecap sends the remote VTEP's UDP datagrams to the VXLAN port
// with any payload: whatever it holds, the router must not panic, and
// every frame received, outer or inner, must be accounted for once.
func FuzzVXLANDecap(f *testing.F) {
	inner := datagram(header.MAC{}, rtrMAC, ip("192.168.2.10"), ip("192.168.1.10"), 1)
	for _, vni := range []uint32{100, 200, 300} {
		p := make([]byte, vxlan.HeaderLen+len(inner))
		vxlan.Header(p).Encode(vni)
		copy(p[vxlan.HeaderLen:], inner)
		f.Add(p)
	}
	f.Add([]byte{0x08, 0, 0, 0, 0, 0, 100, 0})
	r := newVXRig(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > 1400 {
			return
		}
		p := append([]byte(nil), payload...)
		if len(p) >= vxlan.HeaderLen+6 && p[vxlan.HeaderLen] == 0 {
			copy(p[vxlan.HeaderLen:], r.vx[:]) // often to vx100's MAC, to reach the inner pipeline
		}
		src, dst := ip("10.99.0.2"), ip("10.99.0.1")
		r.u.Write([][]byte{ipv4Frame(r.u0, vtepMAC, header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst},
			udp(src, dst, 50000, 4789, p))}, 0)
		r.drain()
		checkBalance(t, r.dp.Stats())
	})
}

// BenchmarkVXLAN measures one decapsulated and one encapsulated packet
// through the router, forwarding included.
func BenchmarkVXLAN(b *testing.B) {
	r := newVXRig(b)
	in := r.vxFrame(100, vxlan.FlagVNI, datagram(r.vx, rtrMAC, ip("192.168.2.10"), ip("192.168.1.10"), 1))
	out := datagram(r.ra1, sinkMAC, ip("192.168.1.10"), ip("192.168.2.10"), 1)
	b.ReportAllocs()
	for b.Loop() {
		r.u.Write([][]byte{in}, 0)
		r.host.Write([][]byte{out}, 0)
		r.dp.Poll()
		r.u.TryRead(r.bufs, r.sizes, 0)
		r.host.TryRead(r.bufs, r.sizes, 0)
	}
}
