package evpn

import (
	"encoding/binary"
	"net"
	"net/netip"
)

// type5 is an EVPN IP Prefix route (RFC 9136 section 3.1) as rawPeer
// sends it, with the attributes FRR sends for a VRF's prefix: ORIGIN
// incomplete, the AS_PATH of the sender, MP_REACH_NLRI with the VTEP as
// next hop, and extended communities RT (two-octet AS), encapsulation
// VXLAN (RFC 9012, tunnel type 8) and Router's MAC (RFC 9135).
type type5 struct {
	rdAS, rdNum uint32 // type-0 route distinguisher ASN:NN
	prefix      netip.Prefix
	vni         uint32 // the label, the VNI in its 24 bits
	nextHop     netip.Addr
	rtAS        uint16
	rtNum       uint32
	rmac        string // "" leaves the Router's MAC out

	// extCommsLen, when set, is the length the EXTENDED COMMUNITIES
	// attribute claims and holds, cut short: not a multiple of 8 makes
	// it malformed, which RFC 7606 section 7.14 treats as withdraw.
	extCommsLen int
}

// nlri encodes the route: type 5, length, RD, ESI 0, Ethernet tag 0,
// prefix length, prefix, gateway IP 0, label; 34 octets for IPv4, 58
// for IPv6.
func (r type5) nlri() []byte {
	var b []byte
	b = binary.BigEndian.AppendUint16(b, 0) // RD type 0
	b = binary.BigEndian.AppendUint16(b, uint16(r.rdAS))
	b = binary.BigEndian.AppendUint32(b, r.rdNum)
	b = append(b, make([]byte, 10+4)...) // ESI, Ethernet tag
	b = append(b, byte(r.prefix.Bits()))
	a := r.prefix.Addr().AsSlice()
	b = append(b, a...)
	b = append(b, make([]byte, len(a))...) // gateway IP
	b = append(b, byte(r.vni>>16), byte(r.vni>>8), byte(r.vni))
	return append([]byte{5, byte(len(b))}, b...)
}

// extComms encodes the extended communities.
func (r type5) extComms() []byte {
	b := []byte{0x03, 0x0c, 0, 0, 0, 0, 0, 8} // encapsulation: VXLAN
	b = append(b, 0x00, 0x02)
	b = binary.BigEndian.AppendUint16(b, r.rtAS)
	b = binary.BigEndian.AppendUint32(b, r.rtNum)
	if r.rmac != "" {
		mac, _ := net.ParseMAC(r.rmac)
		b = append(append(b, 0x06, 0x03), mac...)
	}
	if r.extCommsLen > 0 && r.extCommsLen < len(b) {
		b = b[:r.extCommsLen]
	}
	return b
}

// attr encodes one path attribute, with the extended length flag when
// the value needs it.
func attr(flags, code byte, v []byte) []byte {
	if len(v) > 255 {
		return append(binary.BigEndian.AppendUint16([]byte{flags | 0x10, code}, uint16(len(v))), v...)
	}
	return append([]byte{flags, code, byte(len(v))}, v...)
}

// announce sends r in an UPDATE of its own.
func (p *rawPeer) announce(r type5) {
	mp := []byte{0, 25, 70, 4}
	mp = append(append(mp, r.nextHop.AsSlice()...), 0)
	mp = append(mp, r.nlri()...)
	aspath := binary.BigEndian.AppendUint32([]byte{2, 1}, p.as)
	var attrs []byte
	attrs = append(attrs, attr(0x40, 1, []byte{2})...) // ORIGIN incomplete
	attrs = append(attrs, attr(0x40, 2, aspath)...)
	attrs = append(attrs, attr(0x80, 14, mp)...)
	attrs = append(attrs, attr(0xc0, 16, r.extComms())...)
	body := binary.BigEndian.AppendUint16(nil, 0) // no withdrawn routes
	body = binary.BigEndian.AppendUint16(body, uint16(len(attrs)))
	p.write(bgpUpdate, append(body, attrs...))
}
