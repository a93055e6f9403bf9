package cli

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
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

// doNeigh runs `neigh show [dev DEV] [vrf NAME | master NAME]` (ip/ipneigh.c):
// the entries of each port, as its data plane knows them; offline there
// are none.
func doNeigh(c *ctx, a *args) error {
	if a.more() {
		if w := a.next(); !matches(w, "show") && !matches(w, "list") {
			return errUnknown(w, "neigh")
		}
	}
	s := c.ctl.View()
	var dev, master *control.Link
	for a.more() {
		w := a.next()
		v, err := a.value()
		if err != nil {
			return err
		}
		switch {
		case w == "dev":
			if dev = s.LinkByName(v); dev == nil {
				return errNoDevice(v)
			}
		case w == "vrf" || matches(w, "master"):
			if master = s.LinkByName(v); master == nil || w == "vrf" && !master.IsVRF() {
				return errInvArg("Not a valid VRF name\n", v)
			}
		default:
			return errDuplicate(w, v)
		}
	}
	p := c.newPrinter()
	defer p.close()
	if c.plane == nil {
		return nil
	}
	for l := range s.Links() {
		if dev != nil && l != dev || master != nil && l.Master != master.Index {
			continue
		}
		for _, e := range c.plane.Neighbors(l.Index) {
			if c.opts.Family == 4 && !e.Addr.Is4() || c.opts.Family == 6 && e.Addr.Is4() {
				continue
			}
			p.openObject("")
			printNeighEntry(p, l.Name, e.Addr, e.MAC, e.State, e.Router)
			if c.opts.Stats > 0 {
				printNeighStats(p, &e)
			}
			printNeighState(p, e.State)
			p.closeObject()
			p.nl()
		}
	}
	return nil
}

// printNeighEntry prints one neighbour as `ip neigh` does (print_neigh),
// up to its state, which printNeighState prints.
func printNeighEntry(p *printer, dev string, addr netip.Addr, mac header.MAC, state neigh.State, router bool) {
	p.str(printAny, "dst", "%s ", addr.String())
	p.str(printAny, "dev", "dev %s ", dev)
	if state.Valid() {
		p.str(printAny, "lladdr", "lladdr %s ", mac.String())
	}
	if router {
		p.bool(printJSON, "router", "%s", true)
		p.textf("router ")
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

// printNeighState prints a neighbour's state, last on its line.
func printNeighState(p *printer, state neigh.State) {
	p.openArray(printJSON, "state", "")
	p.str(printAny, "", "%s ", state.String())
	p.closeArray(printJSON, "")
}
