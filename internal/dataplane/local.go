package dataplane

import (
	"net/netip"

	"github.com/govrf/govrf/internal/header"
)

// LocalDeliver takes packets for the router's own addresses, as the
// sockets of a VRF do in Linux: the per-VRF host stacks implement it. The
// pipeline answers ICMP echo itself and offers every other packet for the
// router here first.
type LocalDeliver interface {
	// Deliver offers pkt, a validated IPv4 or IPv6 packet for one of the
	// router's addresses in VRF vrf (a link index; 0 is the default VRF),
	// received on link iif. It reports whether it took the packet;
	// otherwise the pipeline answers as a host with no listener. pkt is
	// valid only during the call.
	Deliver(vrf, iif int, pkt []byte) bool
}

// ipLocalDeliver is ip_local_deliver in domain dom: the ingress VRF, or
// the VRF a leaked route led to (vrf_local_xmit), which then also routes
// the answers. Fragments are reassembled first (ip_local_deliver's
// ip_defrag), in dom.
func (w *worker) ipLocalDeliver(pk *packet, dom domain) {
	pk.dom = dom
	ip := header.IPv4(pk.ip)
	l4 := ip.Payload()
	if ip.IsFragment() {
		w.ipDefrag(pk)
		return
	}
	if pk.dom.vrf == 0 && ip.Protocol() == header.ProtoUDP && w.vxlanRcv(pk, ip.Src(), l4) {
		return
	}
	if ip.Protocol() == header.ProtoICMP && len(l4) > 0 && l4[0] == header.ICMPv4Echo {
		w.icmpEcho(pk, header.ICMPv4(l4))
		return
	}
	if w.accept(pk, ip.Protocol(), l4) {
		return
	}
	if w.hook(pk) {
		w.delivered()
		return
	}
	switch ip.Protocol() {
	case header.ProtoICMP:
		if r := header.ICMPv4(l4).Validate(); r != header.ReasonNone {
			w.drop(pk, ReasonOf(r))
			return
		}
	case header.ProtoTCP:
		w.tcpNoListener(pk, ip.Src(), ip.Dst(), l4)
		return
	case header.ProtoUDP:
		w.udpNoListener(pk, ip.Src(), ip.Dst(), l4)
		return
	default:
		// No raw socket: protocol unreachable (ip_local_deliver_finish).
		w.icmpSend(pk, header.ICMPv4DstUnreachable, header.ICMPv4ProtoUnreachable, 0)
	}
	w.delivered()
}

// ip6LocalDeliver is ip6_input_finish in domain dom: the extension
// headers the destination handles (ip6Exthdrs; RFC 8200 §4.4-§4.6), then
// NDP received on a port to ndiscRcv, whatever address of the router it
// was sent to, before anything else sees it (a fragmented one included,
// for ndiscRcv to refuse); then fragments, echo, the host stack.
func (w *worker) ip6LocalDeliver(pk *packet, dom domain) {
	pk.dom = dom
	ip := header.IPv6(pk.ip)
	c, f := w.ip6Exthdrs(pk)
	if f.r != none {
		w.refuseExt(pk, f)
		return
	}
	if c.Fragment != 0 && c.Fragment < c.Offset {
		w.ip6Defrag(pk, c.Fragment)
		return
	}
	if pk.in != nil && c.Proto == header.ProtoICMPv6 && c.Offset < len(ip) && header.IsNDP(ip[c.Offset]) {
		if pk.reasm {
			w.drop(pk, ReasonOf(header.ReasonNDPFragmented))
			return
		}
		w.ndiscRcv(pk, ip)
		return
	}
	l4 := ip.Upper(c)
	if pk.dom.vrf == 0 && c.Proto == header.ProtoUDP && w.vxlanRcv(pk, ip.Src(), l4) {
		return
	}
	if c.Proto == header.ProtoICMPv6 && len(l4) > 0 && l4[0] == header.ICMPv6EchoRequest {
		w.icmp6Echo(pk, header.ICMPv6(l4))
		return
	}
	if w.accept(pk, c.Proto, l4) {
		return
	}
	if w.hook(pk) {
		w.delivered()
		return
	}
	switch c.Proto {
	case header.ProtoICMPv6:
		if r := header.ICMPv6(l4).Validate(ip); r != header.ReasonNone {
			w.drop(pk, ReasonOf(r))
			return
		}
	case header.ProtoTCP:
		w.tcpNoListener(pk, ip.Src(), ip.Dst(), l4)
		return
	case header.ProtoUDP:
		w.udpNoListener(pk, ip.Src(), ip.Dst(), l4)
		return
	case header.ProtoNoNext:
	default:
		// Unrecognized Next Header (ip6_protocol_deliver_rcu).
		w.icmpSend(pk, header.ICMPv6ParamProblem, header.ICMPv6ParamNextHeader, uint32(c.ProtoAt))
	}
	w.delivered()
}

// hook offers pk to its domain's host stack, or else to the configured
// LocalDeliver.
func (w *worker) hook(pk *packet) bool {
	if w.toStack(pk.dom.vrf, pk.ip) {
		return true
	}
	return w.p.cfg.Local != nil && w.p.cfg.Local.Deliver(pk.dom.vrf, pk.iif, pk.ip)
}

// udpNoListener answers a datagram no socket takes with port unreachable
// (RFC 1122 §4.1.3.1, RFC 4443 §3.1), once its checksum is verified, as
// __udp4_lib_rcv does; to a broadcast or multicast address, silently.
func (w *worker) udpNoListener(pk *packet, src, dst netip.Addr, l4 []byte) {
	u := header.UDP(l4)
	if r := u.Validate(); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	l4 = l4[:u.Length()]
	// IPv4 may send no checksum (RFC 768); IPv6 must (RFC 8200 §8.1).
	if (u.Checksum() != 0 || src.Is6()) && !checksumOK(header.ProtoUDP, src, dst, l4) {
		w.drop(pk, ReasonOf(header.ReasonBadChecksum))
		return
	}
	if pk.group {
		w.drop(pk, ReasonNoSocket)
		return
	}
	if src.Is4() {
		w.icmpSend(pk, header.ICMPv4DstUnreachable, header.ICMPv4PortUnreachable, 0)
	} else {
		w.icmpSend(pk, header.ICMPv6DstUnreachable, header.ICMPv6PortUnreachable, 0)
	}
	w.delivered()
}

// checksumOK verifies a TCP or UDP checksum over its pseudo-header.
func checksumOK(proto uint8, src, dst netip.Addr, l4 []byte) bool {
	return header.Checksum(l4, header.PseudoHeaderChecksum(proto, src, dst, uint32(len(l4)))) == 0xffff
}
