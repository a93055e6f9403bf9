package bgp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Route is one EVPN type-5 route as govrf uses it: an IP prefix of a
// VRF, carried with the VRF's RD, route targets and layer-3 VNI, behind
// the VTEP NextHop whose router MAC inner frames are addressed to.
type Route struct {
	Prefix    netip.Prefix
	RD        control.BGPTag
	RTs       []control.BGPTag
	VNI       uint32
	RouterMAC control.MAC
	NextHop   netip.Addr // the VTEP: the VXLAN port's local address
}

// encode returns r as the path GoBGP originates (RFC 9136 §3.1): ESI and
// Ethernet tag 0, gateway IP 0 (no overlay index), the VNI in the label
// field (RFC 8365 §5.1.3), and as extended communities the route targets,
// the encapsulation VXLAN (RFC 9012 §4.1, tunnel type 8) and the router
// MAC (RFC 9135 §8.1).
func encode(r *Route) (*apiutil.Path, error) {
	rd, err := toRD(r.RD)
	if err != nil {
		return nil, err
	}
	gw := netip.IPv4Unspecified()
	if r.Prefix.Addr().Is6() {
		gw = netip.IPv6Unspecified()
	}
	nlri, err := bgp.NewEVPNIPPrefixRoute(rd, bgp.EthernetSegmentIdentifier{}, 0,
		uint8(r.Prefix.Bits()), r.Prefix.Addr(), gw, r.VNI)
	if err != nil {
		return nil, err
	}
	reach, err := bgp.NewPathAttributeMpReachNLRI(bgp.RF_EVPN, []bgp.PathNLRI{{NLRI: nlri}}, r.NextHop)
	if err != nil {
		return nil, err
	}
	ecs := make([]bgp.ExtendedCommunityInterface, 0, len(r.RTs)+2)
	for _, t := range r.RTs {
		ecs = append(ecs, toRT(t))
	}
	ecs = append(ecs, bgp.NewEncapExtended(bgp.TUNNEL_TYPE_VXLAN),
		&bgp.RouterMacExtended{Mac: net.HardwareAddr(r.RouterMAC[:])})
	return &apiutil.Path{
		Family: bgp.RF_EVPN,
		Nlri:   nlri,
		Attrs: []bgp.PathAttributeInterface{
			bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP),
			reach,
			bgp.NewPathAttributeExtendedCommunities(ecs),
		},
	}, nil
}

// errNotType5 is decode's refusal of another EVPN route type: govrf
// carries IP prefixes only, and ignores MAC/IP and multicast routes.
var errNotType5 = errors.New("not an EVPN IP prefix route")

// decode reads a received path back into a Route. A path that is not a
// well-formed type-5 route with a router MAC is refused: it cannot be
// installed, so it is logged and ignored.
func decode(p *apiutil.Path) (Route, error) {
	var r Route
	n, ok := p.Nlri.(*bgp.EVPNNLRI)
	if !ok || n.RouteType != bgp.EVPN_IP_PREFIX {
		return r, errNotType5
	}
	ip, ok := n.RouteTypeData.(*bgp.EVPNIPPrefixRoute)
	if !ok {
		return r, errNotType5
	}
	pfx, err := ip.IPPrefix.Unmap().Prefix(int(ip.IPPrefixLength))
	if err != nil || ip.IPPrefix.Zone() != "" {
		return r, fmt.Errorf("type-5 route with an invalid prefix %s/%d", ip.IPPrefix, ip.IPPrefixLength)
	}
	r.Prefix, r.VNI = pfx, ip.Label
	if r.RD, err = fromRD(ip.RD); err != nil {
		return r, err
	}
	haveMAC := false
	for _, a := range p.Attrs {
		switch a := a.(type) {
		case *bgp.PathAttributeMpReachNLRI:
			r.NextHop = a.Nexthop.Unmap()
		case *bgp.PathAttributeExtendedCommunities:
			for _, ec := range a.Value {
				if t, ok := fromRT(ec); ok {
					r.RTs = append(r.RTs, t)
				} else if m, ok := ec.(*bgp.RouterMacExtended); ok && len(m.Mac) == 6 {
					r.RouterMAC, haveMAC = control.MAC(m.Mac), true
				}
			}
		}
	}
	switch {
	case r.VNI == 0 || r.VNI > control.MaxVNI:
		return r, fmt.Errorf("type-5 route %s with VNI %d", r.Prefix, r.VNI)
	case !haveMAC:
		return r, fmt.Errorf("type-5 route %s without a router MAC", r.Prefix)
	case !r.NextHop.IsValid() || r.NextHop.IsUnspecified() || !r.NextHop.Is4():
		return r, fmt.Errorf("type-5 route %s with next hop %v: an IPv4 VTEP is expected", r.Prefix, r.NextHop)
	}
	return r, nil
}

