package header

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// nsMsg returns a Neighbor Solicitation for target with the given options.
func nsMsg(target netip.Addr, opts ...byte) []byte {
	m := make([]byte, NeighborSolicitLen, NeighborSolicitLen+len(opts))
	m[0] = ICMPv6NeighborSolicit
	copy(m[8:], target.AsSlice())
	return append(m, opts...)
}

// naMsg returns a Neighbor Advertisement for target with flags and options.
func naMsg(target netip.Addr, flags uint8, opts ...byte) []byte {
	m := nsMsg(target, opts...)
	m[0], m[4] = ICMPv6NeighborAdvert, flags
	return m
}

// raMsg returns a Router Advertisement with the given options.
func raMsg(opts ...byte) []byte {
	m := []byte{ICMPv6RouterAdvert, 0, 0, 0, 64, 0xc0, 0x07, 0x08, 0, 0, 0x75, 0x30, 0, 0, 0x03, 0xe8}
	return append(m, opts...)
}

// redirectMsg returns a Redirect to target for dest.
func redirectMsg(target, dest netip.Addr) []byte {
	m := make([]byte, RedirectLen)
	m[0] = ICMPv6Redirect
	copy(m[8:], target.AsSlice())
	copy(m[24:], dest.AsSlice())
	return m
}

func sllao(m MAC) []byte { return append([]byte{NDPOptSourceLinkAddr, 1}, m[:]...) }

// lla16 is a link-layer address option of type typ and 16 octets, which
// no Ethernet address fills.
func lla16(typ uint8) []byte { return append([]byte{typ, 2}, make([]byte, 14)...) }
func tllao(m MAC) []byte     { return append([]byte{NDPOptTargetLinkAddr, 1}, m[:]...) }

