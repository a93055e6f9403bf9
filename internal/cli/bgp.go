package cli

import (
	"net/netip"
	"strconv"

	"github.com/govrf/govrf/internal/control"
)

const bgpUsage = `Usage: govrf bgp set as ASN router-id ADDRESS
       govrf bgp del
       govrf bgp { neighbor | neighbour } add ADDRESS remote-as ASN
       govrf bgp { neighbor | neighbour } del ADDRESS
       govrf bgp vrf add NAME vni VNI rd RD rt RT_SPEC
                         [ advertise { connected | static | all } ]
       govrf bgp vrf del NAME
       govrf bgp vrf show
       govrf bgp show
       govrf bgp route show [ vrf NAME ]
RT_SPEC := [ RT... ] [ import RT... ] [ export RT... ]
RD, RT := { ASN:NN | IPV4ADDR:NN }`

// doBGP runs `bgp ...`: the configuration of the BGP EVPN speaker
// (docs/bgp.md), kept in the control plane like every other object, and
// what the running speaker knows.
func doBGP(c *ctx, a *args) error {
	if !a.more() {
		return doBGPShow(c, a)
	}
	w := a.next()
	switch {
	case w == "set":
		return bgpSet(c, a)
	case w == "del" || w == "delete":
		if a.more() {
			return errUnknown(a.next(), "bgp")
		}
		return c.ctl.DelBGP()
	case matches(w, "neighbor") || matches(w, "neighbour"):
		return bgpNeighbor(c, a)
	case w == "vrf":
		return bgpVRF(c, a)
	case matches(w, "route"):
		return doBGPRoutes(c, a)
	case matches(w, "show") || matches(w, "list"):
		return doBGPShow(c, a)
	case matches(w, "help"):
		return errUsage(bgpUsage)
	}
	return errUnknown(w, "bgp")
}

// bgpSet runs `bgp set as ASN router-id ADDRESS`; both are needed the
// first time, either after.
func bgpSet(c *ctx, a *args) error {
	var as uint32
	var id netip.Addr
	if b := c.ctl.View().BGP(); b != nil {
		as, id = b.AS, b.RouterID
	}
	if !a.more() {
		return errIncomplete()
	}
	for a.more() {
		var err error
		switch w := a.next(); w {
		case "as":
			as, err = argValue(a, parseASN, "invalid AS number")
		case "router-id":
			id, err = argValue(a, parseIPv4, "invalid router ID: an IPv4 address")
		default:
			return errUnknown(w, "bgp")
		}
		if err != nil {
			return err
		}
	}
	if as == 0 || !id.IsValid() {
		return failf(exitSyntax, "Error: BGP needs both: govrf bgp set as ASN router-id ADDRESS")
	}
	return c.ctl.SetBGP(as, id)
}

// bgpNeighbor runs `bgp neighbor add ADDRESS remote-as ASN` and `bgp
// neighbor del ADDRESS`.
func bgpNeighbor(c *ctx, a *args) error {
	verb, err := a.value()
	if err != nil {
		return err
	}
	addr, err := argValue(a, parseUnicast, "invalid neighbor address")
	if err != nil {
		return err
	}
	switch verb {
	case "add":
		var n control.BGPNeighbor
		n.Addr = addr
		for a.more() {
			switch w := a.next(); w {
			case "remote-as":
				if n.RemoteAS, err = argValue(a, parseASN, "invalid AS number"); err != nil {
					return err
				}
			default:
				return errUnknown(w, "bgp")
			}
		}
		if n.RemoteAS == 0 {
			return failf(exitSyntax, "Error: a neighbor needs its AS: govrf bgp neighbor add %s remote-as ASN", addr)
		}
		return c.ctl.AddBGPNeighbor(n)
	case "del", "delete":
		if a.more() {
			return errUnknown(a.next(), "bgp")
		}
		return c.ctl.DelBGPNeighbor(addr)
	}
	return errUnknown(verb, "bgp")
}

// parseASN parses an AS number of up to four octets, in asplain (RFC
// 5396) or asdot (1.10).
func parseASN(s string) (uint32, bool) {
	if hi, lo, ok := cutDot(s); ok {
		return hi<<16 | lo, true
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil && n != 0
}

// cutDot parses asdot's HIGH.LOW.
func cutDot(s string) (hi, lo uint32, ok bool) {
	for i := range len(s) {
		if s[i] == '.' {
			h, e1 := strconv.ParseUint(s[:i], 10, 16)
			l, e2 := strconv.ParseUint(s[i+1:], 10, 16)
			return uint32(h), uint32(l), e1 == nil && e2 == nil && h|l != 0
		}
	}
	return 0, 0, false
}

func parseIPv4(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	return a, err == nil && a.Is4()
}

func parseUnicast(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	return a, err == nil && a.Zone() == "" && !a.IsUnspecified() && !a.IsMulticast()
}
