package dataplane

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// memStack is a host stack in memory: the test makes it send packets and
// reads what the data plane gave it.
type memStack struct {
	mu     sync.Mutex
	out    [][]byte // packets waiting to be read by the data plane
	got    [][]byte // packets the data plane wrote
	closed bool
}

var _ StackPoller = (*memStack)(nil)

func (m *memStack) send(pkts ...[]byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.out = append(m.out, pkts...)
}

func (m *memStack) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := min(len(bufs), len(m.out))
	for i := range n {
		sizes[i] = copy(bufs[i][offset:], m.out[i])
	}
	m.out = m.out[n:]
	return n, nil
}

// Read is TryRead: the tests step the plane with Poll, which never calls
// it.
func (m *memStack) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	return m.TryRead(bufs, sizes, offset)
}

func (m *memStack) Write(pkt []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, slices.Clone(pkt))
	return len(pkt), nil
}

func (m *memStack) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

// received returns and forgets what the stack was given.
func (m *memStack) received() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	got := m.got
	m.got = nil
	return got
}

// attachStacks gives the lab's named VRFs ("" for the default VRF) host
// stacks in memory.
func (l *lab) attachStacks(vrfs ...string) map[string]*memStack {
	l.t.Helper()
	out := map[string]*memStack{}
	for _, v := range vrfs {
		idx := 0
		if v != "" {
			idx = l.index(v)
		}
		s := &memStack{}
		if err := l.dp.AttachStack(idx, s); err != nil {
			l.t.Fatal(err)
		}
		out[v] = s
	}
	return out
}

// packet4 returns an IPv4 packet with l4, without an Ethernet header.
func packet4(f header.IPv4Fields, l4 []byte) []byte {
	return ipv4Frame(header.MAC{}, header.MAC{}, f, l4)[header.EthernetLen:]
}

// packet6 returns an IPv6 packet with l4, without an Ethernet header.
func packet6(f header.IPv6Fields, l4 []byte) []byte {
	return ipv6Frame(header.MAC{}, header.MAC{}, f, l4)[header.EthernetLen:]
}

// datagramTo returns a UDP packet from src to dst, port 4000 to port.
func datagramTo(src, dst netip.Addr, port uint16, size int) []byte {
	u := udp(src, dst, 4000, port, make([]byte, size))
	if src.Is4() {
		return packet4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst}, u)
	}
	return packet6(header.IPv6Fields{NextHeader: header.ProtoUDP, Src: src, Dst: dst}, u)
}

// describe summarises an IP packet for test messages: "src > dst proto
// type/code" (type and code for ICMP).
func describe(p []byte) string {
	var src, dst netip.Addr
	var proto uint8
	var l4 []byte
	if len(p) > 0 && p[0]>>4 == 6 {
		v := header.IPv6(p)
		src, dst, proto, l4 = v.Src(), v.Dst(), v.NextHeader(), v.Payload()
	} else {
		v := header.IPv4(p)
		src, dst, proto, l4 = v.Src(), v.Dst(), v.Protocol(), v.Payload()
	}
	s := src.String() + " > " + dst.String()
	switch proto {
	case header.ProtoICMP, header.ProtoICMPv6:
		return fmt.Sprintf("%s icmp %03d/%03d", s, l4[0], l4[1])
	case header.ProtoUDP:
		return fmt.Sprintf("%s udp :%03d", s, header.UDP(l4).DstPort())
	case header.ProtoTCP:
		return fmt.Sprintf("%s tcp :%03d", s, header.TCP(l4).DstPort())
	}
	return fmt.Sprintf("%s proto %d", s, proto)
}

// checkReceived checks that a stack was given exactly the packets want
// describes, in order.
func checkReceived(t *testing.T, name string, s *memStack, want ...string) {
	t.Helper()
	var got []string
	for _, p := range s.received() {
		got = append(got, describe(p))
	}
	if !slices.Equal(got, want) {
		t.Errorf("stack %s received %q, want %q", name, got, want)
	}
}

