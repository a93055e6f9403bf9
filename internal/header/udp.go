package header

import (
	"encoding/binary"
	"net/netip"
)

// UDPLen is the length of the UDP header.
const UDPLen = 8

// UDP is a view of a UDP datagram from its header.
type UDP []byte

// Validate checks that the datagram holds its header and that the length
// field covers the header and fits the bytes given, which end where the IP
// payload ends (RFC 768; Linux __udp4_lib_rcv). The checksum is the
// receiving socket's business: a router does not verify it.
func (b UDP) Validate() Reason {
	if len(b) < UDPLen {
		return ReasonTruncated
	}
	if l := int(b.Length()); l < UDPLen || l > len(b) {
		return ReasonBadLength
	}
	return ReasonNone
}

// SrcPort returns the source port.
func (b UDP) SrcPort() uint16 { return binary.BigEndian.Uint16(b[0:]) }

// DstPort returns the destination port.
func (b UDP) DstPort() uint16 { return binary.BigEndian.Uint16(b[2:]) }

// Length returns the length field, header included.
func (b UDP) Length() uint16 { return binary.BigEndian.Uint16(b[4:]) }

// Checksum returns the checksum field; 0 means none was sent, which only
// IPv4 allows (RFC 768, RFC 8200 §8.1).
func (b UDP) Checksum() uint16 { return binary.BigEndian.Uint16(b[6:]) }

// Payload returns the data the length field covers.
func (b UDP) Payload() []byte { return b[UDPLen:b.Length()] }

// SetSrcPort sets the source port; the checksum is left stale.
func (b UDP) SetSrcPort(p uint16) { binary.BigEndian.PutUint16(b[0:], p) }

// SetDstPort sets the destination port; the checksum is left stale.
func (b UDP) SetDstPort(p uint16) { binary.BigEndian.PutUint16(b[2:], p) }

// SetLength sets the length field; the checksum is left stale.
func (b UDP) SetLength(v uint16) { binary.BigEndian.PutUint16(b[4:], v) }

// SetChecksum sets the checksum field.
func (b UDP) SetChecksum(v uint16) { binary.BigEndian.PutUint16(b[6:], v) }

// CalculateChecksum returns the checksum of the datagram (up to its length
// field) and its pseudo-header, computed with the checksum field taken as
// zero. A computed 0 is sent as 0xffff, since 0 means none (RFC 768).
func (b UDP) CalculateChecksum(src, dst netip.Addr) uint16 {
	d := b[:b.Length()]
	s := PseudoHeaderChecksum(ProtoUDP, src, dst, uint32(len(d)))
	if c := ^Checksum(d[8:], Checksum(d[:6], s)); c != 0 {
		return c
	}
	return 0xffff
}
