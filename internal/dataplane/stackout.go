package dataplane

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
)

// stackBatch runs the output path over n packets host stack sb sent, read
// into w.bufs behind room for an Ethernet header, then writes what they
// produced.
func (w *worker) stackBatch(sb *stackBinding, n int) {
	w.snap = w.p.ctl.Snapshot()
	w.syncLinks()
	dom := domain{}
	if sb.vrf != 0 {
		l := w.snap.Link(sb.vrf)
		if l == nil || l.Kind != control.KindVRF {
			// The VRF went before its stack was detached.
			sb.stats.drop(ReasonNoPort, uint64(n))
			return
		}
		dom = domain{l.Index, l.Table}
	}
	w.vrfIn = w.p.vrfs.get(dom.vrf)
	for i := range n {
		w.localOut(sb, dom, w.bufs[i], w.sizes[i])
	}
	sb.stats.addRx(&w.rx)
	w.rx = rxBatch{}
	w.flush()
	w.forget()
}

// iif is the link a host stack's packets come from, as their answers
// find their way back: the VRF device for a VRF's stack (a VRF socket's
// packets carry it), lo for the default VRF's.
func (sb *stackBinding) iif() int {
	if sb.vrf != 0 {
		return sb.vrf
	}
	return loopback
}

// localOut is ip_local_out for one packet of size octets a host stack
// sent, at buf[EthernetLen:]: routed in the stack's domain as a socket
// bound to the VRF is (flowi_oif the VRF), with no TTL decrement; a
// route back to one of the router's addresses delivers it there
// (vrf_local_xmit), in whichever domain a leak led to. The stack's kernel
// built the packet, but it is checked like any other: a host stack is
// software govrf does not control.
func (w *worker) localOut(sb *stackBinding, dom domain, buf []byte, size int) {
	w.rx.packets++
	w.rx.bytes += uint64(size)
	ip := buf[header.EthernetLen : header.EthernetLen+size]
	pk := &w.pk
	*pk = packet{stats: &sb.stats, iif: sb.iif(), dom: dom, vrf: w.vrfIn, buf: buf, ip: ip}
	var r Reason
	switch {
	case size == 0:
		r = ReasonEtherType
	case ip[0]>>4 == 4:
		r = w.localOut4(pk)
	case ip[0]>>4 == 6:
		r = w.localOut6(pk)
	default:
		r = ReasonEtherType
	}
	if r != none {
		w.drop(pk, r)
	}
}

// localOut4 checks and routes an IPv4 packet from a host stack, and
// returns why it was dropped, if it was.
func (w *worker) localOut4(pk *packet) Reason {
	v := header.IPv4(pk.ip)
	if r := v.Validate(); r != header.ReasonNone {
		return ReasonOf(r)
	}
	v = v.Packet()
	pk.ip = v
	pk.frame = pk.buf[:header.EthernetLen+len(v)]
	dst := v.Dst()
	if dst.IsMulticast() || dst == limitedBroadcast {
		return ReasonMulticast
	}
	if pk.dom.vrf == 0 {
		if r := w.acceptOut4(pk, v); r != none {
			return r
		}
	}
	var rt route
	switch {
	case !w.localRoute(pk, &rt, v.Src(), dst, v.TOS()&0x1e):
		return none
	case len(v) <= rt.mtu:
		return w.localXmit(pk, &rt)
	case v.DF():
		w.icmpError(pk, ReasonFragNeeded, uint32(rt.mtu))
		return none
	}
	if r := w.fragment(&rt, v, pk.iif); r != none {
		return r
	}
	w.forwarded()
	return none
}

// localOut6 checks and routes an IPv6 packet from a host stack. The
// stack's own multicast (MLD, router solicitations) and link-local
// traffic stays on its device: govrf routes neither.
func (w *worker) localOut6(pk *packet) Reason {
	v := header.IPv6(pk.ip)
	if r := v.Validate(); r != header.ReasonNone {
		return ReasonOf(r)
	}
	v = v.Packet()
	pk.ip = v
	pk.frame = pk.buf[:header.EthernetLen+len(v)]
	src, dst := v.Src(), v.Dst()
	switch {
	case dst.IsMulticast():
		return ReasonMulticast
	case dst.IsLinkLocalUnicast() || src.IsLinkLocalUnicast():
		return ReasonLinkLocal
	}
	c, prob := v.Walk(maxExtHeaders)
	if !prob.OK() {
		return ReasonOf(prob.Reason)
	}
	pk.chain = c
	if pk.dom.vrf == 0 {
		if r := w.acceptOut6(pk, v, c); r != none {
			return r
		}
	}
	var rt route
	switch {
	case !w.localRoute(pk, &rt, src, dst, 0):
		return none
	case len(v) > rt.mtu:
		w.icmpError(pk, ReasonPacketTooBig, uint32(rt.mtu))
		return none
	}
	return w.localXmit(pk, &rt)
}

// localRoute routes a host stack's packet in its domain into rt and
// reports whether it is to be sent on rt. A refused route is answered
// into the stack; a route to one of the router's addresses delivers the
// packet there (vrf_local_xmit).
func (w *worker) localRoute(pk *packet, rt *route, src, dst netip.Addr, tos uint8) bool {
	if r := w.outputRouteFlow(rt, pk.dom, stackFlow(pk, src, dst, tos)); r != none {
		w.icmpError(pk, r, 0)
		return false
	}
	if !rt.local {
		return true
	}
	pk.local = true
	if pk.v6() {
		w.ip6LocalDeliver(pk, rt.dom)
	} else {
		w.ipLocalDeliver(pk, rt.dom)
	}
	return false
}

// localXmit hands a host stack's packet that fits rt to neigh_output.
func (w *worker) localXmit(pk *packet, rt *route) Reason {
	if r := w.neighOutput(rt.out, rt.nh, pk.frame, pk.iif); r != none {
		return r
	}
	w.forwarded()
	return none
}

// countersOf returns the counters of what came in on link iif: its
// port's, or the host stack's whose packets carry it (see iif).
func (p *Plane) countersOf(iif int) *counters {
	if b := p.binding(iif); b != nil {
		return &b.stats
	}
	vrf := iif
	if iif == loopback {
		vrf = 0
	}
	if sb := p.stack(vrf); sb != nil {
		return &sb.stats
	}
	return &p.orphans
}
