package dataplane

import (
	"encoding/binary"
	"net/netip"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/rule"
)

var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// ipRcv is ip_rcv and ip_rcv_finish up to the route: RFC 1812 §5.2.2
// validation (which no configuration may disable), martians, options,
// then the input route in the port's VRF.
func (w *worker) ipRcv(pk *packet, ip header.IPv4) {
	if r := ip.Validate(); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	ip = ip.Packet() // Ethernet padding off
	pk.ip = ip
	src, dst := ip.Src(), ip.Dst()
	if r := martian4(src, dst); r != none {
		w.drop(pk, r)
		return
	}
	if ip.HeaderLen() > header.IPv4MinLen {
		if prob := ip.CheckOptions(); !prob.OK() {
			w.paramProblem(pk, prob)
			return
		}
		if _, _, ok := ip.FindOption(header.IPv4OptLSRR); ok {
			w.drop(pk, ReasonSourceRoute)
			return
		}
		if _, _, ok := ip.FindOption(header.IPv4OptSSRR); ok {
			w.drop(pk, ReasonSourceRoute)
			return
		}
	}
	switch {
	case dst == limitedBroadcast || dst.IsUnspecified():
		// ip_route_input_slow's brd_input: for the router, never forwarded
		// (RFC 1812 §5.3.5).
		pk.group = true
		w.ipLocalDeliver(pk, pk.dom)
		return
	case dst.IsMulticast():
		w.drop(pk, ReasonMulticast)
		return
	case pk.l2 != pktHost:
		w.drop(pk, ReasonL2BroadcastUnicast) // RFC 1812 §5.3.4
		return
	}
	w.ipRouteInput(pk, ip)
}

// martian4 applies ip_route_input_slow's address checks, in its order:
// a multicast or limited-broadcast source; a 0/8 source unless the packet
// is 0.0.0.0 → 0.0.0.0 or to the limited broadcast; a 0/8 or loopback
// destination; a loopback source (RFC 1812 §5.3.7; route_localnet off).
func martian4(src, dst netip.Addr) Reason {
	switch {
	case src.IsMulticast() || src == limitedBroadcast:
		return ReasonMartianSource
	case dst == limitedBroadcast || src.IsUnspecified() && dst.IsUnspecified():
		return none
	case zeronet(src):
		return ReasonMartianSource
	case zeronet(dst) || dst.IsLoopback():
		return ReasonMartianDestination
	case src.IsLoopback():
		return ReasonMartianSource
	}
	return none
}

// zeronet reports whether a is in 0.0.0.0/8, "this network".
func zeronet(a netip.Addr) bool { return a.As4()[0] == 0 }

// ipRouteInput looks the packet up (l3mdev_ip_rcv, fib_lookup) and sends
// it on to local delivery or forwarding, or answers a failed lookup as
// ip_error does.
func (w *worker) ipRouteInput(pk *packet, ip header.IPv4) {
	f := rule.Flow{Src: ip.Src(), Dst: ip.Dst(), Iif: pk.iif, Tos: ip.TOS() & 0xfc, IPProto: ip.Protocol()}
	if ip.FragmentOffset() == 0 {
		f.Sport, f.Dport = ports(ip.Protocol(), ip.Payload())
	}
	fwd := w.snap.Sysctl().IPForward
	res, err := w.fibLookupPacket(&f, ip)
	if err != nil {
		r := routeErr(err)
		if fwd && r != ReasonBlackhole {
			w.icmpError(pk, r, 0)
			return
		}
		w.drop(pk, r)
		return
	}
	switch res.Type {
	case fib.TypeBroadcast, fib.TypeLocal:
		if !w.validSource4(pk, ip, 0) {
			w.drop(pk, ReasonMartianSource)
			return
		}
		pk.local = res.Type == fib.TypeLocal
		pk.group = !pk.local
		w.ipLocalDeliver(pk, pk.dom)
		return
	case fib.TypeUnicast:
	default:
		w.drop(pk, ReasonMartianDestination)
		return
	}
	if !fwd {
		w.drop(pk, ReasonForwardingDisabled)
		return
	}
	if !w.validSource4(pk, ip, res.Nexthop.Dev) {
		w.drop(pk, ReasonMartianSource)
		return
	}
	w.ipForward(pk, res)
}

// validSource4 is fib_validate_source with rp_filter and accept_local
// off, as it runs once VRFs have added rules: the source looked up from
// the output link (lo for local delivery) in the ingress VRF must not be
// one of the router's own or broadcast addresses. A source that does not
// route at all passes (no reverse-path filtering).
func (w *worker) validSource4(pk *packet, ip header.IPv4, oif int) bool {
	src := ip.Src()
	if src.IsUnspecified() {
		return true
	}
	if oif == 0 {
		oif = loopback
	}
	f := rule.Flow{Src: ip.Dst(), Dst: src, Iif: oif, L3mdev: pk.dom.vrf, L3mdevTable: pk.dom.table, Tos: ip.TOS() & 0xfc}
	if w.snap.Dissects(fib.IPv4) {
		// The reverse flow keeps the protocol and swaps the ports.
		f.IPProto = ip.Protocol()
		if ip.FragmentOffset() == 0 {
			f.Dport, f.Sport = ports(ip.Protocol(), ip.Payload())
		}
	}
	res, err := w.fibLookup(&f)
	return err != nil || res.Type == fib.TypeUnicast
}

// ports returns the ports of a TCP or UDP header for the rule selectors.
func ports(proto uint8, l4 []byte) (sport, dport uint16) {
	if (proto == header.ProtoTCP || proto == header.ProtoUDP) && len(l4) >= 4 {
		return binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	}
	return 0, 0
}
