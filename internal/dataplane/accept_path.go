package dataplane

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
)

// accept is l3mdev accept on ip_local_deliver: a TCP segment or UDP
// datagram for one of the router's addresses in a VRF goes into the
// default VRF's host stack when it belongs to a flow accepted there, or
// opens one — a SYN with tcp_l3mdev_accept, any datagram with
// udp_l3mdev_accept — that no socket of the VRF's own stack would take
// and one of the default stack would. A SYN on the tuple of a connection
// that ended is decided afresh. It counts the packet and reports whether
// it took it; if not, the VRF's own stack gets it as before.
func (w *worker) accept(pk *packet, proto uint8, l4 []byte) bool {
	if pk.dom.vrf == 0 || proto != header.ProtoTCP && proto != header.ProtoUDP {
		return false
	}
	def := w.p.stack(0)
	if def == nil || def.gone.Load() {
		return false
	}
	ft := def.accept.flows
	sc := w.snap.Sysctl()
	on := proto == header.ProtoTCP && sc.TCPL3mdevAccept || proto == header.ProtoUDP && sc.UDPL3mdevAccept
	if !on && ft.len() == 0 {
		return false
	}
	sport, dport, flags, ok := transportPorts(proto, l4)
	if !ok {
		return false
	}
	src, dst := addrs(pk.ip)
	k := flowKey{pk.dom.vrf, proto, netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)}
	now := w.p.clock.Now().UnixNano()
	syn := flags&(header.TCPFlagSYN|header.TCPFlagACK|header.TCPFlagRST) == header.TCPFlagSYN
	f := ft.lookup(k)
	if f != nil && syn && f.ended() {
		// A new connection on the tuple of one that ended: decided
		// afresh, as the listeners may have changed.
		ft.remove(f)
		f = nil
	}
	if f == nil {
		if !on || proto == header.ProtoTCP && !syn || !w.acceptable(pk.dom.vrf, def, proto, dst, dport, now) {
			return false
		}
		if f = ft.add(k, now); f == nil {
			w.drop(pk, ReasonAcceptFull)
			return true
		}
	}
	f.observe(now, flags, true)
	setPort(proto, l4, 0, f.port)
	if !w.toStack(0, pk.ip) {
		w.drop(pk, ReasonTxError)
		return true
	}
	w.delivered()
	return true
}

// acceptable reports whether a new flow of proto to addr:port in VRF vrf
// goes to the default stack: the VRF's own stack has no socket for the
// flow (a socket bound to the VRF comes first), the default stack
// carries addr (control.Snapshot.AcceptTarget) and has one.
func (w *worker) acceptable(vrf int, def *stackBinding, proto uint8, addr netip.Addr, port uint16, now int64) bool {
	// The VRF's own sockets first: with udp_l3mdev_accept every
	// datagram they get asks, and the answer is known.
	if own := w.p.stack(vrf); own != nil && !own.gone.Load() && own.accept.listens(proto, addr, port, now) {
		return false
	}
	return w.snap.AcceptTarget(addr) && def.accept.listens(proto, addr, port, now)
}

// acceptOut turns a packet the default host stack sent back into the
// accepted flow it belongs to, if it does: the client's own port
// restored, and pk's domain the flow's VRF, where it is then routed as
// that VRF's stack's packets are. A TCP segment or UDP datagram belongs
// by its addresses and ports; an ICMP error by the packet it quotes. A
// flow whose VRF has gone drops the packet.
func (w *worker) acceptOut(pk *packet, proto uint8, l4 []byte) Reason {
	def := w.p.stack(0)
	if def == nil || def.accept.flows.len() == 0 {
		return none
	}
	ft := def.accept.flows
	var f *flow
	switch proto {
	case header.ProtoTCP, header.ProtoUDP:
		sport, dport, flags, ok := transportPorts(proto, l4)
		if !ok {
			return none
		}
		src, dst := addrs(pk.ip)
		if f = ft.lookupInner(innerKey{proto, netip.AddrPortFrom(dst, dport), netip.AddrPortFrom(src, sport)}); f == nil {
			return none
		}
		f.observe(w.p.clock.Now().UnixNano(), flags, false)
		setPort(proto, l4, 2, f.key.client.Port())
	case header.ProtoICMP, header.ProtoICMPv6:
		if f = quotedFlow(ft, 0, pk.v6(), l4, false); f == nil {
			return none
		}
	default:
		return none
	}
	l := w.snap.Link(f.key.vrf)
	if l == nil || l.Kind != control.KindVRF {
		return ReasonNoPort
	}
	pk.dom = domain{l.Index, l.Table}
	pk.vrf = w.p.vrfs.get(l.Index)
	pk.iif = l.Index
	return none
}

// acceptedError reports whether ip, a packet for the host stack of VRF
// vrf, is an ICMP error about a flow accepted into the default stack —
// from the network, or the router's own about a packet of the flow — and
// if so rewrites its quote as the default stack knows the flow: the
// error then goes there.
func (w *worker) acceptedError(vrf int, ip []byte) bool {
	def := w.p.stack(0)
	if def == nil || def.accept.flows.len() == 0 || len(ip) == 0 {
		return false
	}
	switch ip[0] >> 4 {
	case 4:
		v := header.IPv4(ip)
		return v.Protocol() == header.ProtoICMP && !v.IsFragment() &&
			quotedFlow(def.accept.flows, vrf, false, v.Payload(), true) != nil
	case 6:
		v := header.IPv6(ip)
		return v.NextHeader() == header.ProtoICMPv6 &&
			quotedFlow(def.accept.flows, vrf, true, v.Payload(), true) != nil
	}
	return false
}