// toRD converts an RD to GoBGP's.
func toRD(t control.BGPTag) (bgp.RouteDistinguisherInterface, error) {
	switch t.Type {
	case 0:
		return bgp.NewRouteDistinguisherTwoOctetAS(uint16(t.AS), t.Value), nil
	case 1:
		return bgp.NewRouteDistinguisherIPAddressAS(t.Addr, uint16(t.Value))
	case 2:
		return bgp.NewRouteDistinguisherFourOctetAS(t.AS, uint16(t.Value)), nil
	}
	return nil, fmt.Errorf("route distinguisher of type %d", t.Type)
}

// fromRD converts GoBGP's RD back.
func fromRD(rd bgp.RouteDistinguisherInterface) (control.BGPTag, error) {
	switch rd := rd.(type) {
	case *bgp.RouteDistinguisherTwoOctetAS:
		return control.ParseBGPTag(fmt.Sprintf("%d:%d", rd.Admin, rd.Assigned))
	case *bgp.RouteDistinguisherIPAddressAS:
		return control.ParseBGPTag(fmt.Sprintf("%s:%d", rd.Admin, rd.Assigned))
	case *bgp.RouteDistinguisherFourOctetAS:
		if rd.Admin > 0xffff {
			return control.ParseBGPTag(fmt.Sprintf("%d:%d", rd.Admin, rd.Assigned))
		}
	}
	return control.BGPTag{}, fmt.Errorf("route distinguisher %v of an unknown type", rd)
}

// toRT converts a route target to its extended community (RFC 4360 §4,
// RFC 5668 for four-octet AS numbers), transitive.
func toRT(t control.BGPTag) bgp.ExtendedCommunityInterface {
	switch t.Type {
	case 1:
		ec, _ := bgp.NewIPv4AddressSpecificExtended(bgp.EC_SUBTYPE_ROUTE_TARGET, t.Addr, uint16(t.Value), true)
		return ec
	case 2:
		return bgp.NewFourOctetAsSpecificExtended(bgp.EC_SUBTYPE_ROUTE_TARGET, t.AS, uint16(t.Value), true)
	}
	return bgp.NewTwoOctetAsSpecificExtended(bgp.EC_SUBTYPE_ROUTE_TARGET, uint16(t.AS), t.Value, true)
}

// fromRT converts a route target extended community back; other
// communities are not route targets.
func fromRT(ec bgp.ExtendedCommunityInterface) (control.BGPTag, bool) {
	var s string
	switch ec := ec.(type) {
	case *bgp.TwoOctetAsSpecificExtended:
		if ec.SubType == bgp.EC_SUBTYPE_ROUTE_TARGET {
			s = fmt.Sprintf("%d:%d", ec.AS, ec.LocalAdmin)
		}
	case *bgp.IPv4AddressSpecificExtended:
		if ec.SubType == bgp.EC_SUBTYPE_ROUTE_TARGET {
			s = fmt.Sprintf("%s:%d", ec.IPv4, ec.LocalAdmin)
		}
	case *bgp.FourOctetAsSpecificExtended:
		if ec.SubType == bgp.EC_SUBTYPE_ROUTE_TARGET && ec.AS > 0xffff {
			s = fmt.Sprintf("%d:%d", ec.AS, ec.LocalAdmin)
		}
	}
	if s == "" {
		return control.BGPTag{}, false
	}
	t, err := control.ParseBGPTag(s)
	return t, err == nil
}
