package header

import (
	"encoding/binary"
	"net/netip"
)

// ICMPv4 sizes.
const (
	ICMPv4MinLen = 8 // type, code, checksum and the rest-of-header word
	// ICMPv4MaxErrorLen bounds an ICMP error datagram, IP header included
	// (RFC 1812 §4.3.2.3).
	ICMPv4MaxErrorLen = 576
)

// ICMPv4 types (RFC 792).
const (
	ICMPv4EchoReply      = 0
	ICMPv4DstUnreachable = 3
	ICMPv4Redirect       = 5
	ICMPv4Echo           = 8
	ICMPv4TimeExceeded   = 11
	ICMPv4ParamProblem   = 12
)

// ICMPv4 Destination Unreachable codes (RFC 792, RFC 1812 §5.2.7.1). Linux
// answers a lookup miss with net unreachable, an unreachable route with
// host unreachable and a prohibit route with administratively prohibited
// (ip_error).
const (
	ICMPv4NetUnreachable    = 0
	ICMPv4HostUnreachable   = 1
	ICMPv4ProtoUnreachable  = 2
	ICMPv4PortUnreachable   = 3
	ICMPv4FragNeeded        = 4
	ICMPv4SrcRouteFailed    = 5
	ICMPv4AdminProhibited   = 13
	ICMPv4TTLExceeded       = 0 // Time Exceeded code: TTL reached zero in transit
	ICMPv4ReassemblyTimeout = 1 // Time Exceeded code: fragment reassembly timed out
)

// IsICMPv4Error reports whether messages of type t are errors, about which
// no error is ever sent (RFC 1812 §4.3.2.7). Like Linux (icmp_pointers), it
// counts the unassigned types 1, 2, 6, 7, router advertisement and
// solicitation (9, 10) and every type beyond 18 as errors, so only echo,
// timestamp, information and address mask messages are not.
func IsICMPv4Error(t uint8) bool {
	switch t {
	case ICMPv4EchoReply, ICMPv4Echo, 13, 14, 15, 16, 17, 18:
		return false
	}
	return true
}

// ICMPv4 is a view of an ICMPv4 message from its type octet.
type ICMPv4 []byte

// Validate checks that the message holds its 8-octet header and that its
// checksum verifies (Linux icmp_rcv). b must end where the IP payload ends.
func (b ICMPv4) Validate() Reason {
	if len(b) < ICMPv4MinLen {
		return ReasonTruncated
	}
	if Checksum(b, 0) != 0xffff {
		return ReasonBadChecksum
	}
	return ReasonNone
}

// Type returns the message type.
func (b ICMPv4) Type() uint8 { return b[0] }

// Code returns the message code.
func (b ICMPv4) Code() uint8 { return b[1] }

// Checksum returns the checksum field.
func (b ICMPv4) Checksum() uint16 { return binary.BigEndian.Uint16(b[2:]) }

// Ident returns the identifier of an echo message.
func (b ICMPv4) Ident() uint16 { return binary.BigEndian.Uint16(b[4:]) }

// Seq returns the sequence number of an echo message.
func (b ICMPv4) Seq() uint16 { return binary.BigEndian.Uint16(b[6:]) }

// Pointer returns the pointer of a Parameter Problem message.
func (b ICMPv4) Pointer() uint8 { return b[4] }

// MTU returns the next-hop MTU of a Fragmentation Needed message (RFC 1191
// §4); 0 from a router that predates it.
func (b ICMPv4) MTU() uint16 { return binary.BigEndian.Uint16(b[6:]) }

// Gateway returns the gateway address of a Redirect message.
func (b ICMPv4) Gateway() netip.Addr { return netip.AddrFrom4([4]byte(b[4:8])) }

// Payload returns the octets after the 8-octet header: an echo's data, or
// the datagram an error quotes.
func (b ICMPv4) Payload() []byte { return b[ICMPv4MinLen:] }

// Quoted returns the datagram an error message quotes: its IP header and
// at least 8 octets of its data, unvalidated.
func (b ICMPv4) Quoted() IPv4 { return IPv4(b[ICMPv4MinLen:]) }

// SetType sets the message type; the checksum is left stale.
func (b ICMPv4) SetType(t uint8) { b[0] = t }

// SetCode sets the message code; the checksum is left stale.
func (b ICMPv4) SetCode(c uint8) { b[1] = c }

// SetChecksum sets the checksum field.
func (b ICMPv4) SetChecksum(v uint16) { binary.BigEndian.PutUint16(b[2:], v) }

// CalculateChecksum returns the checksum of the whole message computed
// with the checksum field taken as zero.
func (b ICMPv4) CalculateChecksum() uint16 {
	return ^Combine(Checksum(b[:2], 0), Checksum(b[4:], 0))
}

// ICMPv4Error describes an ICMP error about a received datagram.
type ICMPv4Error struct {
	Type, Code uint8
	// Rest is the second word of the ICMP header: the next-hop MTU for
	// Fragmentation Needed, Pointer<<24 for Parameter Problem, the
	// gateway for Redirect, otherwise zero.
	Rest     uint32
	Src, Dst netip.Addr
	// TOS of the error; Linux's icmp_send keeps the offending datagram's
	// TOS and sets precedence 6 (RFC 1812 §4.3.2.5).
	TOS uint8
	TTL uint8
	// ID of the error datagram, which is atomic, so any value will do
	// (RFC 6864 §4).
	ID uint16
}

// Encode writes into buf an IPv4 datagram carrying the error and quoting
// orig, and returns its length. The quote is as much of orig as fits in
// ICMPv4MaxErrorLen and in buf (RFC 1812 §4.3.2.3). Encode returns 0 when
// buf cannot hold the headers and at least orig's IP header and 8 octets
// of its data (RFC 792).
//
// orig may overlap buf: the quote is moved before the headers are written,
// so an error can be built in the buffer of the datagram it is about.
func (e *ICMPv4Error) Encode(buf, orig []byte) int {
	const hdr = IPv4MinLen + ICMPv4MinLen
	n := min(len(orig), ICMPv4MaxErrorLen-hdr)
	if len(buf) < hdr || len(buf)-hdr < min(n, quotedIPv4Min(orig)) {
		return 0
	}
	n = min(n, len(buf)-hdr)
	copy(buf[hdr:hdr+n], orig[:n])
	ip := IPv4(buf)
	ip.Encode(&IPv4Fields{
		TOS:         e.TOS,
		TotalLength: uint16(hdr + n),
		ID:          e.ID,
		TTL:         e.TTL,
		Protocol:    ProtoICMP,
		Src:         e.Src,
		Dst:         e.Dst,
	})
	m := ICMPv4(buf[IPv4MinLen : hdr+n])
	m.SetType(e.Type)
	m.SetCode(e.Code)
	binary.BigEndian.PutUint32(m[4:], e.Rest)
	m.SetChecksum(m.CalculateChecksum())
	return hdr + n
}

// quotedIPv4Min returns how much of orig an ICMP error must quote: its IP
// header and 8 octets of data.
func quotedIPv4Min(orig []byte) int {
	if len(orig) == 0 {
		return 0
	}
	return IPv4(orig).HeaderLen() + 8
}
