package header

import (
	"encoding/binary"
	"net/netip"
)

// NeighborSolicitBufLen is the room PutNeighborSolicit and
// PutNeighborAdvert need: IPv6 header, message and one link-layer option.
const NeighborSolicitBufLen = IPv6Len + NeighborSolicitLen + ndpLinkAddrLen

// PutNeighborSolicit writes into buf an IPv6 packet carrying a Neighbor
// Solicitation for target, and returns its length, or 0 if buf is shorter
// than NeighborSolicitBufLen. The source link-layer option carries mac
// unless src is unspecified, where RFC 4861 §4.3 forbids it (DAD, RFC 4862
// §5.4.2). dst is target's solicited-node address, or target itself for a
// unicast probe (RFC 4861 §7.2.2).
func PutNeighborSolicit(buf []byte, src, dst, target netip.Addr, mac MAC) int {
	var opt uint8
	if !src.IsUnspecified() {
		opt = NDPOptSourceLinkAddr
	}
	return putNDP(buf, ICMPv6NeighborSolicit, 0, src, dst, target, opt, mac)
}

// PutNeighborAdvert writes into buf an IPv6 packet carrying a Neighbor
// Advertisement for target with flags (NAFlagRouter, NAFlagSolicited,
// NAFlagOverride) and a target link-layer option holding mac (none when
// mac is zero: RFC 4861 §7.2.4 lets an answer to a unicast solicitation
// leave it out), and returns its length, or 0 if buf is shorter than
// NeighborSolicitBufLen.
func PutNeighborAdvert(buf []byte, src, dst, target netip.Addr, flags uint8, mac MAC) int {
	var opt uint8
	if mac != (MAC{}) {
		opt = NDPOptTargetLinkAddr
	}
	return putNDP(buf, ICMPv6NeighborAdvert, flags, src, dst, target, opt, mac)
}

// putNDP writes an NS or NA with an optional link-layer option (opt 0
// for none).
func putNDP(buf []byte, typ, flags uint8, src, dst, target netip.Addr, opt uint8, mac MAC) int {
	n := IPv6Len + NeighborSolicitLen
	if opt != 0 {
		n += ndpLinkAddrLen
	}
	if len(buf) < NeighborSolicitBufLen {
		return 0
	}
	IPv6(buf).Encode(&IPv6Fields{
		PayloadLength: uint16(n - IPv6Len),
		NextHeader:    ProtoICMPv6,
		HopLimit:      NDPHopLimit,
		Src:           src,
		Dst:           dst,
	})
	m := ICMPv6(buf[IPv6Len:n])
	m[0], m[1] = typ, 0
	binary.BigEndian.PutUint32(m[4:], uint32(flags)<<24)
	putAddr16(m[8:24], target)
	if opt != 0 {
		m[24], m[25] = opt, ndpLinkAddrLen/8
		copy(m[26:32], mac[:])
	}
	m.SetChecksum(m.CalculateChecksum(src, dst))
	return n
}