// quotedFlow returns the accepted flow the ICMP or ICMPv6 error m quotes
// a packet of, and rewrites the client port in the quote for the other
// side, keeping the error's checksum right: toInner, an error about the
// server's packet (server → client) that goes into the default stack,
// of VRF vrf; otherwise one the default stack sent about the client's
// packet, which goes back out. Nil for anything else.
func quotedFlow(ft *flowTable, vrf int, v6 bool, m []byte, toInner bool) *flow {
	if len(m) < header.ICMPv4MinLen {
		return nil
	}
	var proto uint8
	var src, dst netip.Addr
	var q []byte // the quoted transport header, at least its ports
	if v6 {
		v := header.IPv6(m[header.ICMPv6MinLen:])
		if !header.IsICMPv6Error(m[0]) || len(v) < header.IPv6Len+4 || v[0]>>4 != 6 {
			return nil
		}
		proto, src, dst, q = v.NextHeader(), v.Src(), v.Dst(), v[header.IPv6Len:]
	} else {
		v := header.IPv4(m[header.ICMPv4MinLen:])
		if !header.IsICMPv4Error(m[0]) || len(v) < header.IPv4MinLen || v[0]>>4 != 4 ||
			len(v) < v.HeaderLen()+4 || v.FragmentOffset() != 0 {
			return nil
		}
		proto, src, dst, q = v.Protocol(), v.Src(), v.Dst(), v[v.HeaderLen():]
	}
	if proto != header.ProtoTCP && proto != header.ProtoUDP {
		return nil
	}
	sport, dport := binary.BigEndian.Uint16(q[0:]), binary.BigEndian.Uint16(q[2:])
	if toInner {
		f := ft.lookup(flowKey{vrf, proto, netip.AddrPortFrom(dst, dport), netip.AddrPortFrom(src, sport)})
		if f != nil {
			setQuotedPort(m, proto, q, 2, f.port)
		}
		return f
	}
	f := ft.lookupInner(innerKey{proto, netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)})
	if f != nil {
		setQuotedPort(m, proto, q, 0, f.key.client.Port())
	}
	return f
}

// transportPorts returns the ports and TCP flags of a TCP segment or UDP
// datagram; false if its header is cut short.
func transportPorts(proto uint8, l4 []byte) (sport, dport uint16, flags header.TCPFlags, ok bool) {
	if proto == header.ProtoTCP {
		t := header.TCP(l4)
		if t.Validate() != header.ReasonNone {
			return 0, 0, 0, false
		}
		return t.SrcPort(), t.DstPort(), t.Flags(), true
	}
	u := header.UDP(l4)
	if u.Validate() != header.ReasonNone {
		return 0, 0, 0, false
	}
	return u.SrcPort(), u.DstPort(), 0, true
}

// addrs returns the source and destination of a validated IP packet.
func addrs(ip []byte) (src, dst netip.Addr) {
	if ip[0]>>4 == 6 {
		return header.IPv6(ip).Src(), header.IPv6(ip).Dst()
	}
	return header.IPv4(ip).Src(), header.IPv4(ip).Dst()
}

// checksumAt is where TCP and UDP keep their checksum.
func checksumAt(proto uint8) int {
	if proto == header.ProtoTCP {
		return 16
	}
	return 6
}

// setPort writes port at offset off (0 the source port, 2 the
// destination) of a validated TCP or UDP header and updates its
// checksum (RFC 1624); a UDP datagram sent without one keeps none.
func setPort(proto uint8, l4 []byte, off int, port uint16) {
	old := binary.BigEndian.Uint16(l4[off:])
	if old == port {
		return
	}
	binary.BigEndian.PutUint16(l4[off:], port)
	at := checksumAt(proto)
	binary.BigEndian.PutUint16(l4[at:], newChecksum(proto, binary.BigEndian.Uint16(l4[at:]), old, port))
}

// newChecksum returns the transport checksum c after a word of what it
// covers changed from old to now. UDP's 0 means none and stays; a
// computed 0 goes as 0xffff (RFC 768).
func newChecksum(proto uint8, c, old, now uint16) uint16 {
	if proto == header.ProtoUDP && c == 0 {
		return 0
	}
	c = header.UpdateChecksum(c, old, now)
	if proto == header.ProtoUDP && c == 0 {
		c = 0xffff
	}
	return c
}

// setQuotedPort writes port at offset off of the transport header q an
// ICMP error m quotes, with the quoted checksum when the quote holds it,
// and updates m's own checksum for both words (m's 16-bit words and q's
// are aligned alike: q starts an even number of octets in).
func setQuotedPort(m []byte, proto uint8, q []byte, off int, port uint16) {
	old := binary.BigEndian.Uint16(q[off:])
	if old == port {
		return
	}
	binary.BigEndian.PutUint16(q[off:], port)
	sum := header.UpdateChecksum(binary.BigEndian.Uint16(m[2:]), old, port)
	if at := checksumAt(proto); len(q) >= at+2 {
		c := binary.BigEndian.Uint16(q[at:])
		nc := newChecksum(proto, c, old, port)
		binary.BigEndian.PutUint16(q[at:], nc)
		sum = header.UpdateChecksum(sum, c, nc)
	}
	binary.BigEndian.PutUint16(m[2:], sum)
}

// AcceptedFlows returns the number of flows the default VRF's servers
// accepted from other VRFs (tcp_l3mdev_accept, udp_l3mdev_accept) that
// are not over yet.
func (p *Plane) AcceptedFlows() int {
	if sb := p.stack(0); sb != nil {
		return sb.accept.flows.len()
	}
	return 0
}

// expireAccepted ends the accepted flows that are over by now; the
// timers call it.
func (p *Plane) expireAccepted(now time.Time) {
	if sb := p.stack(0); sb != nil {
		sb.accept.flows.expire(now.UnixNano())
	}
}
