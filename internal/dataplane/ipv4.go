package dataplane

import (
	"encoding/binary"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/rule"
)

// ipRcv is ip_rcv and ip_rcv_finish up to the route: RFC 1812 §5.2.2
// validation (which no configuration may disable), options, then the
// input route in the port's VRF.
func (w *worker) ipRcv(pk *packet, ip header.IPv4) {
	if r := ip.Validate(); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	ip = ip.Packet() // Ethernet padding off
	pk.ip = ip
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
	w.ipRouteInput(pk, ip)
}

// ipRouteInput takes the input route (control.Router.Input, the decision
// `route get ... iif` reports) and sends the packet on to local delivery
// or forwarding, or answers a failed lookup as ip_error does.
func (w *worker) ipRouteInput(pk *packet, ip header.IPv4) {
	f := rule.Flow{Src: ip.Src(), Dst: ip.Dst(), Iif: pk.iif, Tos: ip.TOS() & 0xfc, IPProto: ip.Protocol()}
	if ip.FragmentOffset() == 0 {
		f.Sport, f.Dport = ports(ip.Protocol(), ip.Payload())
	}
	in := w.routeInput(pk, &f, ip)
	if in.Refused != control.Accepted {
		w.refused(pk, in)
		return
	}
	switch in.Type {
	case fib.TypeLocal:
		pk.local = true
	case fib.TypeBroadcast, fib.TypeMulticast:
		pk.group = true
	default:
		// ip_forward: a frame not sent to our MAC is not forwarded
		// (RFC 1812 §5.3.4).
		if pk.l2 != pktHost {
			w.drop(pk, ReasonL2BroadcastUnicast)
			return
		}
		w.ipForward(pk, &in.Res)
		return
	}
	w.ipLocalDeliver(pk, pk.dom)
}

// refused counts a packet the input route turned away, answering what
// ip_error answers: a failed lookup while forwarding, unless the route
// was a blackhole.
func (w *worker) refused(pk *packet, in *control.Input) {
	switch in.Refused {
	case control.MartianSource:
		w.drop(pk, ReasonMartianSource)
	case control.MartianDestination:
		w.drop(pk, ReasonMartianDestination)
	case control.NotForwarding:
		w.drop(pk, ReasonForwardingDisabled)
	case control.NotJoined:
		w.drop(pk, ReasonMulticast)
	default:
		if r := routeErr(in.Err); r != ReasonBlackhole {
			w.icmpError(pk, r, 0)
		} else {
			w.drop(pk, r)
		}
	}
}

// ports returns the ports of a TCP or UDP header for the rule selectors.
func ports(proto uint8, l4 []byte) (sport, dport uint16) {
	if (proto == header.ProtoTCP || proto == header.ProtoUDP) && len(l4) >= 4 {
		return binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	}
	return 0, 0
}