func TestValidateNDP(t *testing.T) {
	snode := SolicitedNode(gl6)
	allNodes := netip.MustParseAddr("ff02::1")
	tests := []struct {
		name     string
		src, dst netip.Addr
		hops     uint8
		exts     []ext
		msg      []byte
		mangle   func(IPv6) // applied after the checksum
		want     Reason
	}{
		{"NS", ll6, snode, 255, nil, nsMsg(gl6, sllao(macA)...), nil, ReasonNone},
		{"NS for DAD", netip.IPv6Unspecified(), snode, 255, nil, nsMsg(gl6), nil, ReasonNone},
		{"NS fragmented", ll6, snode, 255, []ext{fragHdr(0, false)}, nsMsg(gl6), nil, ReasonNDPFragmented},
		{"NS hop limit 254", ll6, snode, 254, nil, nsMsg(gl6), nil, ReasonNDPHopLimit},
		{"NS bad checksum", ll6, snode, 255, nil, nsMsg(gl6), func(b IPv6) { b[len(b)-1] ^= 1 }, ReasonBadChecksum},
		{"NS code 1", ll6, snode, 255, nil, func() []byte { m := nsMsg(gl6); m[1] = 1; return m }(), nil, ReasonNDPBadCode},
		{"NS short", ll6, snode, 255, nil, nsMsg(gl6)[:20], nil, ReasonTruncated},
		{"NS option length 0", ll6, snode, 255, nil, nsMsg(gl6, 1, 0, 0, 0, 0, 0, 0, 0), nil, ReasonNDPBadOption},
		{"NS option past the message", ll6, snode, 255, nil, nsMsg(gl6, 1, 2, 0, 0, 0, 0, 0, 0), nil, ReasonNDPBadOption},
		{"NS link-layer option of 16 octets", ll6, snode, 255, nil, nsMsg(gl6, append(sllao(macA)[:1], 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)...), nil, ReasonNDPBadOption},
		{"NS unknown option", ll6, snode, 255, nil, nsMsg(gl6, 99, 1, 0, 0, 0, 0, 0, 0), nil, ReasonNone},
		{"NS second source link-layer option of 16 octets", ll6, snode, 255, nil, nsMsg(gl6, append(sllao(macA), lla16(NDPOptSourceLinkAddr)...)...), nil, ReasonNone},
		{"NS target link-layer option of 16 octets", ll6, snode, 255, nil, nsMsg(gl6, lla16(NDPOptTargetLinkAddr)...), nil, ReasonNone},
		{"NA target link-layer option of 16 octets", ll6, ll6b, 255, nil, naMsg(gl6, NAFlagSolicited, lla16(NDPOptTargetLinkAddr)...), nil, ReasonNDPBadOption},
		{"NA source link-layer option of 16 octets", ll6, ll6b, 255, nil, naMsg(gl6, NAFlagSolicited, append(lla16(NDPOptSourceLinkAddr), tllao(macA)...)...), nil, ReasonNone},
		{"RA source link-layer option of 16 octets", ll6, allNodes, 255, nil, raMsg(lla16(NDPOptSourceLinkAddr)...), nil, ReasonNDPBadOption},
		{"NS multicast target", ll6, snode, 255, nil, nsMsg(allNodes), nil, ReasonNDPBadTarget},
		{"NS for DAD to unicast", netip.IPv6Unspecified(), gl6, 255, nil, nsMsg(gl6), nil, ReasonNDPBadDestination},
		{"NS for DAD with source link-layer", netip.IPv6Unspecified(), snode, 255, nil, nsMsg(gl6, sllao(macA)...), nil, ReasonNDPBadSource},
		{"NA", ll6, ll6b, 255, nil, naMsg(gl6, NAFlagSolicited|NAFlagOverride, tllao(macA)...), nil, ReasonNone},
		{"NA unsolicited to all nodes", ll6, allNodes, 255, nil, naMsg(gl6, NAFlagOverride), nil, ReasonNone},
		{"NA solicited to all nodes", ll6, allNodes, 255, nil, naMsg(gl6, NAFlagSolicited), nil, ReasonNDPBadDestination},
		{"NA multicast target", ll6, ll6b, 255, nil, naMsg(allNodes, 0), nil, ReasonNDPBadTarget},
		{"RS", ll6, allNodes, 255, nil, []byte{ICMPv6RouterSolicit, 0, 0, 0, 0, 0, 0, 0}, nil, ReasonNone},
		{"RS unspecified with source link-layer", netip.IPv6Unspecified(), allNodes, 255, nil, append([]byte{ICMPv6RouterSolicit, 0, 0, 0, 0, 0, 0, 0}, sllao(macA)...), nil, ReasonNDPBadSource},
		{"RA", ll6, allNodes, 255, nil, raMsg(sllao(macA)...), nil, ReasonNone},
		{"RA from a global address", gl6, allNodes, 255, nil, raMsg(), nil, ReasonNDPBadSource},
		{"RA short", ll6, allNodes, 255, nil, raMsg()[:15], nil, ReasonTruncated},
		{"redirect", ll6, gl6, 255, nil, redirectMsg(ll6b, netip.MustParseAddr("2001:db8:1::1")), nil, ReasonNone},
		{"redirect to the destination", ll6, gl6, 255, nil, redirectMsg(gl6, gl6), nil, ReasonNone},
		{"redirect to a global target", ll6, gl6, 255, nil, redirectMsg(gl6, netip.MustParseAddr("2001:db8:1::1")), nil, ReasonNDPBadTarget},
		{"redirect for multicast", ll6, gl6, 255, nil, redirectMsg(ll6b, allNodes), nil, ReasonNDPBadDestination},
		{"redirect from a global address", gl6, ll6, 255, nil, redirectMsg(ll6b, gl6), nil, ReasonNDPBadSource},
		{"echo is not NDP", gl6, ll6, 3, nil, []byte{ICMPv6EchoRequest, 0, 0, 0, 0, 1, 0, 1}, nil, ReasonNone},
	}
	for _, tt := range tests {
		b := icmp6Packet(tt.src, tt.dst, tt.hops, tt.exts, tt.msg)
		if tt.mangle != nil {
			tt.mangle(b)
		}
		c, p := b.Walk(8)
		if !p.OK() || c.Proto != ProtoICMPv6 {
			t.Fatalf("%s: Walk(8) = %+v, %v", tt.name, c, p)
		}
		if got := ValidateNDP(b, c); got != tt.want {
			t.Fatalf("%s: ValidateNDP() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRouterAdvertFields(t *testing.T) {
	pi := make([]byte, 32)
	pi[0], pi[1], pi[2], pi[3] = NDPOptPrefixInfo, 4, 64, 0xc0
	binary.BigEndian.PutUint32(pi[4:], 86400)
	binary.BigEndian.PutUint32(pi[8:], 14400)
	copy(pi[16:], netip.MustParseAddr("2001:db8:5::").AsSlice())
	mtu := []byte{NDPOptMTU, 1, 0, 0, 0, 0, 0x05, 0xdc}
	ra := RouterAdvert(raMsg(append(append(sllao(macA), pi...), mtu...)...))
	if ra.CurHopLimit() != 64 || !ra.Managed() || !ra.Other() || ra.RouterLifetime() != 1800*time.Second ||
		ra.ReachableTime() != 30*time.Second || ra.RetransTimer() != time.Second {
		t.Fatalf("RA fields: hop %d M %v O %v lifetime %v reachable %v retrans %v",
			ra.CurHopLimit(), ra.Managed(), ra.Other(), ra.RouterLifetime(), ra.ReachableTime(), ra.RetransTimer())
	}
	if r := ra.Options().Validate(); r != ReasonNone {
		t.Fatalf("Options().Validate() = %v", r)
	}
	if m, ok := ra.Options().LinkAddr(NDPOptSourceLinkAddr); !ok || m != macA {
		t.Fatalf("LinkAddr(source) = %v, %v; want %v", m, ok, macA)
	}
	var types []uint8
	it := ra.Options().Iter()
	for o, ok := it.Next(); ok; o, ok = it.Next() {
		types = append(types, o.Type())
		if p, ok := o.PrefixInfo(); ok {
			if p.Prefix() != netip.MustParsePrefix("2001:db8:5::/64") || !p.OnLink() || !p.Autonomous() ||
				p.ValidLifetime() != 24*time.Hour || p.PreferredLifetime() != 4*time.Hour {
				t.Fatalf("prefix info %v L %v A %v valid %v preferred %v", p.Prefix(), p.OnLink(), p.Autonomous(), p.ValidLifetime(), p.PreferredLifetime())
			}
		}
		if v, ok := o.MTU(); ok && v != 1500 {
			t.Fatalf("MTU() = %d, want 1500", v)
		}
	}
	if len(types) != 3 || types[0] != NDPOptSourceLinkAddr || types[1] != NDPOptPrefixInfo || types[2] != NDPOptMTU {
		t.Fatalf("option types = %v, want [1 3 5]", types)
	}
}

func TestPutNeighborSolicit(t *testing.T) {
	tests := []struct {
		name     string
		src, dst netip.Addr
		wantLen  int
		wantMAC  bool
	}{
		{"resolution", ll6, SolicitedNode(gl6), 72, true},
		{"DAD", netip.IPv6Unspecified(), SolicitedNode(gl6), 64, false},
	}
	for _, tt := range tests {
		buf := make([]byte, NeighborSolicitBufLen)
		n := PutNeighborSolicit(buf, tt.src, tt.dst, gl6, macA)
		if n != tt.wantLen {
			t.Fatalf("%s: PutNeighborSolicit() = %d, want %d", tt.name, n, tt.wantLen)
		}
		ip := IPv6(buf[:n])
		c, p := ip.Walk(8)
		if r := ValidateNDP(ip, c); !p.OK() || r != ReasonNone {
			t.Fatalf("%s: ValidateNDP() = %v, walk %v", tt.name, r, p)
		}
		ns := NeighborSolicit(ip.Upper(c))
		m, ok := ns.Options().LinkAddr(NDPOptSourceLinkAddr)
		if ns.Target() != gl6 || ok != tt.wantMAC || (ok && m != macA) {
			t.Fatalf("%s: target %v, source link-layer %v %v", tt.name, ns.Target(), m, ok)
		}
	}
	if n := PutNeighborSolicit(make([]byte, NeighborSolicitBufLen-1), ll6, gl6, gl6, macA); n != 0 {
		t.Fatalf("PutNeighborSolicit(short buffer) = %d, want 0", n)
	}
}

func TestPutNeighborAdvert(t *testing.T) {
	buf := make([]byte, 100)
	n := PutNeighborAdvert(buf, gl6, ll6, gl6, NAFlagRouter|NAFlagSolicited, macB)
	ip := IPv6(buf[:n])
	c, _ := ip.Walk(8)
	if r := ValidateNDP(ip, c); r != ReasonNone || n != NeighborSolicitBufLen {
		t.Fatalf("PutNeighborAdvert() = %d, ValidateNDP() = %v", n, r)
	}
	na := NeighborAdvert(ip.Upper(c))
	m, ok := na.Options().LinkAddr(NDPOptTargetLinkAddr)
	if na.Target() != gl6 || na.Flags() != NAFlagRouter|NAFlagSolicited || !ok || m != macB {
		t.Fatalf("NA target %v flags %#x link-layer %v %v", na.Target(), na.Flags(), m, ok)
	}
}

func TestSolicitedNode(t *testing.T) {
	tests := []struct {
		a    string
		want string
	}{
		{"2001:db8::1234:5678", "ff02::1:ff34:5678"},
		{"fe80::aabb:ccdd", "ff02::1:ffbb:ccdd"},
	}
	for _, tt := range tests {
		got := SolicitedNode(netip.MustParseAddr(tt.a))
		if got.String() != tt.want || !IsSolicitedNode(got) {
			t.Fatalf("SolicitedNode(%s) = %v, want %s", tt.a, got, tt.want)
		}
	}
	for _, a := range []string{"ff02::1", "ff02::2:ff00:1", "2001:db8::1", "10.0.0.1"} {
		if IsSolicitedNode(netip.MustParseAddr(a)) {
			t.Fatalf("IsSolicitedNode(%s) = true, want false", a)
		}
	}
}

func TestPutNeighborAdvertWithoutOption(t *testing.T) {
	buf := make([]byte, NeighborSolicitBufLen)
	n := PutNeighborAdvert(buf, gl6, ll6, gl6, NAFlagSolicited, MAC{})
	ip := IPv6(buf[:n])
	c, _ := ip.Walk(8)
	if r := ValidateNDP(ip, c); r != ReasonNone || n != IPv6Len+NeighborAdvertLen {
		t.Fatalf("PutNeighborAdvert() = %d, ValidateNDP() = %v", n, r)
	}
	if _, ok := NeighborAdvert(ip.Upper(c)).Options().LinkAddr(NDPOptTargetLinkAddr); ok {
		t.Fatal("an NA built with a zero MAC carries a target link-layer option")
	}
}
