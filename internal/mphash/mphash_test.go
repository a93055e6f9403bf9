package mphash

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

func TestSiphash(t *testing.T) {
	// The reference vectors of SipHash-2-4 (Aumasson and Bernstein):
	// key 00..0f, messages 00..(n-1).
	k := Key{0x0706050403020100, 0x0f0e0d0c0b0a0908}
	msg := make([]byte, 15)
	for i := range msg {
		msg[i] = byte(i)
	}
	for _, tc := range []struct {
		n    int
		want uint64
	}{{0, 0x726fdb47dd0e0e31}, {15, 0xa129ca6149be45e5}} {
		if got := Siphash(msg[:tc.n], k); got != tc.want {
			t.Errorf("Siphash(%d bytes) = %#x, want %#x", tc.n, got, tc.want)
		}
	}
}

func TestSeedKey(t *testing.T) {
	if got := SeedKey(0x5eed); got != (Key{0x00005eed00005eed, 0x00005eed00005eed}) {
		t.Errorf("SeedKey = %#x", got)
	}
}

var (
	a4, b4 = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.9")
	c4, d4 = netip.MustParseAddr("10.1.1.1"), netip.MustParseAddr("10.2.2.2")
	a6, b6 = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8:99::9")
)

// ip4 returns an IPv4 header of protocol proto with payload p.
func ip4(src, dst netip.Addr, proto uint8, frag uint16, p []byte) []byte {
	h := make([]byte, 20, 20+len(p))
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(p)))
	binary.BigEndian.PutUint16(h[6:], frag)
	h[8], h[9] = 64, proto
	s, d := src.As4(), dst.As4()
	copy(h[12:], s[:])
	copy(h[16:], d[:])
	return append(h, p...)
}

// ip6 returns an IPv6 header with next header nh and payload p.
func ip6(src, dst netip.Addr, nh uint8, label uint32, p []byte) []byte {
	h := make([]byte, 40, 40+len(p))
	binary.BigEndian.PutUint32(h, 6<<28|label)
	binary.BigEndian.PutUint16(h[4:], uint16(len(p)))
	h[6], h[7] = nh, 64
	s, d := src.As16(), dst.As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, p...)
}

func udp(sport, dport uint16) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint16(b, sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	return b
}

func keys4(src, dst netip.Addr) Keys {
	var k Keys
	put(&k.Src, src, false)
	put(&k.Dst, dst, false)
	return k
}

func keys6(src, dst netip.Addr) Keys {
	k := Keys{V6: true}
	put(&k.Src, src, true)
	put(&k.Dst, dst, true)
	return k
}

