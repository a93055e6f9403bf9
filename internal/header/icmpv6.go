package header

import (
	"encoding/binary"
	"net/netip"
)

// ICMPv6 sizes.
const (
	ICMPv6MinLen = 8 // type, code, checksum and the first body word
	// ICMPv6MaxErrorLen bounds an ICMPv6 error packet, IPv6 header
	// included, to the minimum MTU (RFC 4443 §2.4(c)).
	ICMPv6MaxErrorLen = IPv6MinMTU
)

// ICMPv6 types (RFC 4443 §2.1, RFC 4861 §4).
const (
	ICMPv6DstUnreachable  = 1
	ICMPv6PacketTooBig    = 2
	ICMPv6TimeExceeded    = 3
	ICMPv6ParamProblem    = 4
	ICMPv6EchoRequest     = 128
	ICMPv6EchoReply       = 129
	ICMPv6RouterSolicit   = 133
	ICMPv6RouterAdvert    = 134
	ICMPv6NeighborSolicit = 135
	ICMPv6NeighborAdvert  = 136
	ICMPv6Redirect        = 137
)

// ICMPv6 Destination Unreachable and Time Exceeded codes (RFC 4443 §3.1,
// §3.3). Linux answers a lookup miss or an unreachable route with no
// route, a prohibit route with administratively prohibited, and a failed
// neighbour resolution with address unreachable.
const (
	ICMPv6NoRoute           = 0
	ICMPv6AdminProhibited   = 1
	ICMPv6BeyondScope       = 2
	ICMPv6AddrUnreachable   = 3
	ICMPv6PortUnreachable   = 4
	ICMPv6RejectRoute       = 6
	ICMPv6HopLimitExceeded  = 0 // Time Exceeded code
	ICMPv6ReassemblyTimeout = 1 // Time Exceeded code
)

// IsICMPv6Error reports whether messages of type t are errors: types
// below 128 (RFC 4443 §2.1).
func IsICMPv6Error(t uint8) bool { return t < 128 }

// ICMPv6 is a view of an ICMPv6 message from its type octet.
type ICMPv6 []byte

// Validate checks that the message holds its 8-octet header and that its
// checksum, which covers the pseudo-header of ip, verifies (Linux
// icmpv6_rcv). b must end where ip's payload ends.
func (b ICMPv6) Validate(ip IPv6) Reason {
	if len(b) < ICMPv6MinLen {
		return ReasonTruncated
	}
	if Checksum(b, pseudoSum(ProtoICMPv6, ip[8:40], uint32(len(b)))) != 0xffff {
		return ReasonBadChecksum
	}
	return ReasonNone
}

// Type returns the message type.
func (b ICMPv6) Type() uint8 { return b[0] }

// Code returns the message code.
func (b ICMPv6) Code() uint8 { return b[1] }

// Checksum returns the checksum field.
func (b ICMPv6) Checksum() uint16 { return binary.BigEndian.Uint16(b[2:]) }

// Ident returns the identifier of an echo message.
func (b ICMPv6) Ident() uint16 { return binary.BigEndian.Uint16(b[4:]) }

// Seq returns the sequence number of an echo message.
func (b ICMPv6) Seq() uint16 { return binary.BigEndian.Uint16(b[6:]) }

// MTU returns the MTU of a Packet Too Big message.
func (b ICMPv6) MTU() uint32 { return binary.BigEndian.Uint32(b[4:]) }

// Pointer returns the pointer of a Parameter Problem message.
func (b ICMPv6) Pointer() uint32 { return binary.BigEndian.Uint32(b[4:]) }

// Payload returns the octets after the first 8: an echo's data, or the
// packet an error quotes.
func (b ICMPv6) Payload() []byte { return b[ICMPv6MinLen:] }

// Quoted returns the packet an error message quotes, unvalidated.
func (b ICMPv6) Quoted() IPv6 { return IPv6(b[ICMPv6MinLen:]) }

// SetType sets the message type; the checksum is left stale.
func (b ICMPv6) SetType(t uint8) { b[0] = t }

// SetCode sets the message code; the checksum is left stale.
func (b ICMPv6) SetCode(c uint8) { b[1] = c }

// SetChecksum sets the checksum field.
func (b ICMPv6) SetChecksum(v uint16) { binary.BigEndian.PutUint16(b[2:], v) }

// CalculateChecksum returns the checksum of the message and its
// pseudo-header computed with the checksum field taken as zero.
func (b ICMPv6) CalculateChecksum(src, dst netip.Addr) uint16 {
	s := PseudoHeaderChecksum(ProtoICMPv6, src, dst, uint32(len(b)))
	return ^Checksum(b[4:], Checksum(b[:2], s))
}

// ICMPv6Error describes an ICMPv6 error about a received packet.
type ICMPv6Error struct {
	Type, Code uint8
	// Rest is the first word of the body: the MTU for Packet Too Big, the
	// pointer for Parameter Problem, otherwise zero.
	Rest         uint32
	Src, Dst     netip.Addr
	TrafficClass uint8
	HopLimit     uint8
}

// Encode writes into buf an IPv6 packet carrying the error and quoting
// orig, and returns its length. The quote is as much of orig as fits in
// ICMPv6MaxErrorLen and in buf (RFC 4443 §2.4(c)). Encode returns 0 when
// buf cannot hold the headers and orig's fixed header.
//
// orig may overlap buf: the quote is moved before the headers are written,
// so an error can be built in the buffer of the packet it is about.
func (e *ICMPv6Error) Encode(buf, orig []byte) int {
	const hdr = IPv6Len + ICMPv6MinLen
	n := min(len(orig), ICMPv6MaxErrorLen-hdr)
	if len(buf) < hdr+min(n, IPv6Len) {
		return 0
	}
	n = min(n, len(buf)-hdr)
	copy(buf[hdr:hdr+n], orig[:n])
	IPv6(buf).Encode(&IPv6Fields{
		TrafficClass:  e.TrafficClass,
		PayloadLength: uint16(ICMPv6MinLen + n),
		NextHeader:    ProtoICMPv6,
		HopLimit:      e.HopLimit,
		Src:           e.Src,
		Dst:           e.Dst,
	})
	m := ICMPv6(buf[IPv6Len : hdr+n])
	m.SetType(e.Type)
	m.SetCode(e.Code)
	binary.BigEndian.PutUint32(m[4:], e.Rest)
	m.SetChecksum(m.CalculateChecksum(e.Src, e.Dst))
	return hdr + n
}
