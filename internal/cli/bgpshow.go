package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// BGPPlane is a Plane that runs the BGP speaker and says what it knows:
// the sessions and the EVPN type-5 routes.
type BGPPlane interface {
	// BGPNeighbors returns the state of each configured neighbour.
	BGPNeighbors() []BGPNeighbor
	// BGPRoutes returns the type-5 routes the speaker holds: those it
	// sends and those it received, imported into a VRF or not.
	BGPRoutes() []BGPRoute
}

// BGPNeighbor is one session as `bgp show` lists it.
type BGPNeighbor struct {
	Addr     netip.Addr
	RemoteAS uint32
	State    string    // the RFC 4271 state: Idle, Connect, Active, OpenSent, OpenConfirm, Established
	Since    time.Time // when the state began; zero when unknown
	// Received counts the type-5 routes the neighbour sent; Accepted
	// those among them that a VRF imported.
	Received, Accepted int
}

// BGPRoute is one type-5 route as `bgp route show` lists it.
type BGPRoute struct {
	VRF       string // the VRF it was exported from or imported into; "" for none
	Prefix    netip.Prefix
	RD        string
	NextHop   netip.Addr // the VTEP
	VNI       uint32
	RouterMAC string
	RTs       []string
	Best      bool
	Local     bool       // exported by this router
	Peer      netip.Addr // the neighbour it came from, for a received route
}

// doBGPShow runs `bgp show`: the speaker's AS and router ID and, for
// each neighbour, its state, since when, and the routes it sent.
// Offline, or before the speaker has started, the state is "-".
func doBGPShow(c *ctx, a *args) error {
	if a.more() {
		return errUnknown(a.next(), "bgp")
	}
	b := c.ctl.View().BGP()
	p := c.newPrinter()
	defer p.close()
	if b == nil {
		p.textf("BGP is not configured: govrf bgp set as ASN router-id ADDRESS\n")
		return nil
	}
	var live []BGPNeighbor
	if bp, ok := c.plane.(BGPPlane); ok {
		live = bp.BGPNeighbors()
	}
	p.openObject("")
	p.textf("BGP router identifier %s, local AS number %d\n", b.RouterID, b.AS)
	p.str(printJSON, "router_id", "", b.RouterID.String())
	p.uint(printJSON, "as", "", uint64(b.AS))
	p.openArray(printJSON, "neighbors", "")
	p.textf("%-15s %-10s %-12s %-9s %6s %6s\n", "Neighbor", "AS", "State", "Up/Down", "PfxRcd", "PfxAcc")
	for _, n := range b.Neighbors {
		st := BGPNeighbor{Addr: n.Addr, RemoteAS: n.RemoteAS, State: "-"}
		for _, l := range live {
			if l.Addr == n.Addr {
				st = l
			}
		}
		p.openObject("")
		p.str(printAny, "address", "%-15s ", st.Addr.String())
		p.uint(printAny, "remote_as", "%-10d ", uint64(n.RemoteAS))
		p.str(printAny, "state", "%-12s ", st.State)
		if st.Since.IsZero() {
			p.null(printAny, "seconds", "%-9s ", "never")
		} else {
			d := time.Since(st.Since).Truncate(time.Second)
			p.uint(printJSON, "seconds", "", uint64(d/time.Second))
			p.textf("%-9s ", bgpUptime(d))
		}
		p.uint(printAny, "received", "%6d ", uint64(st.Received))
		p.uint(printAny, "accepted", "%6d", uint64(st.Accepted))
		p.closeObject()
		p.nl()
	}
	p.closeArray(printJSON, "")
	p.closeObject()
	return nil
}

// bgpUptime formats a duration as FRR's summary does: hh:mm:ss under a
// day, then days and hours.
func bgpUptime(d time.Duration) string {
	s := int(d / time.Second)
	if s < 86400 {
		return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s/3600%24)
}

// doBGPRoutes runs `bgp route show [vrf NAME]`: the type-5 routes,
// received and exported, of one VRF or all. A received route no VRF
// imports shows under VRF "-".
func doBGPRoutes(c *ctx, a *args) error {
	if a.more() {
		if w := a.next(); !matches(w, "show") && !matches(w, "list") {
			return errUnknown(w, "bgp")
		}
	}
	vrf := ""
	for a.more() {
		switch w := a.next(); w {
		case "vrf":
			v, err := a.value()
			if err != nil {
				return err
			}
			if l := c.ctl.View().LinkByName(v); l == nil || !l.IsVRF() {
				return failf(exitSyntax, "Error: %q is not a VRF.", v)
			}
			vrf = v
		default:
			return errUnknown(w, "bgp")
		}
	}
	var routes []BGPRoute
	if bp, ok := c.plane.(BGPPlane); ok {
		routes = bp.BGPRoutes()
	}
	p := c.newPrinter()
	defer p.close()
	p.textf("Status codes: * valid, > best, l local\n")
	p.textf("   %-4s %-43s %-21s %-15s %-8s %-17s %s\n", "VRF", "Network", "RD", "Next hop", "VNI", "Router MAC", "Route targets")
	for _, r := range routes {
		if vrf != "" && r.VRF != vrf {
			continue
		}
		name := r.VRF
		if name == "" {
			name = "-"
		}
		status := "*"
		if r.Best {
			status += ">"
		} else {
			status += " "
		}
		if r.Local {
			status += "l"
		} else {
			status += " "
		}
		p.openObject("")
		p.textf("%s", status)
		p.str(printAny, "vrf", "%-4s ", name)
		p.str(printAny, "prefix", "%-43s ", r.Prefix.String())
		p.str(printAny, "rd", "%-21s ", r.RD)
		p.str(printAny, "nexthop", "%-15s ", r.NextHop.String())
		p.uint(printAny, "vni", "%-8d ", uint64(r.VNI))
		p.str(printAny, "router_mac", "%-17s ", r.RouterMAC)
		p.openArray(printJSON, "route_targets", "")
		for _, rt := range r.RTs {
			p.str(printJSON, "", "", rt)
		}
		p.closeArray(printJSON, "")
		p.textf("%s", strings.Join(r.RTs, ","))
		p.bool(printJSON, "best", "", r.Best)
		p.bool(printJSON, "local", "", r.Local)
		if r.Peer.IsValid() {
			p.str(printJSON, "peer", "", r.Peer.String())
		}
		p.closeObject()
		p.nl()
	}
	return nil
}
