package fastpath

import (
	"math"
	"net/netip"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// nexthop returns the id of the nexthop to neighbour a of port p, making
// it on first use, or 0 when packets to a go to the slow path whatever
// its neighbour's state: an IPv6 nexthop below 1280 octets of MTU (where
// the slow path compares with 1280), or one beyond MaxNexthops. The
// egress MTU is the link's bounded by the port's.
//
// Every other nexthop is made, whether its neighbour exists or not, so
// that a neighbour change needs no new compilation: it rewrites the
// nexthop's Neighbour part in place (Path.SetNeighbour, NeighbourOf).
func (c *compiler) nexthop(p *portState, a netip.Addr) uint32 {
	k := NeighbourKey{p.Link, a}
	if id, ok := c.nhIDs[k]; ok {
		return id
	}
	id := uint32(0)
	mtu := min(p.link.MTU, p.MTU)
	if !(a.Is6() && mtu < header.IPv6MinMTU || mtu <= 0) && len(c.nexthops) < MaxNexthops {
		e, ok := c.neighbourMap(p)[a]
		var n Neighbour
		if ok {
			n = NeighbourOf(&e, c.mono)
		}
		c.nexthops = append(c.nexthops, NexthopValue{Ifindex: uint32(p.Ifindex), Slot: uint32(p.Slot), MTU: uint32(mtu),
			Deadline: n.Deadline, Src: p.MAC, Dst: n.MAC, Flags: n.Flags})
		c.nhKeys = append(c.nhKeys, k)
		id = uint32(len(c.nexthops))
	}
	c.nhIDs[k] = id
	return id
}

// NeighbourOf returns what a nexthop holds of neighbour entry e (nil:
// no entry) read at mono (CLOCK_MONOTONIC, Monotonic, read before the
// entry): the states in which the data plane sends with the cached
// address without changing the entry's state.
//
//   - REACHABLE: forwarded until its reachable time may end
//     (neigh.Entry.ReachableFor: the drawn time past its confirmation),
//     exactly when the data plane's timer may first make it STALE; the
//     program compares the deadline with bpf_ktime_get_ns, and an early
//     mono makes it early, never late. Its uses are not tracked: Linux's
//     connected output does not mark the entry used either.
//   - DELAY and PROBE: forwarded until a state change rewrites the
//     nexthop, with uses tracked (NexthopTrack), as Linux's output in
//     these states marks the entry used.
//   - PERMANENT and NOARP: always.
//   - STALE goes to the slow path: its first use moves it to DELAY
//     there, with the packet in hand, as neigh_event_send does; the
//     nexthop is rewritten for DELAY then. INCOMPLETE, FAILED and no
//     entry have no address to send to.
func NeighbourOf(e *neigh.Entry, mono uint64) Neighbour {
	if e == nil {
		return Neighbour{}
	}
	switch e.State {
	case neigh.StatePermanent, neigh.StateNoARP:
		return Neighbour{Deadline: math.MaxUint64, MAC: e.MAC}
	case neigh.StateReachable:
		if e.ReachableFor > 0 {
			return Neighbour{Deadline: mono + uint64(e.ReachableFor), MAC: e.MAC}
		}
	case neigh.StateDelay, neigh.StateProbe:
		return Neighbour{Deadline: math.MaxUint64, MAC: e.MAC, Flags: NexthopTrack}
	}
	return Neighbour{MAC: e.MAC}
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