// TestStackDelivery: what the router does not answer itself for an
// address of a VRF goes to that VRF's host stack, never to another's;
// echo requests are still the router's; a VRF without a stack answers as
// a host without a listener.
func TestStackDelivery(t *testing.T) {
	s := newSeed(t, Config{})
	st := s.attachStacks("a")
	for _, h := range []*sim.Host{s.a1, s.b1} {
		if _, err := h.UDP(netip.MustParseAddrPort("192.168.1.1:53"), nil, sim.Opts{}); h == s.b1 && err != nil {
			t.Fatalf("B1 → 192.168.1.1:53 in VRF b: %v, want port unreachable (no stack in b)", err)
		}
		if _, err := h.TCPSyn(netip.MustParseAddrPort("[2001:db8:2::1]:22"), sim.Opts{}); h == s.b1 && err != nil {
			t.Fatalf("B1 → [2001:db8:2::1]:22 in VRF b: %v, want a reset", err)
		}
	}
	ping(t, s.a1, "192.168.1.1", sim.Opts{}, "echo reply from 192.168.1.1")
	checkReceived(t, "a", st["a"], "192.168.1.10 > 192.168.1.1 udp :053", "2001:db8:1::10 > 2001:db8:2::1 tcp :022")
	checkBalance(t, s.dp.Stats())
	if c := s.dp.Stats().Stacks["a"]; c.TxPackets != 2 {
		t.Errorf("stack a TxPackets = %d, want 2", c.TxPackets)
	}
}

// TestStackOutput: a host stack's packets are routed in its VRF, reach
// that VRF's hosts and not the other VRF's identical ones, and the
// answers come back into the stack.
func TestStackOutput(t *testing.T) {
	s := newSeed(t, Config{})
	st := s.attachStacks("a", "b")
	st["a"].send(datagramTo(ip("192.168.2.1"), ip("192.168.2.10"), 9, 8),
		packet6(header.IPv6Fields{NextHeader: header.ProtoICMPv6, Src: ip("2001:db8:2::1"), Dst: ip("2001:db8:2::10")},
			echo(ip("2001:db8:2::1"), ip("2001:db8:2::10"), 7, 1, 16)))
	s.net.Settle()
	checkReceived(t, "a", st["a"], "192.168.2.10 > 192.168.2.1 icmp 003/003", "2001:db8:2::10 > 2001:db8:2::1 icmp 129/000")
	checkReceived(t, "b", st["b"])
	if n := len(frames(s.b2, header.EtherTypeIPv4)) + len(frames(s.b2, header.EtherTypeIPv6)); n != 0 {
		t.Errorf("B2 received %d IP packets from VRF a's stack, want none", n)
	}
	checkBalance(t, s.dp.Stats())
	if c := s.dp.Stats().Stacks["a"]; c.RxPackets != 2 || c.Forwarded != 2 || c.TxPackets != 2 {
		t.Errorf("stack a: rx %d forwarded %d tx %d, want 2 2 2", c.RxPackets, c.Forwarded, c.TxPackets)
	}
}

// TestStackOutputErrors: what the router refuses of a stack's packets
// comes back into the stack as the ICMP error Linux's own stack would
// get: no route, an unreachable route, too big with DF, Packet Too Big;
// a datagram without DF is fragmented.
func TestStackOutputErrors(t *testing.T) {
	s := newSeed(t, Config{}, "route add unreachable 10.5.0.0/16 vrf a")
	st := s.attachStacks("a")
	big4 := datagramTo(ip("192.168.2.1"), ip("192.168.2.10"), 7, 1600)
	header.IPv4(big4).SetFragment(header.IPv4FlagDF, 0)
	header.IPv4(big4).SetHeaderChecksum(header.IPv4(big4).CalculateChecksum())
	st["a"].send(
		datagramTo(ip("192.168.1.1"), ip("10.9.9.9"), 7, 8),
		datagramTo(ip("192.168.1.1"), ip("10.5.0.1"), 7, 8),
		big4,
		datagramTo(ip("2001:db8:2::1"), ip("2001:db8:2::10"), 7, 1600),
	)
	s.net.Settle()
	checkReceived(t, "a", st["a"],
		"192.168.1.1 > 192.168.1.1 icmp 003/000",
		"192.168.1.1 > 192.168.1.1 icmp 003/001",
		"192.168.2.1 > 192.168.2.1 icmp 003/004",
		"2001:db8:2::1 > 2001:db8:2::1 icmp 002/000")

	s.a2.ResetCapture()
	st["a"].send(datagramTo(ip("192.168.2.1"), ip("192.168.2.10"), 7, 1600))
	s.net.Settle()
	if n := len(frames(s.a2, header.EtherTypeIPv4)); n != 2 {
		t.Errorf("A2 received %d IPv4 packets for a 1628-octet datagram without DF, want 2 fragments", n)
	}
	checkBalance(t, s.dp.Stats())
}

