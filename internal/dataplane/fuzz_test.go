package dataplane

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port/mem"
)

// fuzzRouter is the seed router with a leak: VRFs a and b with the same
// subnets (192.168.1.0/24 and 192.168.2.0/24, 2001:db8:1::/64 and
// 2001:db8:2::/64), b with a third port on 10.3.0.0/24 and
// 2001:db8:3::/64, and routes of a that leak some destinations into b,
// none back. Its ports are on mem pairs whose far ends the fuzzer drives.
// Every port has ra1's MAC, so that a frame means the same on each.
type fuzzRouter struct {
	dp    *Plane
	clock *neigh.ManualClock
	ports []int       // link indexes, in fuzzPorts order
	far   []*mem.Port // far ends; far[0] is ra1's
	iso   *isolation
	bufs  [][]byte
	sizes []int
	out   []emitted // what the last run sent
	late  []emitted // what it sent once it should have been quiet
}

// emitted is a frame the router sent, and the link that sent it.
type emitted struct {
	link  int
	frame []byte
}

// fuzzPorts are the router's ports: name, VRF, MTU (0 for the default)
// and addresses.
var fuzzPorts = []struct {
	name, vrf string
	mtu       int
	addrs     []string
}{
	{"ra1", "a", 0, []string{"192.168.1.1/24", "2001:db8:1::1/64"}},
	{"ra2", "a", 1280, []string{"192.168.2.1/24", "2001:db8:2::1/64"}},
	{"rb1", "b", 0, []string{"192.168.1.1/24", "2001:db8:1::1/64"}},
	{"rb2", "b", 0, []string{"192.168.2.1/24", "2001:db8:2::1/64"}},
	{"rb3", "b", 0, []string{"10.3.0.1/24", "2001:db8:3::1/64"}},
}

// fuzzRoutes are the routes beside the connected ones. The leaks go from
// a into b only: through b's device (a second lookup in b, which routes
// 10.3.128.0/17 on to a gateway behind rb2 and delivers 10.3.0.1 to
// itself), through a gateway on rb3 (a single lookup), and as one path of
// two of a multipath route, the other staying in a.
var fuzzRoutes = []string{
	"route add 10.4.0.0/16 vrf a via 192.168.2.10", "route add 2001:db8:4::/48 vrf a via 2001:db8:2::10",
	"route add unreachable 10.5.0.0/16 vrf a", "route add prohibit 10.6.0.0/16 vrf a",
	"route add blackhole 10.7.0.0/16 vrf a",
	"route add 10.3.0.0/16 dev b vrf a", "route add 2001:db8:3::/48 dev b vrf a",
	"route add 10.8.0.0/24 via 10.3.0.10 dev rb3 vrf a", "route add 2001:db8:8::/64 via 2001:db8:3::10 dev rb3 vrf a",
	"route add 10.3.128.0/17 vrf b via 192.168.2.10", "route add 2001:db8:3:8000::/49 vrf b via 2001:db8:2::10",
	"route add 10.10.0.0/16 vrf a nexthop via 10.3.0.10 dev rb3 nexthop via 192.168.2.10 dev ra2",
	"route add 2001:db8:10::/48 vrf a nexthop via 2001:db8:3::10 dev rb3 nexthop via 2001:db8:2::10 dev ra2",
}

// fuzzNeighbours are the permanent neighbours, so that forwarded packets
// leave at once; the .20 hosts are left to resolve.
var fuzzNeighbours = []struct{ port, addr string }{
	{"ra1", "192.168.1.10"}, {"ra1", "2001:db8:1::10"},
	{"ra2", "192.168.2.10"}, {"ra2", "2001:db8:2::10"},
	{"rb1", "192.168.1.10"}, {"rb1", "2001:db8:1::10"},
	{"rb2", "192.168.2.10"}, {"rb2", "2001:db8:2::10"},
	{"rb3", "10.3.0.10"}, {"rb3", "2001:db8:3::10"},
}

