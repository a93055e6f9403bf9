package dataplane

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/rule"
)

// arpRcv is arp_rcv and arp_process. Whether a request is for us is the
// input route of a packet from its sender to its target, as the kernel
// asks ip_route_input_noref: a local route in the port's L3 domain, so a
// request is answered for any address of the port's VRF (arp_ignore=0),
// never for another VRF's (I2), and never from a martian sender (a
// multicast, limited broadcast or loopback address, or one of the
// router's own). A probe's target is looked up alone, as
// inet_addr_type_dev_table does. The sender teaches the port's cache: a
// request for us creates its entry, anything else only refreshes one
// (arp_accept=0).
func (w *worker) arpRcv(pk *packet, a header.ARP) {
	if r := a.Validate(); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	sip, tip, sha := a.SenderIP(), a.TargetIP(), a.SenderMAC()
	if tip.IsMulticast() || tip.IsLoopback() {
		w.drop(pk, ReasonARPMartian)
		return
	}
	request := a.Op() == header.ARPRequest
	var ours bool
	if request && !sip.IsUnspecified() {
		ours = w.arpForUs(pk.iif, sip, tip)
	} else {
		ours = w.isLocal(pk.iif, sip, tip)
	}
	if sip.IsUnspecified() {
		// An address probe (RFC 5227 §2.1.1) teaches nothing; a probe
		// for our address is answered so the prober backs off.
		if request && ours {
			w.arpReply(pk, sha, sip, tip)
		}
		w.delivered()
		return
	}
	var f neigh.Flags
	if ours {
		f |= neigh.FlagTarget
	}
	if pk.l2 == pktHost {
		f |= neigh.FlagUnicast
	}
	msg := neigh.ARPReply
	if request {
		msg = neigh.ARPRequest
	}
	if sip == tip && (request || a.TargetMAC() == sha) {
		f |= neigh.FlagGratuitous // arp_is_garp
	}
	w.acts = pk.in.neigh.Input(w.acts[:0], sip, sha, msg, f)
	w.neighActions(pk.in, w.acts)
	if request && ours {
		w.arpReply(pk, sha, sip, tip)
	}
	w.delivered()
}

// isLocal reports whether dst is a local address for a packet from src
// arriving on link iif: the route lookup arp_process makes.
func (w *worker) isLocal(iif int, src, dst netip.Addr) bool {
	f := rule.Flow{Src: src, Dst: dst, Iif: iif}
	res, err := w.fibLookup(&f)
	return err == nil && res.Type == fib.TypeLocal
}

// arpForUs reports whether the input route of a packet from src to dst
// arriving on link iif is local: the lookup arp_process makes for a
// request, martian and source checks included.
func (w *worker) arpForUs(iif int, src, dst netip.Addr) bool {
	f := rule.Flow{Src: src, Dst: dst, Iif: iif}
	in := &w.in
	w.router.Input(w.snap, &f, nil, in)
	return in.Refused == control.Accepted && in.Type == fib.TypeLocal
}

// arpReply answers a request in the request's own buffer: tip is at
// our MAC.
func (w *worker) arpReply(pk *packet, sha header.MAC, sip, tip netip.Addr) {
	f := pk.buf[:header.EthernetLen+header.ARPLen]
	header.Ethernet(f).Encode(sha, pk.in.mac, header.EtherTypeARP)
	header.ARP(f[header.EthernetLen:]).Encode(header.ARPReply, pk.in.mac, tip, sha, sip)
	w.queue(pk.in, f)
}
