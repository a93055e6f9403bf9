package header

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 header sizes.
const (
	IPv4MinLen = 20 // header without options
	IPv4MaxLen = 60 // header with 40 octets of options
)

// IP protocol numbers (IANA "Assigned Internet Protocol Numbers"), the
// values of the IPv4 Protocol and IPv6 Next Header fields.
const (
	ProtoHopByHop = 0
	ProtoICMP     = 1
	ProtoTCP      = 6
	ProtoUDP      = 17
	ProtoRouting  = 43
	ProtoFragment = 44
	ProtoESP      = 50
	ProtoAH       = 51
	ProtoICMPv6   = 58
	ProtoNoNext   = 59
	ProtoDestOpts = 60
)

// IPv4 flag bits, in the position IPv4.Flags returns them.
const (
	IPv4FlagMF = 1 << 0 // more fragments
	IPv4FlagDF = 1 << 1 // don't fragment
)

// IPv4 is a view of an IPv4 packet from the first octet of its header.
type IPv4 []byte

// Validate checks the header as RFC 1812 §5.2.2 requires before any
// processing, in the order Linux's ip_rcv_core does: room for a minimal
// header, version 4 and IHL of at least 5, room for the whole header, the
// header checksum, then the total length against the bytes received and
// against the header length. A router may not skip any of these tests.
//
// b may run past the total length (Ethernet pads short frames); Packet
// trims it. TTL is not checked: a datagram for the router itself is
// accepted with TTL 0 (RFC 1812 §4.2.2.9), forwarding decides the rest.
func (b IPv4) Validate() Reason {
	if len(b) < IPv4MinLen {
		return ReasonTruncated
	}
	if b.Version() != 4 {
		return ReasonBadVersion
	}
	hl := b.HeaderLen()
	if hl < IPv4MinLen {
		return ReasonBadIHL
	}
	if len(b) < hl {
		return ReasonTruncated
	}
	if Checksum(b[:hl], 0) != 0xffff {
		return ReasonBadChecksum
	}
	tl := int(b.TotalLength())
	if tl > len(b) {
		return ReasonTruncated
	}
	if tl < hl {
		return ReasonBadTotalLength
	}
	return ReasonNone
}

// Version returns the IP version field.
func (b IPv4) Version() uint8 { return b[0] >> 4 }

// HeaderLen returns the header length in octets (IHL × 4).
func (b IPv4) HeaderLen() int { return int(b[0]&0x0f) * 4 }

// TOS returns the type-of-service octet (DSCP and ECN).
func (b IPv4) TOS() uint8 { return b[1] }

// TotalLength returns the length of the datagram, header included.
func (b IPv4) TotalLength() uint16 { return binary.BigEndian.Uint16(b[2:]) }

// ID returns the identification field.
func (b IPv4) ID() uint16 { return binary.BigEndian.Uint16(b[4:]) }

// Flags returns the three flag bits: IPv4FlagDF, IPv4FlagMF and the
// reserved bit (1 << 2).
func (b IPv4) Flags() uint8 { return b[6] >> 5 }

// DF reports whether the Don't Fragment flag is set.
func (b IPv4) DF() bool { return b.Flags()&IPv4FlagDF != 0 }

// MF reports whether the More Fragments flag is set.
func (b IPv4) MF() bool { return b.Flags()&IPv4FlagMF != 0 }

// FragmentOffset returns the fragment offset in octets.
func (b IPv4) FragmentOffset() int {
	return int(binary.BigEndian.Uint16(b[6:])&0x1fff) * 8
}

// IsFragment reports whether b is a fragment: MF set or a non-zero offset.
// Only the first fragment (offset 0) carries the upper-layer header.
func (b IPv4) IsFragment() bool { return binary.BigEndian.Uint16(b[6:])&0x3fff != 0 }

// TTL returns the time-to-live.
func (b IPv4) TTL() uint8 { return b[8] }

// Protocol returns the upper-layer protocol number.
func (b IPv4) Protocol() uint8 { return b[9] }

// HeaderChecksum returns the header checksum field.
func (b IPv4) HeaderChecksum() uint16 { return binary.BigEndian.Uint16(b[10:]) }

// Src returns the source address.
func (b IPv4) Src() netip.Addr { return netip.AddrFrom4([4]byte(b[12:16])) }

// Dst returns the destination address.
func (b IPv4) Dst() netip.Addr { return netip.AddrFrom4([4]byte(b[16:20])) }