// TestPacketKeys checks what each policy takes from packets against the
// keys the kernel builds for them (fib_multipath_hash,
// rt6_multipath_hash with an skb).
func TestPacketKeys(t *testing.T) {
	key := SeedKey(42)
	inner4 := ip4(c4, d4, 17, 0, udp(1111, 2222))
	inner6 := ip6(a6, b6, 17, 0xabcde, udp(3333, 4444))
	icmpErr := append([]byte{3, 1, 0, 0, 0, 0, 0, 0}, inner4...)
	icmp6Err := append([]byte{1, 0, 0, 0, 0, 0, 0, 0}, inner6...)
	gre6 := append([]byte{0x20, 0, 0x86, 0xdd, 0, 0, 0, 7}, inner6...) // key present
	hbh := append([]byte{17, 0, 1, 4, 0, 0, 0, 0}, udp(5555, 6666)...)
	frag6 := append([]byte{17, 0, 0, 1, 0, 0, 0, 9}, udp(5555, 6666)...) // first fragment, M set

	with := func(k Keys, f func(*Keys)) Keys { f(&k); return k }
	for _, tc := range []struct {
		name   string
		policy uint8
		fields uint32
		pkt    []byte
		v6     bool
		want   uint32
	}{
		{"L3 v4", PolicyL3, 0, ip4(a4, b4, 17, 0, udp(1, 2)), false, keys4(a4, b4).Hash(key)},
		{"L3 v4 ICMP error quotes", PolicyL3, 0, ip4(a4, b4, 1, 0, icmpErr), false, keys4(c4, d4).Hash(key)},
		{"L3 v6 label and next header", PolicyL3, 0, ip6(a6, b6, 17, 0x12345, udp(1, 2)), true,
			with(keys6(a6, b6), func(k *Keys) { k.Label, k.Proto = NetLabel(0x12345), 17 }).Hash(key)},
		{"L3 v6 ICMPv6 error quotes", PolicyL3, 0, ip6(b6, a6, 58, 7, icmp6Err), true,
			with(keys6(a6, b6), func(k *Keys) { k.Label, k.Proto = NetLabel(0xabcde), 17 }).Hash(key)},
		{"L4 v4", PolicyL4, 0, ip4(a4, b4, 17, 0, udp(1000, 53)), false,
			with(keys4(a4, b4), func(k *Keys) { k.Proto, k.Sport, k.Dport = 17, 1000, 53 }).Hash(key)},
		{"L4 v4 first fragment has no ports", PolicyL4, 0, ip4(a4, b4, 17, 0x2000, udp(1000, 53)), false,
			with(keys4(a4, b4), func(k *Keys) { k.Proto = 17 }).Hash(key)},
		{"L4 v6 past hop-by-hop", PolicyL4, 0, ip6(a6, b6, 0, 0, hbh), true,
			with(keys6(a6, b6), func(k *Keys) { k.Proto, k.Sport, k.Dport = 17, 5555, 6666 }).Hash(key)},
		{"L4 v6 fragment", PolicyL4, 0, ip6(a6, b6, 44, 0, frag6), true,
			with(keys6(a6, b6), func(k *Keys) { k.Proto = 17 }).Hash(key)},
		{"L4 v4 IPIP stops at the encapsulation", PolicyL4, 0, ip4(a4, b4, 4, 0, inner4), false,
			with(keys4(a4, b4), func(k *Keys) { k.Proto = 4 }).Hash(key)},
		{"inner v4 in v4", PolicyInner, 0, ip4(a4, b4, 4, 0, inner4), false, keys4(c4, d4).Hash(key)},
		{"inner v6 in GRE", PolicyInner, 0, ip4(a4, b4, 47, 0, gre6), false,
			with(keys6(a6, b6), func(k *Keys) { k.Label, k.Proto = HostLabel(0xabcde), 17 }).Hash(key)},
		{"inner v4 in v6", PolicyInner, 0, ip6(a6, b6, 4, 9, inner4), true, keys4(c4, d4).Hash(key)},
		{"inner without encapsulation", PolicyInner, 0, ip4(a4, b4, 17, 0, udp(1, 2)), false, keys4(a4, b4).Hash(key)},
		{"custom outer ports", PolicyCustom, FieldSrcPort | FieldDstPort, ip4(a4, b4, 17, 0, udp(7, 8)), false,
			Jhash2Words(Keys{Sport: 7, Dport: 8}.Hash(key), 0, 0)},
		{"custom inner of GRE", PolicyCustom, FieldInnerSrcIP | FieldInnerDstPort, ip4(a4, b4, 47, 0, gre6), false,
			Jhash2Words(0, with(Keys{V6: true, Dport: 4444}, func(k *Keys) { put(&k.Src, a6, true) }).Hash(key), 0)},
		{"custom v6 label", PolicyCustom, FieldFlowLabel, ip6(a6, b6, 17, 0x54321, udp(1, 2)), true,
			Jhash2Words(Keys{V6: true, Label: HostLabel(0x54321)}.Hash(key), 0, 0)},
	} {
		c := Config{Policy: tc.policy, Fields: tc.fields, Key: key}
		if got := c.PacketHash(tc.pkt, tc.v6, false); got != tc.want {
			t.Errorf("%s: PacketHash = %#x, want %#x", tc.name, got, tc.want)
		}
	}
}