func newFuzzRouter(tb testing.TB) *fuzzRouter {
	ctl := control.New()
	run := func(lines ...string) {
		for _, line := range lines {
			if err := runLine(ctl, line); err != nil {
				tb.Fatal(err)
			}
		}
	}
	run("link add name a type vrf table 10", "link add name b type vrf table 20",
		"link set dev a up", "link set dev b up",
		"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1",
		// Reassembly gives up within a run's settling, so that each
		// input's Time Exceeded comes in its own run.
		"sysctl -w net.ipv4.ipfrag_time=5", "sysctl -w net.ipv6.ip6frag_time=5")
	mac := portMAC("ra1")
	for _, p := range fuzzPorts {
		run("link add name "+p.name+" address "+mac.String()+" type dummy", "link set dev "+p.name+" master "+p.vrf)
		if p.mtu != 0 {
			run(fmt.Sprintf("link set dev %s mtu %d", p.name, p.mtu))
		}
		run("link set dev " + p.name + " up")
		for _, a := range p.addrs {
			run("addr add " + a + " dev " + p.name)
		}
	}
	run(fuzzRoutes...)
	r := &fuzzRouter{clock: neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))}
	r.dp = New(ctl, r.clock, Config{})
	s := ctl.Snapshot()
	for _, p := range fuzzPorts {
		k := s.LinkByName(p.name)
		near, far := mem.Pair(mem.Config{Name: p.name, MAC: header.MAC(k.MAC)}, mem.Config{Name: "far-" + p.name})
		if err := r.dp.Attach(k.Index, near); err != nil {
			tb.Fatal(err)
		}
		r.ports = append(r.ports, k.Index)
		r.far = append(r.far, far)
	}
	for i, n := range fuzzNeighbours {
		host := header.MAC{0x02, 0, 0, 0, 0, byte(0x10 + i)}
		if err := r.dp.Neighbors(s.LinkByName(n.port).Index).Add(neigh.Static{Addr: ip(n.addr), MAC: host, State: neigh.StatePermanent}); err != nil {
			tb.Fatal(err)
		}
	}
	r.iso = newIsolation(s)
	r.bufs = [][]byte{make([]byte, 2048)}
	r.sizes = []int{0}
	r.run() // the announcements of the new ports
	return r
}

// portMAC is the MAC vrfPort gives a port of that name.
func portMAC(name string) header.MAC {
	h := fnv.New32a()
	h.Write([]byte(name))
	m := h.Sum32()
	return header.MAC{0x02, 0, byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}
}

// feed writes frame into the port port selects and runs the router.
func (r *fuzzRouter) feed(port uint8, frame []byte) {
	r.far[int(port)%len(r.far)].Write([][]byte{frame}, 0)
	r.run()
}

// settle is how long run lets the router's timers go, in steps of a
// second: past the first probe delay and three probes of a neighbour in
// use (5 s + 3 × 1 s), and three solicitations (3 × 1 s) and the answers
// to their failure, so that each input's consequences are all seen
// before the next input.
const settle = 12

// run runs the plane and its timers until quiet and collects what every
// port sent into r.out; what it sends a minute later, when it should
// have nothing left to send, into r.late.
func (r *fuzzRouter) run() {
	r.out = r.out[:0]
	for range settle {
		r.dp.Poll()
		r.clock.Advance(time.Second)
		r.out = r.drain(r.out)
	}
	r.clock.Advance(time.Minute)
	r.dp.Poll()
	r.late = r.drain(r.late[:0])
}

// drain appends what every port sent to out.
func (r *fuzzRouter) drain(out []emitted) []emitted {
	for i, p := range r.far {
		for {
			n, _ := p.TryRead(r.bufs, r.sizes, 0)
			if n == 0 {
				break
			}
			out = append(out, emitted{r.ports[i], slices.Clone(r.bufs[0][:r.sizes[0]])})
		}
	}
	return out
}

