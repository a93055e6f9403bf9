package dataplane

import (
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// loopback is the index of lo: the iif of flows the router originates.
const loopback = 1

// route is where a packet leaves the router, or that it stays.
type route struct {
	res   fib.Result // the route that decided (after a leak, the second lookup's)
	dom   domain     // the L3 domain whose tables held res
	out   *binding   // the egress port; nil when local
	nh    netip.Addr // the next hop: the gateway, or the destination on link
	mtu   int        // the egress link's MTU, bounded by the port's
	local bool       // res is one of the router's addresses in dom
}

// fibLookup is l3mdev_ip_rcv and fib_lookup for a received packet: the
// flow's L3 domain comes from the ingress port (control.Router updates it
// from Iif), iif stays the port, and the rule walk picks the table.
func (w *worker) fibLookup(f *rule.Flow) (fib.Result, error) {
	res, _, err := w.router.Lookup(w.snap, f)
	return res, err
}

// routeErr is the reason of a failed lookup, as ip_error and ip6_pkt_drop
// tell them apart.
func routeErr(err error) Reason {
	switch err {
	case syscall.EHOSTUNREACH:
		return ReasonUnreachableRoute
	case syscall.EACCES:
		return ReasonProhibited
	case syscall.EINVAL:
		return ReasonBlackhole
	}
	return ReasonNoRoute
}

// egress turns a unicast result found in dom into rt.
//
// A nexthop device that is a VRF is a leak (leak (a) of
// docs/architecture.md, "VRF semantics"): vrf_xmit looks the destination
// up again in that VRF's table as a sender bound to the VRF would (flowi_l3mdev the VRF, iif lo), and a local result there
// is delivered in that VRF (vrf_local_xmit); that VRF's own addresses are
// reachable this way. A nexthop port in another VRF needs nothing: the
// packet leaves by it after the single lookup (leak (b)).
func (w *worker) egress(rt *route, res *fib.Result, dom domain, src, dst netip.Addr, tos uint8) Reason {
	dev := w.snap.Link(res.Nexthop.Dev)
	if dev != nil && dev.Kind == control.KindVRF {
		f := rule.Flow{Src: src, Dst: dst, Iif: loopback, L3mdev: dev.Index, L3mdevTable: dev.Table, Tos: tos}
		r2, err := w.fibLookup(&f)
		if err != nil {
			// vrf_xmit drops what its lookup refuses (vrf_tx_error).
			return routeErr(err)
		}
		dom = domain{dev.Index, dev.Table}
		switch r2.Type {
		case fib.TypeLocal, fib.TypeAnycast:
			*rt = route{res: r2, dom: dom, local: true}
			return none
		case fib.TypeUnicast:
		default:
			return ReasonMartianDestination
		}
		res = &r2
		if dev = w.snap.Link(res.Nexthop.Dev); dev != nil && dev.Kind == control.KindVRF {
			return ReasonLeakLoop
		}
	}
	out := w.p.binding(res.Nexthop.Dev)
	switch {
	case dev == nil || out == nil || out.gone.Load():
		return ReasonNoPort
	case !dev.Up:
		return ReasonLinkDown
	}
	// Every field, one by one: cheaper than a composite literal, which
	// is built, zeroed, and then copied.
	rt.res, rt.dom, rt.out, rt.nh, rt.mtu, rt.local = *res, dom, out, dst, min(dev.MTU, out.port.MTU()), false
	if res.Nexthop.Gateway.IsValid() && !res.Nexthop.HostScope {
		rt.nh = res.Nexthop.Gateway
	}
	return none
}

// outputRoute is ip_route_output for a packet the router or a host stack
// originates in dom: from lo, with the VRF as oif so that
// l3mdev_update_flow sends the lookup to its table, or with the port a
// link-local destination must leave by (oif). The route must lead out of
// the router, or to the router's own address in a domain with a host
// stack to take it (rt.local).
func (w *worker) outputRoute(rt *route, dom domain, oif int, src, dst netip.Addr, tos uint8) Reason {
	return w.outputRouteFlow(rt, dom, rule.Flow{Src: src, Dst: dst, Oif: oif, Tos: tos})
}

// outputRouteFlow is outputRoute for flow f: its addresses, oif and tos,
// and the protocol, ports and flow label a socket's flow carries into the
// rules and the multipath hash.
func (w *worker) outputRouteFlow(rt *route, dom domain, f rule.Flow) Reason {
	if f.Oif == 0 {
		f.Oif = dom.vrf
	}
	f.Iif = loopback
	src, dst, tos := f.Src, f.Dst, f.Tos
	res, err := w.fibLookup(&f)
	switch {
	case err != nil:
		return routeErr(err)
	case res.Type == fib.TypeLocal || res.Type == fib.TypeAnycast:
		*rt = route{res: res, dom: dom, local: true}
	case res.Type == fib.TypeBroadcast:
		return ReasonLocalLoop
	case res.Type != fib.TypeUnicast:
		return ReasonMartianDestination
	default:
		if r := w.egress(rt, &res, dom, src, dst, tos); r != none {
			return r
		}
	}
	if rt.local && w.p.stack(rt.dom.vrf) == nil {
		return ReasonLocalLoop
	}
	return none
}

// source is the address a packet the router originates on rt is sent
// from: the route's preferred source, else one selected on the egress
// link (FIB_RES_PREFSRC, ip6_route_get_saddr), or the address itself on
// a local route.
func (w *worker) source(rt *route, dst netip.Addr) netip.Addr {
	switch {
	case rt.res.Src.IsValid():
		return rt.res.Src
	case rt.local:
		return dst // a local route's source is the address itself
	}
	if dst.Is4() {
		return w.snap.SelectSrc4(rt.out.index, rt.nh, rt.res.Scope)
	}
	return w.snap.SelectSrc6(rt.out.index, dst)
}
