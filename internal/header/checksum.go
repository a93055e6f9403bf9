package header

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Checksum returns the Internet checksum sum (RFC 1071) of b added to
// initial, folded to 16 bits. It is the one's-complement sum, not its
// complement: a field is written as ^Checksum(...), and a buffer that
// includes a correct checksum sums to 0xffff. Only zero input sums to zero.
//
// One's-complement addition commutes with regrouping (RFC 1071 §2), so the
// loop adds 64-bit words with carry and folds once at the end; that is about
// four times faster than adding 16-bit words.
func Checksum(b []byte, initial uint16) uint16 {
	s := uint64(initial)
	var c uint64
	for len(b) >= 32 {
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b), c)
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[8:]), c)
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[16:]), c)
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b[24:]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		s, c = bits.Add64(s, binary.BigEndian.Uint64(b), c)
		b = b[8:]
	}
	// The tail keeps its 16-bit word alignment, because only multiples of
	// 8 octets were consumed; an odd last octet is the high half of a
	// zero-padded word. It is read 4, 2 and 1 octets at a time: an IPv4
	// header's last 4 octets in one load.
	var tail uint64
	shift := 64
	if len(b) >= 4 {
		shift -= 32
		tail = uint64(binary.BigEndian.Uint32(b)) << shift
		b = b[4:]
	}
	if len(b) >= 2 {
		shift -= 16
		tail |= uint64(binary.BigEndian.Uint16(b)) << shift
		b = b[2:]
	}
	if len(b) == 1 {
		tail |= uint64(b[0]) << (shift - 8)
	}
	s, c = bits.Add64(s, tail, c)
	s, c = bits.Add64(s, c, 0)
	s += c // s wrapped to zero, so this cannot carry again
	return fold64(s)
}

// fold64 folds a 64-bit one's-complement sum to 16 bits with end-around
// carries. A non-zero sum never folds to zero.
func fold64(s uint64) uint16 {
	s = s>>32 + s&0xffffffff
	s = s>>32 + s&0xffffffff
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	return uint16(s)
}

// Combine adds two one's-complement sums.
func Combine(a, b uint16) uint16 {
	s := uint32(a) + uint32(b)
	return uint16(s + s>>16)
}

// PseudoHeaderChecksum returns the sum of the pseudo-header that TCP, UDP
// and ICMPv6 checksums cover: the addresses, the protocol and the
// upper-layer length (RFC 793 §3.1, RFC 768, RFC 8200 §8.1). Both families
// give the same sum for the same fields, because the IPv6 pseudo-header's
// 32-bit length and zero padding add up like IPv4's 16-bit length and zero
// octet. An IPv4 pair uses the 4-octet form; anything else the 16-octet one.
func PseudoHeaderChecksum(proto uint8, src, dst netip.Addr, length uint32) uint16 {
	s := uint64(proto) + uint64(length>>16) + uint64(length&0xffff)
	if src.Is4() && dst.Is4() {
		a, b := src.As4(), dst.As4()
		s += uint64(binary.BigEndian.Uint32(a[:])) + uint64(binary.BigEndian.Uint32(b[:]))
		return fold64(s)
	}
	a, b := src.As16(), dst.As16()
	return fold64(s + uint64(Checksum(a[:], Checksum(b[:], 0))))
}

// pseudoSum is PseudoHeaderChecksum over addresses already in wire order,
// as a header view holds them (4 or 16 octets each).
func pseudoSum(proto uint8, addrs []byte, length uint32) uint16 {
	return Checksum(addrs, fold64(uint64(proto)+uint64(length>>16)+uint64(length&0xffff)))
}

// UpdateChecksum returns checksum field hc after a 16-bit word of the data
// it covers changed from m to m2, by RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
// Unlike RFC 1141's form, it agrees with a full recomputation when the new
// sum is zero (RFC 1624 §3). It is only as right as hc was, so a router
// verifies hc before it updates it (RFC 1812 §5.2.2).
func UpdateChecksum(hc, m, m2 uint16) uint16 {
	return ^Combine(Combine(^hc, ^m), m2)
}