// TestStackLeak: a stack's packet leaked into another VRF reaches that
// VRF's stack (vrf_local_xmit), and the router's answers from there come
// back across the leak.
func TestStackLeak(t *testing.T) {
	l := newLeak(t, vrfLeaks...)
	st := l.attachStacks("a", "c")
	st["a"].send(datagramTo(ip("192.168.1.1"), ip("10.3.0.1"), 53, 8),
		packet4(header.IPv4Fields{Protocol: header.ProtoICMP, Src: ip("192.168.1.1"), Dst: ip("10.3.0.1")},
			echo(ip("192.168.1.1"), ip("10.3.0.1"), 7, 1, 16)))
	l.net.Settle()
	checkReceived(t, "c", st["c"], "192.168.1.1 > 10.3.0.1 udp :053")
	checkReceived(t, "a", st["a"], "10.3.0.1 > 192.168.1.1 icmp 000/000")
	checkBalance(t, l.dp.Stats())
}

// TestStackMalformed: whatever a stack sends that is not a routable IP
// packet is a counted drop.
func TestStackMalformed(t *testing.T) {
	s := newSeed(t, Config{})
	st := s.attachStacks("a", "")
	mld := packet6(header.IPv6Fields{NextHeader: header.ProtoICMPv6, Src: ip("2001:db8:1::1"), Dst: ip("ff02::16")}, make([]byte, 8))
	ll := packet6(header.IPv6Fields{NextHeader: header.ProtoUDP, Src: ip("fe80::1"), Dst: ip("fe80::2")}, make([]byte, 8))
	short := datagramTo(ip("192.168.1.1"), ip("192.168.2.10"), 7, 8)[:header.IPv4MinLen+2]
	st["a"].send(nil, []byte{0x50, 1, 2, 3}, short, mld, ll, []byte{0x45})
	st[""].send(datagramTo(ip("192.0.2.1"), ip("255.255.255.255"), 7, 8))
	s.net.Settle()
	stats := s.dp.Stats()
	checkBalance(t, stats)
	if c := stats.Stacks["a"]; c.RxPackets != 6 || c.Dropped() != 6 {
		t.Errorf("stack a: rx %d dropped %d, want 6 and 6", c.RxPackets, c.Dropped())
	}
	if c := stats.Stacks[DefaultVRF]; c.Dropped() != 1 || c.Drops[ReasonMulticast] != 1 {
		t.Errorf("default stack drops %v, want one multicast", c.Drops)
	}
	if err := s.dp.AttachStack(s.index("a"), &memStack{}); err == nil {
		t.Errorf("a second stack for VRF a was attached")
	}
	if err := s.dp.AttachStack(s.index("ra1"), &memStack{}); err == nil {
		t.Errorf("a stack was attached to port ra1")
	}
	if got, ok := s.dp.DetachStack(s.index("a")); !ok || got != st["a"] {
		t.Errorf("DetachStack(a) = %v, %v, want a's stack", got, ok)
	}
}

// FuzzStackOutput hands arbitrary packets to the data plane as VRF a's
// host stack's output, the way a raw socket in its namespace could: no
// panic, every packet accounted for exactly once, and nothing out of a
// port of VRF b unless one of a's leak routes covers its destination, or
// its source for the router's answers (isolation.check).
func FuzzStackOutput(f *testing.F) {
	r := newFuzzRouter(f)
	s := &memStack{}
	vrf := r.dp.ctl.Snapshot().LinkByName("a").Index
	if err := r.dp.AttachStack(vrf, s); err != nil {
		f.Fatal(err)
	}
	for _, seed := range r.seeds() {
		if seed.port == fuzzRA1 && len(seed.frame) > header.EthernetLen {
			f.Add(seed.frame[header.EthernetLen:])
		}
	}
	f.Add(datagramTo(ip("192.168.2.1"), ip("192.168.2.10"), 7, 1600))
	f.Add(datagramTo(ip("192.168.1.1"), ip("10.3.0.1"), 53, 8))
	f.Add(datagramTo(ip("2001:db8:2::1"), ip("2001:db8:2::10"), 7, 1400))
	f.Add(datagramTo(ip("192.168.1.1"), ip("10.3.0.10"), 53, 1600))
	f.Add(datagramTo(ip("192.168.1.1"), ip("10.8.0.5"), 53, 8))
	f.Add(datagramTo(ip("2001:db8:1::1"), ip("2001:db8:3::20"), 53, 8))
	f.Add(datagramTo(ip("2001:db8:1::1"), ip("2001:db8:8::5"), 53, 8))
	f.Add(datagramTo(ip("10.3.0.10"), ip("10.9.9.9"), 53, 8))
	f.Add(datagramTo(ip("2001:db8:3::10"), ip("2001:db8:9::9"), 53, 8))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if len(pkt) > MaxStackMTU {
			return // the stack's device cannot send it
		}
		s.send(pkt)
		r.run()
		s.received()
		checkBalance(t, r.dp.Stats())
		r.checkIsolation(t, vrf, pkt)
	})
}
