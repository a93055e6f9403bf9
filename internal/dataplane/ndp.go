package dataplane

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// ndiscRcv is ndisc_rcv for an NDP message received on a port and
// addressed to the router, whichever of its addresses: validated (RFC
// 4861 §6.1, §7.1, §8.1; RFC 6980), it teaches the port's neighbour
// cache, and a Neighbor Solicitation for an address of the receiving port
// or of its VRF device is answered (§7.2.3: the receiving interface's
// addresses, as ipv6_get_ifaddr with strict matching, then the l3mdev
// master's). An advertisement for an address of the receiving port is
// dropped, as ndisc_recv_na drops it. Router Solicitations are taken for
// their link-layer address only, and only while IPv6 forwarding is on, as
// ndisc_recv_rs takes them: govrf sends no Router Advertisements.
// Redirects are for hosts (§8.1). A VRF's port keeps as its own only NDP
// right after the fixed header (vrf_ip6_rcv's ipv6_ndisc_frame): with
// extension headers the message goes to the VRF device, which answers
// and learns nothing for the port; it is validated all the same.
func (w *worker) ndiscRcv(pk *packet, ip header.IPv6) {
	c := pk.chain
	if r := header.ValidateNDP(ip, c); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	if pk.link.Master != 0 && ip.NextHeader() != header.ProtoICMPv6 {
		w.drop(pk, ReasonNDPVRFDevice)
		return
	}
	m := ip.Upper(c)
	src := ip.Src()
	var f neigh.Flags
	switch m[0] {
	case header.ICMPv6NeighborSolicit:
		ns := header.NeighborSolicit(m)
		own := w.ownTarget(pk.link, ns.Target())
		if !own && !w.anycastTarget(pk.link, ns.Target()) {
			break // not ours: nothing to learn or answer
		}
		mac, ok := ns.Options().LinkAddr(header.NDPOptSourceLinkAddr)
		if src.IsUnspecified() {
			w.neighAdvert(pk, ns, mac, own) // duplicate address detection
			break
		}
		f |= neigh.FlagTarget
		if !ip.Dst().IsMulticast() {
			f |= neigh.FlagUnicast
		}
		if !ok {
			// ndisc_recv_ns: without an address the answer goes
			// through the cache. A multicast NS makes no entry and is
			// answered only through one there is; a unicast one makes
			// an entry, which resolves before the answer leaves.
			f |= neigh.FlagNoLinkAddr
			if _, known := pk.in.neigh.Get(src); !known && ip.Dst().IsMulticast() {
				break
			}
		}
		w.acts = pk.in.neigh.Input(w.acts[:0], src, mac, neigh.NeighborSolicit, f)
		w.neighActions(pk.in, w.acts)
		w.neighAdvert(pk, ns, mac, own)
	case header.ICMPv6NeighborAdvert:
		na := header.NeighborAdvert(m)
		if hasAddr(pk.link, na.Target()) {
			w.drop(pk, ReasonOf(header.ReasonNDPBadTarget)) // our own address
			return
		}
		mac, ok := na.Options().LinkAddr(header.NDPOptTargetLinkAddr)
		if !ok {
			f |= neigh.FlagNoLinkAddr
		}
		fl := na.Flags()
		for _, b := range [...]struct {
			na uint8
			f  neigh.Flags
		}{{header.NAFlagSolicited, neigh.FlagSolicited}, {header.NAFlagOverride, neigh.FlagOverride}, {header.NAFlagRouter, neigh.FlagRouter}} {
			if fl&b.na != 0 {
				f |= b.f
			}
		}
		w.acts = pk.in.neigh.Input(w.acts[:0], na.Target(), mac, neigh.NeighborAdvert, f)
		w.neighActions(pk.in, w.acts)
	case header.ICMPv6RouterSolicit, header.ICMPv6RouterAdvert:
		msg, opts := neigh.RouterSolicit, header.RouterSolicit(m).Options()
		if m[0] == header.ICMPv6RouterAdvert {
			msg, opts = neigh.RouterAdvert, header.RouterAdvert(m).Options()
		}
		if msg == neigh.RouterSolicit && !w.snap.Sysctl().IPv6Forwarding {
			break
		}
		if mac, ok := opts.LinkAddr(header.NDPOptSourceLinkAddr); ok && !src.IsUnspecified() {
			w.acts = pk.in.neigh.Input(w.acts[:0], src, mac, msg, 0)
			w.neighActions(pk.in, w.acts)
		}
	case header.ICMPv6Redirect:
		w.drop(pk, ReasonRedirect)
		return
	}
	w.delivered()
}

// ownTarget reports whether a Neighbor Solicitation received on l for
// target is for the router: an address of l, or of l's VRF device.
func (w *worker) ownTarget(l *control.Link, target netip.Addr) bool {
	if hasAddr(l, target) {
		return true
	}
	m := w.snap.Link(l.Master)
	return l.Master != 0 && m != nil && hasAddr(m, target)
}

// anycastTarget reports whether target is a subnet-router anycast
// address of l (RFC 4291 §2.6.1), which a forwarding node joins on the
// link (addrconf_join_anycast) and answers solicitations for
// (ipv6_chk_acast_addr); as the anycast routes, /127 and /128 have none.
func (w *worker) anycastTarget(l *control.Link, target netip.Addr) bool {
	if !w.snap.Sysctl().IPv6Forwarding {
		return false
	}
	for _, a := range l.Addrs {
		if p := a.Prefix; p.Addr().Is6() && p.Bits() < 127 && p.Masked().Addr() == target && !target.IsUnspecified() {
			return true
		}
	}
	return false
}

// neighAdvert answers a Neighbor Solicitation in its own buffer (RFC 4861
// §7.2.4): to its source at mac (zero: at the address the port's cache
// has or resolves for it), solicited; or, for duplicate address
// detection, to all nodes, unsolicited. R is set since govrf forwards
// when IPv6 forwarding is on. As ndisc_recv_ns answers, the target
// link-layer option and O go with the answer to a multicast solicitation
// or to duplicate address detection, not to a unicast one, and O only
// for a unicast address of the router (own), never an anycast one.
func (w *worker) neighAdvert(pk *packet, ns header.NeighborSolicit, mac header.MAC, own bool) {
	target := ns.Target()
	dst := header.IPv6(pk.ip).Src()
	flags := uint8(header.NAFlagSolicited | header.NAFlagOverride)
	tll := pk.in.mac
	if !header.IPv6(pk.ip).Dst().IsMulticast() {
		flags, tll = header.NAFlagSolicited, header.MAC{}
	}
	dmac := mac
	if dst.IsUnspecified() {
		dst, dmac, flags, tll = allNodes, multicastMAC(allNodes), header.NAFlagOverride, pk.in.mac
	}
	if !own {
		flags &^= header.NAFlagOverride
	}
	if w.snap.Sysctl().IPv6Forwarding {
		flags |= header.NAFlagRouter
	}
	f := pk.buf[:header.EthernetLen+header.NeighborSolicitBufLen]
	n := header.PutNeighborAdvert(f[header.EthernetLen:], target, dst, target, flags, tll)
	if dmac == (header.MAC{}) {
		if r := w.neighOutput(pk.in, dst, f[:header.EthernetLen+n], 0); r != none {
			w.txDrop(pk.in, pk.dom.vrf, r)
		}
		return
	}
	header.Ethernet(f).Encode(dmac, pk.in.mac, header.EtherTypeIPv6)
	w.queue(pk.in, f[:header.EthernetLen+n])
}
