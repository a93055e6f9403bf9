package dataplane

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// probes sends n UDP datagrams with TTL 1 from h (at src) through router
// port link, and returns how many ICMP errors came back.
func (s *seedLab) probes(h *sim.Host, link string, src, dst netip.Addr, n int) int {
	h.ResetCapture()
	for i := range n {
		u := udp(src, dst, uint16(50000+i), 33434, nil)
		var f []byte
		if dst.Is4() {
			f = ipv4Frame(s.mac(link), h.MAC(), header.IPv4Fields{TTL: 1, Protocol: header.ProtoUDP, Src: src, Dst: dst}, u)
		} else {
			f = ipv6Frame(s.mac(link), h.MAC(), header.IPv6Fields{HopLimit: 1, NextHeader: header.ProtoUDP, Src: src, Dst: dst}, u)
		}
		if err := h.SendFrame(f); err != nil {
			s.t.Fatal(err)
		}
	}
	s.net.Settle()
	msgs, _ := icmpFrom(h)
	return len(msgs)
}

// TestRateLimit checks Linux's ICMP limits on the network's clock: six
// errors at once per destination, then one per icmp_ratelimit (1 s); for
// IPv6, one per ratelimit (100 ms) shortened by the route's width (a /64:
// 25 ms). Destinations are per VRF: A1 and B1 share an address and not a
// budget.
func TestRateLimit(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	ping(t, s.b1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	ping(t, s.a1, "2001:db8:2::10", sim.Opts{}, "echo reply from 2001:db8:2::10")
	a1v4, a1v6 := ip("192.168.1.10"), ip("2001:db8:1::10")
	steps := []struct {
		name    string
		h       *sim.Host
		link    string
		src     netip.Addr
		dst     string
		advance time.Duration
		want    int
	}{
		{"a1 burst", s.a1, "ra1", a1v4, "192.168.2.10", 0, 6},
		{"a1 spent", s.a1, "ra1", a1v4, "192.168.2.10", 0, 0},
		{"b1 has its own budget", s.b1, "rb1", a1v4, "192.168.2.10", 0, 6},
		{"a1 after 999ms", s.a1, "ra1", a1v4, "192.168.2.10", 999 * time.Millisecond, 0},
		{"a1 after 1s", s.a1, "ra1", a1v4, "192.168.2.10", time.Millisecond, 1},
		{"a1 after 3s", s.a1, "ra1", a1v4, "192.168.2.10", 3 * time.Second, 3},
		{"a1 v6 burst", s.a1, "ra1", a1v6, "2001:db8:2::10", 0, 6},
		{"a1 v6 after 24ms", s.a1, "ra1", a1v6, "2001:db8:2::10", 24 * time.Millisecond, 0},
		{"a1 v6 after 25ms", s.a1, "ra1", a1v6, "2001:db8:2::10", time.Millisecond, 1},
	}
	for _, st := range steps {
		s.net.Run(st.advance)
		if got := s.probes(st.h, st.link, st.src, ip(st.dst), 10); got != st.want {
			t.Fatalf("%s: 10 probes got %d errors, want %d", st.name, got, st.want)
		}
	}
	c := s.port("ra1")
	if c.Answered[ReasonTTLExceeded] != 17 || c.Drops[ReasonTTLExceeded] != 63 || c.ICMPRateLimited != 63 {
		t.Errorf("ra1: answered %d, dropped %d ttl_exceeded, %d rate limited, want 17, 63, 63",
			c.Answered[ReasonTTLExceeded], c.Drops[ReasonTTLExceeded], c.ICMPRateLimited)
	}
	checkBalance(t, s.dp.Stats())
}

// TestRateLimitGlobal: the global bucket (icmp_msgs_burst) bounds errors
// to every destination together.
func TestRateLimitGlobal(t *testing.T) {
	s := newSeed(t, Config{}, "sysctl -w net.ipv4.icmp_msgs_burst=8")
	for _, h := range []*sim.Host{s.a1, s.b1} {
		ping(t, h, "2001:db8:2::10", sim.Opts{}, "echo reply from 2001:db8:2::10")
	}
	total := 0
	for _, p := range []struct {
		h        *sim.Host
		link     string
		src, dst string
	}{
		{s.a1, "ra1", "192.168.1.10", "192.168.2.10"}, {s.a1, "ra1", "2001:db8:1::10", "2001:db8:2::10"},
		{s.b1, "rb1", "192.168.1.10", "192.168.2.10"}, {s.b1, "rb1", "2001:db8:1::10", "2001:db8:2::10"},
	} {
		total += s.probes(p.h, p.link, ip(p.src), ip(p.dst), 3)
	}
	if total != 8 {
		t.Errorf("12 probes to 4 destinations got %d errors, want the global burst of 8", total)
	}
}

// TestLimiter checks the token buckets one step at a time.
func TestLimiter(t *testing.T) {
	var l limiter
	l.init()
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	k := peerKey{vrf: 3, addr: ip("10.0.0.1")}
	steps := []struct {
		at   time.Duration
		want bool
	}{{0, true}, {0, true}, {0, true}, {0, true}, {0, true}, {0, true}, {0, false},
		{999 * time.Millisecond, false}, {time.Second, true}, {time.Second, false}, {time.Minute, true}}
	for i, st := range steps {
		now := t0.Add(st.at)
		if got := l.global(now, 1000, 50) && l.peer(k, time.Second, now); got != st.want {
			t.Fatalf("step %d at %v: allowed = %v, want %v", i, st.at, got, st.want)
		}
	}
	if got := l.peer(peerKey{vrf: 4, addr: k.addr}, time.Second, t0); !got {
		t.Errorf("peer in another VRF = false, want its own bucket")
	}
	// Destinations are bounded; buckets that refilled make room.
	var m limiter
	m.init()
	for i := range maxPeers {
		m.peer(peerKey{addr: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})}, time.Second, t0)
	}
	if !m.peer(peerKey{addr: ip("10.1.0.0")}, time.Second, t0) || len(m.peers) != maxPeers {
		t.Errorf("a destination past the bound: %d tracked, want %d and the error allowed", len(m.peers), maxPeers)
	}
	m.peer(peerKey{addr: ip("10.1.0.1")}, time.Second, t0.Add(time.Second))
	if len(m.peers) != 1 {
		t.Errorf("after the buckets refilled, %d tracked, want only the new one", len(m.peers))
	}
	// The global bucket: empty, refilled at most every 20 ms, by rate.
	var g limiter
	g.init()
	for range 5 {
		if !g.global(t0, 100, 5) {
			t.Fatal("global() = false with credit left")
		}
		g.credit--
	}
	if g.global(t0.Add(10*time.Millisecond), 100, 5) {
		t.Errorf("global() after 10ms = true, want false: refills wait 20ms")
	}
	if !g.global(t0.Add(20*time.Millisecond), 100, 5) || g.credit != 2 {
		t.Errorf("global() after 20ms: credit %d, want 2 (100/s)", g.credit)
	}
}