// Options returns the option octets between the fixed header and the
// payload.
func (b IPv4) Options() []byte { return b[IPv4MinLen:b.HeaderLen()] }

// Packet returns b trimmed to its total length, dropping link-layer
// padding, as ip_rcv_core does with pskb_trim_rcsum.
func (b IPv4) Packet() IPv4 { return b[:b.TotalLength()] }

// Payload returns the upper-layer octets: after the header, up to the
// total length.
func (b IPv4) Payload() []byte { return b[b.HeaderLen():b.TotalLength()] }

// CheckFragment reports a fragment that would extend the datagram past
// 65535 octets, which reassembly refuses (ReasonBadFragment). Forwarding
// does not reassemble (RFC 1812 §5.2.6), so only local delivery asks.
func (b IPv4) CheckFragment() Reason {
	if b.FragmentOffset()+len(b.Payload()) > 0xffff {
		return ReasonBadFragment
	}
	return ReasonNone
}

// SetTOS sets the type-of-service octet; the checksum is left stale.
func (b IPv4) SetTOS(v uint8) { b[1] = v }

// SetTotalLength sets the total length; the checksum is left stale.
func (b IPv4) SetTotalLength(v uint16) { binary.BigEndian.PutUint16(b[2:], v) }

// SetID sets the identification; the checksum is left stale.
func (b IPv4) SetID(v uint16) { binary.BigEndian.PutUint16(b[4:], v) }

// SetFragment sets the flag bits and the fragment offset in octets (a
// multiple of 8); the checksum is left stale.
func (b IPv4) SetFragment(flags uint8, offset int) {
	binary.BigEndian.PutUint16(b[6:], uint16(flags)<<13|uint16(offset/8)&0x1fff)
}

// SetTTL sets the time-to-live; the checksum is left stale.
func (b IPv4) SetTTL(v uint8) { b[8] = v }

// SetProtocol sets the protocol; the checksum is left stale.
func (b IPv4) SetProtocol(v uint8) { b[9] = v }

// SetHeaderChecksum sets the checksum field.
func (b IPv4) SetHeaderChecksum(v uint16) { binary.BigEndian.PutUint16(b[10:], v) }

// SetSrc sets the source address; the checksum is left stale.
func (b IPv4) SetSrc(a netip.Addr) { putAddr4(b[12:16], a) }

// SetDst sets the destination address; the checksum is left stale.
func (b IPv4) SetDst(a netip.Addr) { putAddr4(b[16:20], a) }

// CalculateChecksum returns the header checksum computed with the checksum
// field taken as zero. Store it with SetHeaderChecksum.
func (b IPv4) CalculateChecksum() uint16 {
	hl := b.HeaderLen()
	s := Combine(Checksum(b[:10], 0), Checksum(b[12:hl], 0))
	return ^s
}

// DecTTL decrements the TTL and patches the checksum by RFC 1624 eqn. 3:
// the TTL is the high octet of the word it shares with the protocol, so
// that word falls by 0x0100. The caller has verified the checksum and
// refused TTL ≤ 1 first (RFC 1812 §5.3.1; Linux ip_forward).
func (b IPv4) DecTTL() {
	old := binary.BigEndian.Uint16(b[8:])
	b[8]--
	b.SetHeaderChecksum(UpdateChecksum(b.HeaderChecksum(), old, old-0x0100))
}

// IPv4Fields are the fields of an IPv4 header without options.
type IPv4Fields struct {
	TOS         uint8
	TotalLength uint16
	ID          uint16
	Flags       uint8 // IPv4FlagDF, IPv4FlagMF
	FragOffset  int   // octets, a multiple of 8
	TTL         uint8
	Protocol    uint8
	Src, Dst    netip.Addr
}

// Encode writes a 20-octet header from f, checksum included; b must hold
// IPv4MinLen octets.
func (b IPv4) Encode(f *IPv4Fields) {
	b[0] = 4<<4 | IPv4MinLen/4
	b.SetTOS(f.TOS)
	b.SetTotalLength(f.TotalLength)
	b.SetID(f.ID)
	b.SetFragment(f.Flags, f.FragOffset)
	b.SetTTL(f.TTL)
	b.SetProtocol(f.Protocol)
	b.SetSrc(f.Src)
	b.SetDst(f.Dst)
	b.SetHeaderChecksum(0)
	b.SetHeaderChecksum(^Checksum(b[:IPv4MinLen], 0))
}
