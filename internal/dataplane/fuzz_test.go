package dataplane

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port/mem"
)

// fuzzRouter is the seed router's VRF a with its ports on mem pairs whose
// far ends the fuzzer drives, and a default-VRF port for leaks.
type fuzzRouter struct {
	dp    *Plane
	clock *neigh.ManualClock
	far   []*mem.Port // far ends; far[0] is ra1's
	bufs  [][]byte
	sizes []int
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
		"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1")
	run(vrfPort("ra1", "a", "192.168.1.1/24", "2001:db8:1::1/64")...)
	run(vrfPort("ra2", "a", "192.168.2.1/24", "2001:db8:2::1/64")...)
	run(vrfPort("rb1", "b", "192.168.1.1/24", "2001:db8:1::1/64")...)
	run("link set dev ra2 mtu 1280", "route add 10.3.0.0/16 dev b vrf a", "route add 10.4.0.0/16 vrf a via 192.168.2.10",
		"route add unreachable 10.5.0.0/16 vrf a", "route add prohibit 10.6.0.0/16 vrf a",
		"route add blackhole 10.7.0.0/16 vrf a", "addr add 10.3.0.1/32 dev b")
	r := &fuzzRouter{clock: neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))}
	r.dp = New(ctl, r.clock, Config{})
	s := ctl.Snapshot()
	for _, name := range []string{"ra1", "ra2", "rb1"} {
		k := s.LinkByName(name)
		near, far := mem.Pair(mem.Config{Name: name, MAC: header.MAC(k.MAC)}, mem.Config{Name: "far-" + name})
		if err := r.dp.Attach(k.Index, near); err != nil {
			tb.Fatal(err)
		}
		r.far = append(r.far, far)
	}
	r.bufs = [][]byte{make([]byte, 2048)}
	r.sizes = []int{0}
	return r
}

// feed writes frame into ra1 and runs the router.
func (r *fuzzRouter) feed(frame []byte) {
	r.far[0].Write([][]byte{frame}, 0)
	r.run()
}

// run runs the plane and its timers a little, and drains every port.
func (r *fuzzRouter) run() {
	for range 3 {
		r.dp.Poll()
		r.clock.Advance(700 * time.Millisecond)
		for _, p := range r.far {
			for {
				if n, _ := p.TryRead(r.bufs, r.sizes, 0); n == 0 {
					break
				}
			}
		}
	}
}

// FuzzPipeline feeds arbitrary frames to the pipeline: it must not
// panic, and every frame must be accounted for exactly once.
func FuzzPipeline(f *testing.F) {
	r := newFuzzRouter(f)
	for _, s := range r.seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		r.feed(frame)
		checkBalance(t, r.dp.Stats())
	})
}

// seeds are frames that reach each stage through ra1.
func (r *fuzzRouter) seeds() [][]byte {
	s := r.dp.ctl.Snapshot()
	mac := header.MAC(s.LinkByName("ra1").MAC)
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
	return [][]byte{
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
	}
}
