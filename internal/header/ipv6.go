package header

import (
	"encoding/binary"
	"net/netip"
)

// IPv6 sizes.
const (
	IPv6Len    = 40   // fixed header
	IPv6MinMTU = 1280 // RFC 8200 §5
)

// IPv6 is a view of an IPv6 packet from the first octet of its fixed
// header. Jumbograms (RFC 2675) are not supported: a zero payload length
// means an empty payload.
type IPv6 []byte

// Validate checks the fixed header as Linux's ipv6_rcv does: room for it,
// version 6, and a payload length that fits the bytes received. b may run
// past the payload (Ethernet padding); Packet trims it. The hop limit is
// not checked: the destination accepts 0 (RFC 8200 §3), forwarding decides.
func (b IPv6) Validate() Reason {
	if len(b) < IPv6Len {
		return ReasonTruncated
	}
	if b.Version() != 6 {
		return ReasonBadVersion
	}
	if IPv6Len+int(b.PayloadLength()) > len(b) {
		return ReasonTruncated
	}
	return ReasonNone
}

// Version returns the IP version field.
func (b IPv6) Version() uint8 { return b[0] >> 4 }

// TrafficClass returns the traffic class (DSCP and ECN).
func (b IPv6) TrafficClass() uint8 { return uint8(binary.BigEndian.Uint16(b[0:]) >> 4) }

// FlowLabel returns the 20-bit flow label.
func (b IPv6) FlowLabel() uint32 { return binary.BigEndian.Uint32(b[0:]) & 0xfffff }

// PayloadLength returns the length of everything after the fixed header.
func (b IPv6) PayloadLength() uint16 { return binary.BigEndian.Uint16(b[4:]) }

// NextHeader returns the type of the header after the fixed header.
func (b IPv6) NextHeader() uint8 { return b[6] }

// HopLimit returns the hop limit.
func (b IPv6) HopLimit() uint8 { return b[7] }

// Src returns the source address.
func (b IPv6) Src() netip.Addr { return netip.AddrFrom16([16]byte(b[8:24])) }

// Dst returns the destination address.
func (b IPv6) Dst() netip.Addr { return netip.AddrFrom16([16]byte(b[24:40])) }

// Packet returns b trimmed to the fixed header and its payload.
func (b IPv6) Packet() IPv6 { return b[:IPv6Len+int(b.PayloadLength())] }

// Payload returns the octets after the fixed header, up to the payload
// length.
func (b IPv6) Payload() []byte { return b[IPv6Len : IPv6Len+int(b.PayloadLength())] }

// SetPayloadLength sets the payload length.
func (b IPv6) SetPayloadLength(v uint16) { binary.BigEndian.PutUint16(b[4:], v) }

// SetNextHeader sets the next header of the fixed header.
func (b IPv6) SetNextHeader(v uint8) { b[6] = v }

// SetHopLimit sets the hop limit. IPv6 has no header checksum to patch.
func (b IPv6) SetHopLimit(v uint8) { b[7] = v }

// SetSrc sets the source address.
func (b IPv6) SetSrc(a netip.Addr) { putAddr16(b[8:24], a) }

// SetDst sets the destination address.
func (b IPv6) SetDst(a netip.Addr) { putAddr16(b[24:40], a) }

// IPv6Fields are the fields of an IPv6 fixed header.
type IPv6Fields struct {
	TrafficClass  uint8
	FlowLabel     uint32
	PayloadLength uint16
	NextHeader    uint8
	HopLimit      uint8
	Src, Dst      netip.Addr
}

// Encode writes the fixed header from f; b must hold IPv6Len octets.
func (b IPv6) Encode(f *IPv6Fields) {
	binary.BigEndian.PutUint32(b[0:], 6<<28|uint32(f.TrafficClass)<<20|f.FlowLabel&0xfffff)
	b.SetPayloadLength(f.PayloadLength)
	b.SetNextHeader(f.NextHeader)
	b.SetHopLimit(f.HopLimit)
	b.SetSrc(f.Src)
	b.SetDst(f.Dst)
}

// putAddr16 writes an address in its 16-octet form (IPv4 as v4-mapped);
// the invalid Addr writes ::.
func putAddr16(b []byte, a netip.Addr) {
	v := a.As16()
	copy(b[:16], v[:])
}
