package header

import (
	"encoding/binary"
	"net/netip"
)

var (
	src4 = netip.MustParseAddr("192.0.2.1")
	dst4 = netip.MustParseAddr("198.51.100.7")
	ll6  = netip.MustParseAddr("fe80::1")
	ll6b = netip.MustParseAddr("fe80::2")
	gl6  = netip.MustParseAddr("2001:db8::2")
	macA = MAC{0x02, 0, 0, 0, 0, 0xa}
	macB = MAC{0x02, 0, 0, 0, 0, 0xb}
)

// naiveChecksum is the obviously correct RFC 1071 sum: 16-bit words with
// end-around carry.
func naiveChecksum(b []byte, initial uint16) uint16 {
	s := uint32(initial)
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// buildIPv4 returns a valid IPv4 packet carrying opts (padded with EOL to
// a multiple of 4) and payload.
func buildIPv4(opts, payload []byte) IPv4 {
	hl := IPv4MinLen + (len(opts)+3)&^3
	b := IPv4(make([]byte, hl+len(payload)))
	b.Encode(&IPv4Fields{
		TotalLength: uint16(len(b)),
		ID:          0x1234,
		TTL:         64,
		Protocol:    ProtoUDP,
		Src:         src4,
		Dst:         dst4,
	})
	b[0] = 4<<4 | uint8(hl/4)
	copy(b[IPv4MinLen:], opts)
	copy(b[hl:], payload)
	b.SetHeaderChecksum(b.CalculateChecksum())
	return b
}

// ext is one IPv6 extension header for buildIPv6: its type and its octets,
// whose first (Next Header) buildIPv6 fills in.
type ext struct {
	proto uint8
	b     []byte
}

// optsHdr returns a generic extension header of n8 8-octet units.
func optsHdr(proto uint8, n8 int) ext {
	b := make([]byte, n8*8)
	b[1] = uint8(n8 - 1)
	return ext{proto, b}
}

// routingHdr returns a Routing header of the given type and segments left.
func routingHdr(typ, segLeft uint8) ext {
	e := optsHdr(ProtoRouting, 1)
	e.b[2], e.b[3] = typ, segLeft
	return e
}

// fragHdr returns a Fragment header.
func fragHdr(offset int, more bool) ext {
	b := make([]byte, IPv6FragmentLen)
	v := uint16(offset)
	if more {
		v |= 1
	}
	binary.BigEndian.PutUint16(b[2:], v)
	binary.BigEndian.PutUint32(b[4:], 0xcafe)
	return ext{ProtoFragment, b}
}

// buildIPv6 returns a valid IPv6 packet from src to dst with the given
// extension headers, then upper-layer protocol proto and payload.
func buildIPv6(src, dst netip.Addr, hops uint8, exts []ext, proto uint8, payload []byte) IPv6 {
	n := IPv6Len
	for _, e := range exts {
		n += len(e.b)
	}
	b := IPv6(make([]byte, n+len(payload)))
	first := proto
	if len(exts) > 0 {
		first = exts[0].proto
	}
	b.Encode(&IPv6Fields{
		PayloadLength: uint16(len(b) - IPv6Len),
		NextHeader:    first,
		HopLimit:      hops,
		Src:           src,
		Dst:           dst,
	})
	off := IPv6Len
	for i, e := range exts {
		copy(b[off:], e.b)
		b[off] = proto
		if i+1 < len(exts) {
			b[off] = exts[i+1].proto
		}
		off += len(e.b)
	}
	copy(b[off:], payload)
	return b
}

// icmp6Packet returns an IPv6 packet carrying ICMPv6 message m, with its
// checksum filled in if it has room for one, after the extension headers
// exts.
func icmp6Packet(src, dst netip.Addr, hops uint8, exts []ext, m []byte) IPv6 {
	b := buildIPv6(src, dst, hops, exts, ProtoICMPv6, m)
	if msg := ICMPv6(b[len(b)-len(m):]); len(msg) >= 4 {
		msg.SetChecksum(msg.CalculateChecksum(src, dst))
	}
	return b
}
