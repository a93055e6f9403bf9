package bgp

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// port is a carried VRF's VXLAN port: the tunnel its EVPN routes lead
// to. Its local address is the VTEP other routers send to, and its MAC
// the VRF's router MAC.
type port struct {
	Dev   string
	Local netip.Addr
	MAC   control.MAC
}

// portOf returns the VXLAN port of carried VRF v: a vxlan link enslaved
// to it with v's VNI and an IPv4 local address. Without one the VRF
// neither exports nor imports.
func portOf(s *control.Snapshot, v *control.BGPVRF) (port, bool) {
	for l := range s.Links() {
		if l.Kind == control.KindVXLAN && l.Master == v.VRF && l.VXLAN != nil && l.VXLAN.VNI == v.VNI && l.VXLAN.Local.Is4() {
			return port{Dev: l.Name, Local: l.VXLAN.Local, MAC: l.MAC}, true
		}
	}
	return port{}, false
}

// routeKey names a type-5 route as BGP does: its RD and prefix (RFC 9136
// §3.1: the Ethernet tag is always 0 here).
type routeKey struct {
	RD     control.BGPTag
	Prefix netip.Prefix
}

// exports returns the type-5 routes s's carried VRFs send: the routes of
// each VRF's table its advertise setting selects, with the VRF's RD,
// export route targets and VNI, behind its VXLAN port.
func exports(s *control.Snapshot, carrier func(link int) bool) map[routeKey]Route {
	out := map[routeKey]Route{}
	b := s.BGP()
	if b == nil {
		return out
	}
	for i := range b.VRFs {
		v := &b.VRFs[i]
		vrf := s.Link(v.VRF)
		p, ok := portOf(s, v)
		if vrf == nil || !ok {
			continue
		}
		t := s.Table(vrf.Table)
		if t == nil {
			continue
		}
		for r := range t.All() {
			if !selected(s, v, &r, p.Dev, carrier) {
				continue
			}
			k := routeKey{v.RD, r.Prefix}
			if _, dup := out[k]; dup {
				continue // another metric of the same prefix
			}
			out[k] = Route{Prefix: r.Prefix, RD: v.RD, RTs: v.Export, VNI: v.VNI, RouterMAC: p.MAC, NextHop: p.Local}
		}
	}
	return out
}

// linkLocal6 holds the IPv6 prefixes that never leave their link.
var linkLocal6 = netip.MustParsePrefix("fe80::/10")

// selected reports whether route r of carried VRF v's table is sent:
// unicast routes only, never one the speaker learnt (proto bgp), nor a
// link-local or loopback prefix; connected ones are the kernel's subnet
// routes through the VRF's ports, static ones those added by hand
// (proto boot or static). tunnel is the VRF's VXLAN port; a connected
// route through a port without carrier is not sent.
func selected(s *control.Snapshot, v *control.BGPVRF, r *fib.Route, tunnel string, carrier func(int) bool) bool {
	a := r.Prefix.Addr()
	if r.Type != fib.TypeUnicast || r.Proto == fib.ProtoBGP || a.IsLoopback() || a.IsMulticast() ||
		a.Is6() && linkLocal6.Overlaps(r.Prefix) {
		return false
	}
	connected := r.Proto == fib.ProtoKernel && len(r.Nexthops) == 1 && !r.Nexthops[0].Gateway.IsValid() &&
		throughPort(s, v.VRF, r.Nexthops[0].Dev, tunnel) && carrier(r.Nexthops[0].Dev)
	static := r.Proto == fib.ProtoBoot || r.Proto == fib.ProtoStatic
	switch v.Advertise {
	case control.AdvertiseConnected:
		return connected
	case control.AdvertiseStatic:
		return static
	}
	return connected || static
}

// throughPort reports whether dev is a port of VRF vrf other than its
// VXLAN port, tunnel: the subnet of a VRF's tunnel is not one of its
// sites.
func throughPort(s *control.Snapshot, vrf, dev int, tunnel string) bool {
	l := s.Link(dev)
	return l != nil && l.Master == vrf && l.Name != tunnel
}
