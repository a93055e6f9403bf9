package cli

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/neigh"
)

// Plane is what the CLI asks a running data plane (govrfd's) about.
type Plane interface {
	// Neighbors returns the neighbour entries of a port's link.
	Neighbors(link int) []neigh.Entry
	// LinkStats returns a link's packet counters.
	LinkStats(link int) (LinkCounters, bool)
	// HostStacks returns the namespace file of each L3 domain's host
	// stack by VRF name, "default" for the default VRF.
	HostStacks() map[string]string
	// PortState returns the state of a packet or tap link's port and
	// kernel interface.
	PortState(link int) PortState
}

// NeighCache is a Plane whose ports' neighbour caches take an
// administrator's entries in dynamic states (`neigh add ... nud
// reachable`), which are cache state, never configuration. Entries in
// PERMANENT and NOARP go to the control plane instead, which the data
// plane installs from.
type NeighCache interface {
	// SetNeighbor creates or overwrites the entry for s.Addr in the
	// cache of link's port, as `neigh replace` does.
	SetNeighbor(link int, s neigh.Static) error
	// DelNeighbor removes ip's entry from the cache of link's port.
	DelNeighbor(link int, ip netip.Addr) error
}

// PortState is what a running daemon knows of a packet or tap link's
// kernel interface, which `link show` mirrors as ip shows the
// interface.
type PortState struct {
	// Carrier is set when frames can pass: the link has its port, and
	// the interface is up with carrier (IFF_LOWER_UP). A link without
	// it shows NO-CARRIER and no LOWER_UP.
	Carrier bool
	// OperState is the interface's operational state as ip names it
	// (UP, DOWN, LOWERLAYERDOWN, UNKNOWN, ...); "" for none known, as
	// for a link whose interface is missing: LOWERLAYERDOWN then.
	OperState string
}

// PortAdmin is a Plane that owns its packet links' kernel interfaces:
// `link set dev X up|down` on a packet link brings its interface up or
// down too.
type PortAdmin interface {
	// SetPortUp brings the kernel interface of packet link link up or
	// down, if the link has its port; the link itself has changed
	// already.
	SetPortUp(link int, up bool) error
}

// LinkCounters are the counters `-s link show` prints: a port's, or a
// VRF device's (what its ports received and sent, as l3mdev counts it
// on the VRF device).
type LinkCounters struct {
	RxPackets, RxBytes, RxErrors, RxDropped, RxMissed, Multicast uint64
	TxPackets, TxBytes, TxErrors, TxDropped                      uint64
	// Drops, Answered and TxDrops break the drops down by govrf's reason
	// ("no_route", "ttl_exceeded"): frames dropped on receipt, refused
	// with an ICMP error, and lost on the way out. `-s -s` prints them.
	Drops, Answered, TxDrops map[string]uint64
}

const neighUsage = `Usage: govrf neigh { add | del | change | replace }
		{ ADDR [ lladdr LLADDR ] [ nud STATE ] }
		[ dev DEV ] [ router ] [ extern_learn ]
		[ protocol PROTO ]

	govrf neigh { show | flush } [ to PREFIX ] [ dev DEV ] [ nud STATE ]
				  [ vrf NAME ] [ master NAME ] [ proto PROTO ]

STATE := { delay | noarp | permanent | probe | reachable | stale }
`

// doNeigh runs `neigh` (ip/ipneigh.c do_ipneigh).
func doNeigh(c *ctx, a *args) error {
	if !a.more() {
		return neighShow(c, a, false)
	}
	switch w := a.next(); {
	case matches(w, "add"):
		return neighModify(c, a, opAdd)
	case matches(w, "change") || w == "chg":
		return neighModify(c, a, opChange)
	case matches(w, "replace"):
		return neighModify(c, a, opReplace)
	case matches(w, "delete"):
		return neighModify(c, a, opDel)
	case matches(w, "show") || matches(w, "lst") || matches(w, "list"):
		return neighShow(c, a, false)
	case matches(w, "flush"):
		return neighShow(c, a, true)
	case matches(w, "help"):
		return errUsage(neighUsage)
	default:
		return errUnknown(w, "neigh")
	}
}

// neighEntries returns link l's neighbours as `neigh show` lists them:
// its configured entries, and the entries of its port's cache (govrfd's)
// for the other addresses, in address order. A configured entry wins
// over the cache's until the data plane has installed it.
func neighEntries(c *ctx, l *control.Link) []neigh.Entry {
	var out []neigh.Entry
	var cached []neigh.Entry
	if c.plane != nil && l.Kind.IsPort() {
		cached = c.plane.Neighbors(l.Index)
	}
	i := 0
	for _, n := range l.Neighbors {
		for i < len(cached) && cached[i].Addr.Less(n.Addr) {
			out = append(out, cached[i])
			i++
		}
		e := neigh.Entry{Addr: n.Addr, MAC: n.MAC, State: n.State, Router: n.Router,
			ExternLearn: n.ExternLearn, Protocol: n.Protocol}
		if i < len(cached) && cached[i].Addr == n.Addr {
			if k := cached[i]; k.State == n.State && k.MAC == n.MAC {
				e = k // installed: the cache has its times
			}
			i++
		}
		out = append(out, e)
	}
	return append(out, cached[i:]...)
}

// printNeighEntry prints one neighbour as `ip neigh` does (print_neigh),
// up to its state, which printNeighState prints; dev is "" when ip
// leaves the device out (show filtered by dev).
func printNeighEntry(p *printer, dev string, e *neigh.Entry) {
	p.str(printAny, "dst", "%s ", e.Addr.String())
	if dev != "" {
		p.str(printAny, "dev", "dev %s ", dev)
	}
	if e.State.Valid() {
		p.str(printAny, "lladdr", "lladdr %s ", e.MAC.String())
	}
	if e.Router {
		p.null(printAny, "router", "%s ", "router")
	}
	if e.ExternLearn {
		p.null(printAny, "extern_learn", "%s ", "extern_learn")
	}
}

// printNeighStats prints what `ip -s neigh` adds (print_cacheinfo and
// NDA_PROBES): the seconds since the entry was last used, confirmed and
// updated, and the probes of its current resolution. Linux's reference
// count has no equivalent here, and ip leaves it out when it is zero.
func printNeighStats(p *printer, e *neigh.Entry) {
	p.uint(printAny, "used", "used %d", uint64(e.Used.Seconds()))
	p.uint(printAny, "confirmed", "/%d", uint64(e.Confirmed.Seconds()))
	p.uint(printAny, "updated", "/%d ", uint64(e.Updated.Seconds()))
	p.uint(printAny, "probes", "probes %d ", uint64(e.Probes))
}

// printNeighState prints a neighbour's state (none for NUD_NONE, as ip
// prints no state), then the protocol that installed it.
func printNeighState(p *printer, e *neigh.Entry) {
	if e.State != neigh.StateNone {
		p.openArray(printJSON, "state", "")
		p.str(printAny, "", "%s ", e.State.String())
		p.closeArray(printJSON, "")
	}
	if e.Protocol != 0 {
		p.str(printAny, "protocol", "proto %s ", protoName(fib.Proto(e.Protocol)))
	}
}