// checkIsolation checks what the last run sent against the isolation
// rule, for in, an IP packet (or nil) that entered VRF vrf.
func (r *fuzzRouter) checkIsolation(t *testing.T, vrf int, in []byte) {
	t.Helper()
	for _, e := range r.late {
		t.Errorf("link %d sent %s a minute after the router settled: its cause is unknown", e.link, summary(e.frame))
	}
	for _, e := range r.out {
		if err := r.iso.check(vrf, in, e.link, e.frame); err != nil {
			t.Error(err)
		}
	}
}

// FuzzPipeline feeds arbitrary frames to the pipeline through any port:
// it must not panic, every frame must be accounted for exactly once, and
// nothing may cross from one VRF into another unless a leak route covers
// its destination (isolation.check).
func FuzzPipeline(f *testing.F) {
	r := newFuzzRouter(f)
	for _, s := range r.seeds() {
		f.Add(s.port, s.frame)
	}
	f.Fuzz(func(t *testing.T, port uint8, frame []byte) {
		r.feed(port, frame)
		checkBalance(t, r.dp.Stats())
		in := r.ports[int(port)%len(r.ports)]
		r.checkIsolation(t, r.iso.vrfOf[in], ipOf(frame))
	})
}

// fuzzSeed is a frame and the port it enters by (an index in fuzzPorts).
type fuzzSeed struct {
	port  uint8
	frame []byte
}

// Indexes of fuzzPorts.
const (
	fuzzRA1 uint8 = iota
	fuzzRA2
	fuzzRB1
	fuzzRB2
	fuzzRB3
)