// TestPacketMatchesFlow checks that a plain UDP packet hashes as its
// flow under the policies where the kernel's two ways agree.
func TestPacketMatchesFlow(t *testing.T) {
	for p := range uint8(3) {
		c := Config{Policy: p, Fields: FieldsDefault, Key: SeedKey(7)}
		f4 := Flow{Src: a4, Dst: b4, Proto: 17, Sport: 999, Dport: 53}
		var b [40]byte
		if got, want := c.PacketHash(RouteGetPacket4(&b, &f4), false, false), c.FlowHash4(&f4); got != want {
			t.Errorf("policy %d: IPv4 packet %#x, flow %#x", p, got, want)
		}
		if p == PolicyInner {
			continue // the dissector keeps the label in host order, a flowi6 in network order
		}
		f6 := Flow{Src: a6, Dst: b6, Proto: 17, Sport: 999, Dport: 53, Label: 0xfedcb}
		if got, want := c.PacketHash(ip6(a6, b6, 17, 0xfedcb, udp(999, 53)), true, false), c.FlowHash6(&f6); got != want {
			t.Errorf("policy %d: IPv6 packet %#x, flow %#x", p, got, want)
		}
	}
}

// TestSymmetric checks __flow_hash_consistentify: both directions of a
// flow hash alike.
func TestSymmetric(t *testing.T) {
	c := Config{Policy: PolicyL4, Key: SeedKey(3)}
	for _, tc := range [][2]netip.Addr{{a4, b4}, {a6, b6}} {
		f := Flow{Src: tc[0], Dst: tc[1], Proto: 6, Sport: 40000, Dport: 443}
		r := Flow{Src: tc[1], Dst: tc[0], Proto: 6, Sport: 443, Dport: 40000}
		h, hr := c.FlowHash4(&f), c.FlowHash4(&r)
		if tc[0].Is6() {
			h, hr = c.FlowHash6(&f), c.FlowHash6(&r)
		}
		if h != hr {
			t.Errorf("%v: %#x one way, %#x the other", tc, h, hr)
		}
	}
}

func TestPacketHashAllocatesNothing(t *testing.T) {
	pkt := ip4(a4, b4, 47, 0, append([]byte{0, 0, 0x86, 0xdd}, ip6(a6, b6, 17, 1, udp(1, 2))...))
	for p := range uint8(PolicyMax + 1) {
		c := Config{Policy: p, Fields: FieldsAll, Key: SeedKey(1)}
		f := Flow{Src: a6, Dst: b6, Proto: 17, Sport: 1, Dport: 2, Label: 5}
		if n := testing.AllocsPerRun(100, func() { c.PacketHash(pkt, false, false); c.FlowHash6(&f) }); n != 0 {
			t.Errorf("policy %d: %v allocations per hash", p, n)
		}
	}
}

func BenchmarkFlowHash4(b *testing.B) {
	c := Config{Policy: PolicyL4, Key: SeedKey(1)}
	f := Flow{Src: a4, Dst: b4, Proto: 17, Sport: 1000, Dport: 53}
	for b.Loop() {
		f.Sport++
		c.FlowHash4(&f)
	}
}

func BenchmarkFlowHash6(b *testing.B) {
	c := Config{Policy: PolicyL3, Key: SeedKey(1)}
	f := Flow{Src: a6, Dst: b6, Proto: 17, Label: 1}
	for b.Loop() {
		f.Label++
		c.FlowHash6(&f)
	}
}

func BenchmarkPacketHash(b *testing.B) {
	gre := ip4(a4, b4, 47, 0, append([]byte{0, 0, 0x86, 0xdd}, ip6(a6, b6, 17, 1, udp(1, 2))...))
	for _, bc := range []struct {
		name   string
		policy uint8
		pkt    []byte
		v6     bool
	}{
		{"L3/v4", PolicyL3, ip4(a4, b4, 17, 0, udp(1000, 53)), false},
		{"L4/v4", PolicyL4, ip4(a4, b4, 17, 0, udp(1000, 53)), false},
		{"L4/v6", PolicyL4, ip6(a6, b6, 17, 7, udp(1000, 53)), true},
		{"inner/GRE", PolicyInner, gre, false},
		{"custom/GRE", PolicyCustom, gre, false},
	} {
		c := Config{Policy: bc.policy, Fields: FieldsAll, Key: SeedKey(1)}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				c.PacketHash(bc.pkt, bc.v6, false)
			}
		})
	}
}
