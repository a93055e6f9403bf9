package sim

import (
	"encoding/binary"
	"net/netip"

	"github.com/govrf/govrf/internal/header"
)

// route returns the next hop for dst and the source address a packet to
// it gets unless its sender chose one: a directly connected destination
// is its own next hop, sourced from the address whose prefix holds it;
// anything else goes to the family's gateway, sourced from the first
// address of the family. IPv6 link-local and multicast destinations are
// on-link and sourced from the link-local address.
func (h *Host) route(dst netip.Addr) (nh, src netip.Addr, err error) {
	if dst.Is6() && (dst.IsLinkLocalUnicast() || dst.IsMulticast()) {
		return dst, h.ll, nil
	}
	if _, ok := linkAddr(dst); ok {
		return dst, h.firstAddr(dst.Is6()), nil
	}
	for _, p := range h.addrs {
		if p.Addr().Is6() == dst.Is6() && !p.Addr().IsLinkLocalUnicast() && p.Contains(dst) {
			return dst, p.Addr(), nil
		}
	}
	gw := h.gw4
	if dst.Is6() {
		gw = h.gw6
	}
	src = h.firstAddr(dst.Is6())
	if !gw.IsValid() || !src.IsValid() {
		return netip.Addr{}, netip.Addr{}, ErrNoRoute
	}
	return gw, src, nil
}

// firstAddr returns the host's first address of a family that is not
// link-local, or else the link-local one for IPv6.
func (h *Host) firstAddr(v6 bool) netip.Addr {
	for _, p := range h.addrs {
		if a := p.Addr(); a.Is6() == v6 && !a.IsLinkLocalUnicast() {
			return a
		}
	}
	if v6 {
		return h.ll
	}
	return netip.Addr{}
}

// ipPacket returns an IPv4 or IPv6 packet from src to dst carrying the
// upper-layer message l4, whose checksum it fills in. proto is the IPv4
// protocol: header.ProtoICMP becomes ICMPv6 in an IPv6 packet.
func (h *Host) ipPacket(src, dst netip.Addr, proto uint8, l4 []byte, o *Opts) []byte {
	ttl := o.TTL
	if ttl == 0 {
		ttl = defaultTTL
	}
	if dst.Is6() && proto == header.ProtoICMP {
		proto = header.ProtoICMPv6
	}
	switch proto {
	case header.ProtoICMP:
		m := header.ICMPv4(l4)
		m.SetChecksum(m.CalculateChecksum())
	case header.ProtoICMPv6:
		m := header.ICMPv6(l4)
		m.SetChecksum(m.CalculateChecksum(src, dst))
	case header.ProtoUDP:
		u := header.UDP(l4)
		u.SetChecksum(u.CalculateChecksum(src, dst))
	case header.ProtoTCP:
		t := header.TCP(l4)
		t.SetChecksum(t.CalculateChecksum(src, dst))
	}
	if dst.Is4() {
		pkt := make([]byte, header.IPv4MinLen+len(l4))
		var flags uint8
		if o.DF {
			flags = header.IPv4FlagDF
		}
		h.ipID++
		header.IPv4(pkt).Encode(&header.IPv4Fields{TOS: o.TOS, TotalLength: uint16(len(pkt)),
			ID: h.ipID, Flags: flags, TTL: ttl, Protocol: proto, Src: src, Dst: dst})
		copy(pkt[header.IPv4MinLen:], l4)
		return pkt
	}
	pkt := make([]byte, header.IPv6Len+len(l4))
	header.IPv6(pkt).Encode(&header.IPv6Fields{TrafficClass: o.TOS, PayloadLength: uint16(len(l4)),
		NextHeader: proto, HopLimit: ttl, Src: src, Dst: dst})
	copy(pkt[header.IPv6Len:], l4)
	return pkt
}

// defaultTTL is Linux's ip_default_ttl and IPv6 hop_limit.
const defaultTTL = 64

// etherType returns the EtherType of an IP packet to dst.
func etherType(dst netip.Addr) uint16 {
	if dst.Is4() {
		return header.EtherTypeIPv4
	}
	return header.EtherTypeIPv6
}

// output routes a packet the host sends on its own (a reply or an error),
// with h.mu held. If its next hop is not resolved yet, the packet waits
// for the answer to a solicitation, as the kernel queues on an incomplete
// neighbour entry.
func (h *Host) output(pkt []byte, src, dst netip.Addr) {
	nh, _, err := h.route(dst)
	if err != nil {
		h.drop("no route")
		return
	}
	if mac, ok := linkAddr(nh); ok {
		h.sendFrame(mac, etherType(dst), pkt)
		return
	}
	if mac, ok := h.neigh[nh]; ok {
		h.sendFrame(mac, etherType(dst), pkt)
		return
	}
	q := h.parked[nh]
	if len(q) == maxParked {
		h.drop("unresolved")
		return
	}
	if len(q) == 0 {
		h.solicit(nh, src)
	}
	h.parked[nh] = append(q, parked{etherType(dst), pkt})
}

// sendFrame writes one frame to the host's port, with h.mu held.
func (h *Host) sendFrame(dst header.MAC, etherType uint16, payload []byte) error {
	f := h.tx[:header.EthernetLen+len(payload)]
	header.Ethernet(f).Encode(dst, h.mac, etherType)
	copy(f[header.EthernetLen:], payload)
	h.txs[0] = f
	_, err := h.port.Write(h.txs[:], 0)
	return err
}

// tcpSegment returns a TCP header without options; its checksum is filled
// in by ipPacket.
func tcpSegment(sport, dport uint16, seq, ack uint32, flags header.TCPFlags) []byte {
	b := make([]byte, header.TCPMinLen)
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint32(b[8:], ack)
	b[12] = header.TCPMinLen / 4 << 4
	b[13] = byte(flags)
	binary.BigEndian.PutUint16(b[14:], 64240) // Linux's initial window
	return b
}

// udpDatagram returns a UDP datagram; its checksum is filled in by
// ipPacket.
func udpDatagram(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, header.UDPLen+len(payload))
	u := header.UDP(b)
	u.SetSrcPort(sport)
	u.SetDstPort(dport)
	u.SetLength(uint16(len(b)))
	copy(b[header.UDPLen:], payload)
	return b
}

// echoMessage returns an ICMP or ICMPv6 echo message of type typ; its
// checksum is filled in by ipPacket.
func echoMessage(typ uint8, ident, seq uint16, data []byte) []byte {
	b := make([]byte, header.ICMPv4MinLen+len(data))
	b[0] = typ
	binary.BigEndian.PutUint16(b[4:], ident)
	binary.BigEndian.PutUint16(b[6:], seq)
	copy(b[header.ICMPv4MinLen:], data)
	return b
}
