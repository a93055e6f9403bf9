package header

import "encoding/binary"

// Ethernet header sizes.
const (
	EthernetLen = 14 // destination, source, EtherType
	VLANTagLen  = 4  // TPID and TCI of one 802.1Q tag
	MaxVLANTags = 2  // an 802.1ad service tag and an 802.1Q customer tag
)

// EtherTypes govrf dispatches on.
const (
	EtherTypeIPv4 = 0x0800
	EtherTypeARP  = 0x0806
	EtherTypeVLAN = 0x8100 // IEEE 802.1Q customer tag
	EtherTypeQinQ = 0x88a8 // IEEE 802.1ad service tag
	EtherTypeIPv6 = 0x86dd
)

// IsTPID reports whether an EtherType field holds a VLAN tag protocol
// identifier rather than the payload's type.
func IsTPID(t uint16) bool { return t == EtherTypeVLAN || t == EtherTypeQinQ }

// MAC is a 48-bit Ethernet address. It is comparable, so neighbour tables
// can key on it; the zero value is 00:00:00:00:00:00.
type MAC [6]byte

// BroadcastMAC is ff:ff:ff:ff:ff:ff.
var BroadcastMAC = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// IsMulticast reports whether m is a group address (broadcast included):
// the I/G bit, the least significant bit of the first octet.
func (m MAC) IsMulticast() bool { return m[0]&1 != 0 }

// IsBroadcast reports whether m is ff:ff:ff:ff:ff:ff.
func (m MAC) IsBroadcast() bool { return m == BroadcastMAC }

const hexDigits = "0123456789abcdef"

// String returns m as iproute2 prints it: lowercase, colon-separated.
func (m MAC) String() string {
	var b [17]byte
	for i, v := range m {
		if i > 0 {
			b[3*i-1] = ':'
		}
		b[3*i], b[3*i+1] = hexDigits[v>>4], hexDigits[v&0xf]
	}
	return string(b[:])
}

// Ethernet is a view of an Ethernet II frame, optionally carrying up to
// MaxVLANTags VLAN tags between the source address and the EtherType.
type Ethernet []byte

// Validate checks that the frame holds its header and every VLAN tag its
// TPIDs announce (at most MaxVLANTags are read as tags). The payload may be
// empty.
func (b Ethernet) Validate() Reason {
	if len(b) < EthernetLen || len(b) < b.HeaderLen() {
		return ReasonTruncated
	}
	return ReasonNone
}

// Dst returns the destination address.
func (b Ethernet) Dst() MAC { return MAC(b[0:6]) }

// Src returns the source address.
func (b Ethernet) Src() MAC { return MAC(b[6:12]) }

// Type returns the EtherType field after the addresses: the TPID of the
// outer tag when the frame is tagged.
func (b Ethernet) Type() uint16 { return binary.BigEndian.Uint16(b[12:]) }

// Tags returns the number of VLAN tags, up to MaxVLANTags, that the frame's
// TPIDs announce. It reads no further than the frame's length.
func (b Ethernet) Tags() int {
	n := 0
	for off := 12; n < MaxVLANTags && off+2 <= len(b); off += VLANTagLen {
		if !IsTPID(binary.BigEndian.Uint16(b[off:])) {
			break
		}
		n++
	}
	return n
}

// HeaderLen returns the length of the header including its VLAN tags.
func (b Ethernet) HeaderLen() int { return EthernetLen + VLANTagLen*b.Tags() }

// VLAN returns the VLAN ID (the low 12 bits of the TCI) of the outer tag,
// and false for an untagged frame. An ID of 0 is a priority tag.
func (b Ethernet) VLAN() (uint16, bool) {
	if b.Tags() == 0 {
		return 0, false
	}
	return binary.BigEndian.Uint16(b[14:]) & 0x0fff, true
}

// PayloadType returns the EtherType after the VLAN tags. A frame stacking
// more than MaxVLANTags tags returns the next TPID, which no handler takes.
func (b Ethernet) PayloadType() uint16 {
	return binary.BigEndian.Uint16(b[b.HeaderLen()-2:])
}

// Payload returns the bytes after the header and tags, padding included.
func (b Ethernet) Payload() []byte { return b[b.HeaderLen():] }

// SetDst sets the destination address.
func (b Ethernet) SetDst(m MAC) { copy(b[0:6], m[:]) }

// SetSrc sets the source address.
func (b Ethernet) SetSrc(m MAC) { copy(b[6:12], m[:]) }

// Encode writes an untagged header; b must hold EthernetLen octets.
func (b Ethernet) Encode(dst, src MAC, etherType uint16) {
	b.SetDst(dst)
	b.SetSrc(src)
	binary.BigEndian.PutUint16(b[12:], etherType)
}
