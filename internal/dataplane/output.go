package dataplane

import (
	"encoding/binary"
	"net/netip"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// send puts a frame the router made on its way out by rt (ip_local_out),
// or into the host stack of rt's domain when it routes back to the
// router (a local route: an answer to the stack's own packet):
// an IPv4 packet longer than the MTU is fragmented, since the router's
// own packets do not set DF; an IPv6 one is fragmented by its source,
// the router (fragment6).
func (w *worker) send(rt *route, frame []byte) {
	ip := frame[header.EthernetLen:]
	if rt.local {
		w.toStack(rt.dom.vrf, ip)
		return
	}
	var r Reason
	switch {
	case len(ip) <= rt.mtu:
		r = w.neighOutput(rt.out, rt.nh, frame, 0)
	case ethernet(ip) == header.EtherTypeIPv4:
		r = w.fragment(rt, header.IPv4(ip), 0)
	default:
		r = w.fragment6(rt, header.IPv6(ip))
	}
	if r != none {
		w.txDrop(rt.out, rt.dom.vrf, r)
	}
}

// neighOutput is neigh_output: it fills in the Ethernet header of frame
// for next hop nh on port b and queues it, or leaves it in b's neighbour
// cache while nh resolves. iif is the link the packet arrived on, 0 for
// one the router made: a queued frame carries it in its destination MAC
// (metaMAC) so that a failed resolution can be answered from the ingress
// VRF.
func (w *worker) neighOutput(b *binding, nh netip.Addr, frame []byte, iif int) Reason {
	eth := header.Ethernet(frame)
	et := ethernet(frame[header.EthernetLen:])
	if nh.Is6() && nh.IsMulticast() {
		eth.Encode(multicastMAC(nh), b.mac, et)
		w.queueFrom(b, frame, iif)
		return none
	}
	if mac, ok := w.neighLookup(b.neigh, nh); ok {
		eth.Encode(mac, b.mac, et)
		w.queueFrom(b, frame, iif)
		w.marked(b, frame, iif)
		return none
	}
	eth.Encode(metaMAC(iif), b.mac, et)
	v, mac := b.neigh.Resolve(nh, frame)
	switch v {
	case neigh.Ready:
		eth.SetDst(mac)
		w.queueFrom(b, frame, iif)
		w.marked(b, frame, iif)
	case neigh.Solicit:
		w.solicit(b, nh, false, header.MAC{})
	case neigh.Dropped:
		return ReasonNeighDropped
	case neigh.TableFull:
		return ReasonNeighTableFull
	case neigh.GlobalFull:
		return ReasonNeighGlobalFull
	}
	return none
}

// metaMAC stores the ingress link index in a queued frame's destination
// address, which resolution overwrites. The locally administered bit
// keeps it from passing for a real MAC if it ever leaked.
func metaMAC(iif int) header.MAC {
	m := header.MAC{0x02}
	binary.BigEndian.PutUint32(m[2:], uint32(iif))
	return m
}

// metaIif reads what metaMAC stored.
func metaIif(frame []byte) int { return int(binary.BigEndian.Uint32(frame[2:6])) }

// neighActions carries out what port b's neighbour cache asked for.
func (w *worker) neighActions(b *binding, acts []neigh.Action) {
	for i := range acts {
		a := &acts[i]
		switch a.Op {
		case neigh.OpSolicit:
			w.solicit(b, a.Addr, a.Unicast, a.MAC)
		case neigh.OpTransmit:
			f := a.Packet.Bytes()
			iif := metaIif(f)
			header.Ethernet(f).SetDst(a.MAC)
			w.queueFrom(b, f, iif)
			w.held = append(w.held, a.Packet)
		case neigh.OpUnreachable:
			w.neighFailed(b, a.Packet.Bytes())
			a.Packet.Release()
		}
		a.Packet = nil
	}
}

// solicit sends an ARP request or a Neighbor Solicitation for target on
// b: broadcast / to the solicited-node group, or a unicast probe to mac.
// ARP speaks from b's address for target's subnet (arp_solicit with
// arp_announce 0), NDP from b's link-local address (ndisc_solicit); a
// port without one cannot solicit.
func (w *worker) solicit(b *binding, target netip.Addr, unicast bool, mac header.MAC) {
	l := w.snap.Link(b.index)
	if l == nil {
		return
	}
	if target.Is4() {
		src := w.snap.SelectSrc4(b.index, target, fib.ScopeLink)
		dst := header.BroadcastMAC
		if unicast {
			dst = mac
		}
		f := w.buffer(header.EthernetLen + header.ARPLen)
		header.Ethernet(f).Encode(dst, b.mac, header.EtherTypeARP)
		header.ARP(f[header.EthernetLen:]).Encode(header.ARPRequest, b.mac, src, header.MAC{}, target)
		w.queue(b, f)
		return
	}
	src := linkLocal(l)
	if !src.IsValid() {
		return
	}
	dst := header.SolicitedNode(target)
	dmac := multicastMAC(dst)
	if unicast {
		dst, dmac = target, mac
	}
	f := w.buffer(header.EthernetLen + header.NeighborSolicitBufLen)
	n := header.PutNeighborSolicit(f[header.EthernetLen:], src, dst, target, b.mac)
	header.Ethernet(f).Encode(dmac, b.mac, header.EtherTypeIPv6)
	w.queue(b, f[:header.EthernetLen+n])
}

// neighFailed answers a frame whose next hop on b never resolved with
// host unreachable (ICMPv6 address unreachable), routed and sourced in
// the VRF it arrived in (arp_error_report, ndisc_error_report; RFC 4861
// §7.2.2). Frames the router made are dropped.
func (w *worker) neighFailed(b *binding, frame []byte) {
	vrf := w.domainOf(b.index).vrf
	w.txDrop(b, vrf, ReasonNeighFailed)
	iif := metaIif(frame)
	if iif == 0 || len(frame) <= header.EthernetLen {
		return
	}
	buf := w.buffer(max(len(frame), minBufLen))
	copy(buf, frame)
	pk := &w.errPk
	dom := w.domainOf(iif)
	in := w.p.binding(iif)
	*pk = packet{in: in, stats: w.p.countersOf(iif), iif: iif, dom: dom, vrf: w.p.vrfs.get(dom.vrf),
		buf: buf, frame: buf[:len(frame)], ip: buf[header.EthernetLen:len(frame)]}
	if pk.v6() {
		pk.chain, _ = header.IPv6(pk.ip).Walk(maxExtHeaders)
	}
	typ, code, _ := errorFor(ReasonNeighFailed, pk.v6())
	w.icmpSend(pk, typ, code, 0)
}
