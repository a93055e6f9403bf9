package sim

import (
	"net/netip"

	"github.com/govrf/govrf/internal/header"
)

// inPacket is a received IP packet that passed validation and is for the
// host.
type inPacket struct {
	ip       []byte // the packet, trimmed to its length
	src, dst netip.Addr
	ttl      uint8 // TTL or hop limit
	proto    uint8 // upper-layer protocol
	l4       []byte
	ethSrc   header.MAC
}

// receive handles one frame, with h.mu held. Like a Linux host it takes
// frames for its MAC, broadcast and multicast, and drops anything it
// cannot parse, counting why.
func (h *Host) receive(f []byte) {
	h.record(f)
	eth := header.Ethernet(f)
	if eth.Validate() != header.ReasonNone {
		h.drop("ethernet truncated")
		return
	}
	if eth.Tags() != 0 {
		h.drop("vlan tagged")
		return
	}
	if d := eth.Dst(); d != h.mac && !d.IsMulticast() {
		h.drop("other host")
		return
	}
	switch eth.PayloadType() {
	case header.EtherTypeARP:
		h.arpIn(header.ARP(eth.Payload()))
	case header.EtherTypeIPv4:
		h.ipv4In(header.IPv4(eth.Payload()), eth.Src())
	case header.EtherTypeIPv6:
		h.ipv6In(header.IPv6(eth.Payload()), eth.Src())
	default:
		h.drop("ethertype")
	}
}

// ipv4In validates an IPv4 packet and delivers it if it is for the host.
// Hosts do not reassemble: fragments are dropped.
func (h *Host) ipv4In(ip header.IPv4, ethSrc header.MAC) {
	if r := ip.Validate(); r != header.ReasonNone {
		h.drop("ipv4 " + r.String())
		return
	}
	ip = ip.Packet()
	p := inPacket{ip: ip, src: ip.Src(), dst: ip.Dst(), ttl: ip.TTL(), proto: ip.Protocol(),
		l4: ip.Payload(), ethSrc: ethSrc}
	switch {
	case !h.hasAddr(p.dst):
		h.drop("ipv4 not ours")
	case ip.IsFragment():
		h.drop("ipv4 fragment")
	default:
		h.deliver(&p)
	}
}

// ipv6In validates an IPv6 packet and its header chain and delivers it if
// it is for the host; NDP goes to ndpIn.
func (h *Host) ipv6In(ip header.IPv6, ethSrc header.MAC) {
	if r := ip.Validate(); r != header.ReasonNone {
		h.drop("ipv6 " + r.String())
		return
	}
	ip = ip.Packet()
	c, prob := ip.Walk(8)
	if !prob.OK() {
		h.drop("ipv6 " + prob.Reason.String())
		return
	}
	p := inPacket{ip: ip, src: ip.Src(), dst: ip.Dst(), ttl: ip.HopLimit(), proto: c.Proto,
		l4: ip.Upper(c), ethSrc: ethSrc}
	if p.proto == header.ProtoICMPv6 && len(p.l4) > 0 && header.IsNDP(p.l4[0]) {
		if r := header.ValidateNDP(ip, c); r != header.ReasonNone {
			h.drop("ndp " + r.String())
			return
		}
		h.ndpIn(&p)
		return
	}
	switch {
	case !h.hasAddr(p.dst):
		h.drop("ipv6 not ours")
	case c.Fragment != 0:
		h.drop("ipv6 fragment")
	default:
		h.deliver(&p)
	}
}

// deliver hands a packet for the host to the client call waiting for it,
// or else to the host's services.
func (h *Host) deliver(p *inPacket) {
	if !h.validUpper(p) {
		return
	}
	for i, pr := range h.probes {
		if pr.matches(p) {
			pr.answer(p, h.net.clock.Now())
			h.probes = append(h.probes[:i], h.probes[i+1:]...)
			return
		}
	}
	switch p.proto {
	case header.ProtoICMP, header.ProtoICMPv6:
		h.icmpIn(p)
	case header.ProtoUDP:
		h.udpIn(p)
	case header.ProtoTCP:
		h.tcpIn(p)
	default:
		h.drop("protocol")
	}
}

// validUpper checks the upper-layer header and its checksum, as the
// receiving sockets of a host do, counting a drop when they fail.
func (h *Host) validUpper(p *inPacket) bool {
	name, r := "", header.ReasonNone
	switch p.proto {
	case header.ProtoICMP:
		name, r = "icmp", header.ICMPv4(p.l4).Validate()
	case header.ProtoICMPv6:
		name, r = "icmpv6", header.ICMPv6(p.l4).Validate(header.IPv6(p.ip))
	case header.ProtoUDP:
		u := header.UDP(p.l4)
		if name, r = "udp", u.Validate(); r == header.ReasonNone {
			p.l4 = p.l4[:u.Length()]
			// A zero checksum means none was sent, which only IPv4
			// allows (RFC 768, RFC 8200 §8.1).
			if (u.Checksum() != 0 || p.src.Is6()) && !sumOK(p) {
				r = header.ReasonBadChecksum
			}
		}
	case header.ProtoTCP:
		if name, r = "tcp", header.TCP(p.l4).Validate(); r == header.ReasonNone && !sumOK(p) {
			r = header.ReasonBadChecksum
		}
	}
	if r != header.ReasonNone {
		h.drop(name + " " + r.String())
		return false
	}
	return true
}

// sumOK verifies a UDP or TCP checksum over the pseudo-header.
func sumOK(p *inPacket) bool {
	s := header.PseudoHeaderChecksum(p.proto, p.src, p.dst, uint32(len(p.l4)))
	return header.Checksum(p.l4, s) == 0xffff
}