// seeds are frames that reach each stage through ra1 (reassembly, and its
// timeout, included), the same through rb1, and the leaks' paths: forwarded through b's device and through
// rb3's gateway, on to b's gateway, unresolved, to b's own address, and
// the router's answers to sources the leaks cover.
func (r *fuzzRouter) seeds() []fuzzSeed {
	mac := portMAC("ra1")
	h := header.MAC{0x02, 0, 0, 0, 0, 0x10}
	src, src6 := ip("192.168.1.10"), ip("2001:db8:1::10")
	v4 := func(dst netip.Addr, proto uint8, ttl uint8, l4 []byte) []byte {
		return ipv4Frame(mac, h, header.IPv4Fields{Protocol: proto, TTL: ttl, Src: src, Dst: dst}, l4)
	}
	arp := make([]byte, header.EthernetLen+header.ARPLen)
	header.Ethernet(arp).Encode(header.BroadcastMAC, h, header.EtherTypeARP)
	header.ARP(arp[header.EthernetLen:]).Encode(header.ARPRequest, h, src, header.MAC{}, ip("192.168.1.1"))
	ns := make([]byte, header.EthernetLen+header.NeighborSolicitBufLen)
	target := ip("2001:db8:1::1")
	n := header.PutNeighborSolicit(ns[header.EthernetLen:], src6, header.SolicitedNode(target), target, h)
	header.Ethernet(ns).Encode(multicastMAC(header.SolicitedNode(target)), h, header.EtherTypeIPv6)
	syn := make([]byte, header.TCPMinLen)
	syn[12], syn[13] = 5<<4, byte(header.TCPFlagSYN)
	header.TCP(syn).SetChecksum(header.TCP(syn).CalculateChecksum(src, ip("192.168.1.1")))
	stages := [][]byte{
		arp,
		ns[:header.EthernetLen+n],
		request(mac, h, src, ip("192.168.2.10"), 1, 1),
		request(mac, h, src, ip("192.168.1.1"), 1, 2),
		request(mac, h, src6, ip("2001:db8:2::10"), 1, 3),
		request(mac, h, src6, ip("2001:db8:1::1"), 1, 4),
		v4(ip("192.168.2.10"), header.ProtoUDP, 1, udp(src, ip("192.168.2.10"), 1, 9, nil)),
		v4(ip("10.3.0.1"), header.ProtoUDP, 9, udp(src, ip("10.3.0.1"), 1, 9, nil)),
		v4(ip("10.4.0.1"), header.ProtoUDP, 9, udp(src, ip("10.4.0.1"), 1, 9, make([]byte, 1400))),
		v4(ip("10.5.0.1"), header.ProtoUDP, 9, udp(src, ip("10.5.0.1"), 1, 9, nil)),
		v4(ip("192.168.1.1"), header.ProtoTCP, 9, syn),
		hopByHopFrame(mac, h, src6, ip("2001:db8:2::10"), 0x81),
		withOptions(mac, h, src, ip("192.168.2.10"), []byte{header.IPv4OptRR, 7, 4, 0, 0, 0, 0, 0}),
		firstFragment(mac, h, src, ip("192.168.1.1")),
		firstFragment(mac, h, src6, ip("2001:db8:1::1")),
	}
	leaks := [][]byte{
		request(mac, h, src, ip("10.3.0.10"), 2, 1),
		request(mac, h, src6, ip("2001:db8:3::10"), 2, 2),
		request(mac, h, src, ip("10.8.0.5"), 2, 3),
		request(mac, h, src6, ip("2001:db8:8::5"), 2, 4),
		request(mac, h, src, ip("10.3.200.1"), 2, 5),
		request(mac, h, src6, ip("2001:db8:3:8000::1"), 2, 6),
		request(mac, h, src, ip("10.3.0.20"), 2, 7),
		request(mac, h, src6, ip("2001:db8:3::20"), 2, 8),
		request(mac, h, src, ip("10.3.0.1"), 2, 9),
		request(mac, h, src6, ip("2001:db8:3::1"), 2, 10),
		v4(ip("10.3.0.10"), header.ProtoUDP, 1, udp(src, ip("10.3.0.10"), 1, 9, nil)),
		v4(ip("10.3.0.10"), header.ProtoUDP, 9, udp(src, ip("10.3.0.10"), 1, 9, make([]byte, 1400))),
		request(mac, h, src, ip("10.10.0.1"), 2, 14),
		request(mac, h, src, ip("10.10.0.2"), 2, 15),
		request(mac, h, src6, ip("2001:db8:10::1"), 2, 16),
		request(mac, h, src6, ip("2001:db8:10::2"), 2, 17),
		// Errors to a source a's leaks cover go into b.
		request(mac, h, ip("10.3.0.10"), ip("10.9.9.9"), 2, 11),
		request(mac, h, ip("2001:db8:3::10"), ip("2001:db8:9::9"), 2, 12),
		request(mac, h, ip("10.8.0.5"), ip("192.168.1.1"), 2, 13),
		firstFragment(mac, h, src, ip("10.3.0.1")),
		firstFragment(mac, h, src6, ip("2001:db8:3::1")),
	}
	var out []fuzzSeed
	for _, f := range stages {
		out = append(out, fuzzSeed{fuzzRA1, f}, fuzzSeed{fuzzRB1, f})
	}
	for _, f := range leaks {
		out = append(out, fuzzSeed{fuzzRA1, f}, fuzzSeed{fuzzRB1, f})
	}
	out = append(out, fuzzSeed{fuzzRB3, request(mac, h, ip("10.3.0.10"), src, 3, 1)},
		fuzzSeed{fuzzRA2, request(mac, h, ip("192.168.2.10"), ip("10.3.0.10"), 3, 2)},
		fuzzSeed{fuzzRB2, request(mac, h, ip("192.168.2.10"), ip("192.168.1.10"), 3, 3)})
	return out
}

// firstFragment returns the first of two fragments of an echo request
// from src to dst, the second never sent: reassembly times out.
func firstFragment(dstMAC, srcMAC header.MAC, src, dst netip.Addr) []byte {
	m := echo(src, dst, 1, 1, 64)
	p := fragPackets(src, dst, header.ProtoICMP, 1, m, []piece{{0, 32, true}})[0]
	if dst.Is6() {
		p = fragPackets(src, dst, header.ProtoICMPv6, 1, m, []piece{{0, 32, true}})[0]
	}
	f := make([]byte, header.EthernetLen, header.EthernetLen+len(p))
	header.Ethernet(f).Encode(dstMAC, srcMAC, ethernet(p))
	return append(f, p...)
}
