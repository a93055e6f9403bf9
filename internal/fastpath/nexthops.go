package fastpath

import (
	"math"
	"net/netip"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// nhKey identifies a nexthop: a neighbour of a port.
type nhKey struct {
	link int
	addr netip.Addr
}

// nexthop returns the id of the nexthop to neighbour a of port p, making
// it on first use, or 0 when packets to a go to the slow path (so do
// those to nexthops beyond MaxNexthops).
//
// The neighbour must be usable without a state change: REACHABLE, until
// the earliest moment its reachable time may end (the confirmation plus
// half of base_reachable_time, the shortest time Linux draws; the program
// compares its deadline with bpf_ktime_get_ns), or PERMANENT or NOARP,
// which never change. STALE would move to DELAY on use, DELAY and PROBE
// are being verified, and the rest have no address: all are the slow
// path's. The egress MTU is the link's bounded by the port's; an IPv6
// nexthop below 1280 octets (where the slow path compares with 1280)
// goes to the slow path.
func (c *compiler) nexthop(p *portState, a netip.Addr) uint32 {
	k := nhKey{p.Link, a}
	if id, ok := c.nhIDs[k]; ok {
		return id
	}
	id := uint32(0)
	if v, ok := c.nexthopValue(p, a); ok && len(c.nexthops) < MaxNexthops {
		c.nexthops = append(c.nexthops, v)
		id = uint32(len(c.nexthops))
	}
	c.nhIDs[k] = id
	return id
}

// nexthopValue builds the nexthop to a out of p, if its neighbour allows.
func (c *compiler) nexthopValue(p *portState, a netip.Addr) (NexthopValue, bool) {
	n, ok := c.neighbourMap(p)[a]
	if !ok {
		return NexthopValue{}, false
	}
	var deadline uint64
	switch n.State {
	case neigh.StatePermanent, neigh.StateNoARP:
		deadline = math.MaxUint64
	case neigh.StateReachable:
		left := p.Neigh.Params(neigh.FamilyOf(a)).BaseReachableTime/2 - n.Confirmed
		if left <= 0 {
			return NexthopValue{}, false
		}
		deadline = c.mono + uint64(left)
	default:
		return NexthopValue{}, false
	}
	mtu := min(p.link.MTU, p.MTU)
	if a.Is6() && mtu < header.IPv6MinMTU || mtu <= 0 {
		return NexthopValue{}, false
	}
	return NexthopValue{Ifindex: uint32(p.Ifindex), Slot: uint32(p.Slot), MTU: uint32(mtu),
		Deadline: deadline, Src: p.MAC, Dst: n.MAC}, true
}

// neighbours returns the addresses of p's neighbour entries, in order.
func (c *compiler) neighbours(p *portState) []netip.Addr {
	c.neighbourMap(p)
	return p.order
}

// neighbourMap returns p's neighbour entries, read once per compilation.
func (c *compiler) neighbourMap(p *portState) map[netip.Addr]neigh.Entry {
	if p.neighs == nil {
		p.neighs = map[netip.Addr]neigh.Entry{}
		for _, e := range p.Neigh.Entries() {
			p.neighs[e.Addr] = e
			p.order = append(p.order, e.Addr)
		}
	}
	return p.neighs
}
