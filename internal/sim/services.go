package sim

import (
	"slices"

	"github.com/govrf/govrf/internal/header"
)

// icmpIn answers echo requests, as Linux does by default; any other ICMP
// message no client call was waiting for is dropped.
func (h *Host) icmpIn(p *inPacket) {
	reply := uint8(header.ICMPv4EchoReply)
	req := p.l4[0] == header.ICMPv4Echo && p.proto == header.ProtoICMP
	if p.proto == header.ProtoICMPv6 {
		reply, req = header.ICMPv6EchoReply, p.l4[0] == header.ICMPv6EchoRequest
	}
	if !req {
		h.drop("icmp unexpected")
		return
	}
	m := header.ICMPv4(p.l4)
	msg := echoMessage(reply, m.Ident(), m.Seq(), m.Payload())
	h.output(h.ipPacket(p.dst, p.src, header.ProtoICMP, msg, &Opts{}), p.dst, p.src)
}

// udpIn echoes a datagram to a served port back to its sender, and
// answers any other with port unreachable (RFC 1122 §4.1.3.1).
func (h *Host) udpIn(p *inPacket) {
	u := header.UDP(p.l4)
	if !slices.Contains(h.udp, u.DstPort()) {
		h.unreachable(p)
		return
	}
	d := udpDatagram(u.DstPort(), u.SrcPort(), u.Payload())
	h.output(h.ipPacket(p.dst, p.src, header.ProtoUDP, d, &Opts{}), p.dst, p.src)
}

// unreachable answers a packet with port unreachable, quoting it.
func (h *Host) unreachable(p *inPacket) {
	if p.src.Is4() {
		buf := make([]byte, header.ICMPv4MaxErrorLen)
		e := header.ICMPv4Error{Type: header.ICMPv4DstUnreachable, Code: header.ICMPv4PortUnreachable,
			Src: p.dst, Dst: p.src, TTL: defaultTTL}
		h.output(buf[:e.Encode(buf, p.ip)], p.dst, p.src)
		return
	}
	buf := make([]byte, min(header.ICMPv6MaxErrorLen, h.mtu))
	e := header.ICMPv6Error{Type: header.ICMPv6DstUnreachable, Code: header.ICMPv6PortUnreachable,
		Src: p.dst, Dst: p.src, HopLimit: defaultTTL}
	h.output(buf[:e.Encode(buf, p.ip)], p.dst, p.src)
}

// tcpIn answers a SYN to a listening port with a SYN-ACK, and any other
// segment but a reset with a reset, as a port without a connection does
// (RFC 9293 §3.10.7.1, §3.10.7.2). The host keeps no connections: the
// handshake goes no further.
func (h *Host) tcpIn(p *inPacket) {
	t := header.TCP(p.l4)
	f := t.Flags()
	if f&header.TCPFlagRST != 0 {
		return
	}
	syn := f&(header.TCPFlagSYN|header.TCPFlagACK) == header.TCPFlagSYN
	var seg []byte
	switch {
	case syn && slices.Contains(h.tcp, t.DstPort()):
		h.isn += 64000
		seg = tcpSegment(t.DstPort(), t.SrcPort(), h.isn, t.Seq()+1, header.TCPFlagSYN|header.TCPFlagACK)
	case f&header.TCPFlagACK != 0:
		seg = tcpSegment(t.DstPort(), t.SrcPort(), t.Ack(), 0, header.TCPFlagRST)
	default:
		ack := t.Seq() + uint32(len(t.Payload()))
		if f&header.TCPFlagSYN != 0 {
			ack++
		}
		if f&header.TCPFlagFIN != 0 {
			ack++
		}
		seg = tcpSegment(t.DstPort(), t.SrcPort(), 0, ack, header.TCPFlagRST|header.TCPFlagACK)
	}
	h.output(h.ipPacket(p.dst, p.src, header.ProtoTCP, seg, &Opts{}), p.dst, p.src)
}
