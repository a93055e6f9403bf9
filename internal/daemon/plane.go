package daemon

import (
	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/neigh"
)

// planeView answers the CLI's questions about the data plane
// (cli.Plane): neighbours and packet counters of the attached ports,
// and the host stacks.
type planeView struct{ d *Daemon }

// Neighbors implements cli.Plane.
func (v planeView) Neighbors(link int) []neigh.Entry {
	if c := v.d.plane.Neighbors(link); c != nil {
		return c.Entries()
	}
	return nil
}

// LinkStats implements cli.Plane.
func (v planeView) LinkStats(link int) (cli.LinkCounters, bool) {
	l := v.d.ctl.Snapshot().Link(link)
	if l == nil {
		return cli.LinkCounters{}, false
	}
	c, ok := v.d.plane.Stats().Ports[l.Name]
	if !ok {
		return cli.LinkCounters{}, false
	}
	var drops, txDrops uint64
	for i := range c.Drops {
		drops += c.Drops[i]
		txDrops += c.TxDrops[i]
	}
	return cli.LinkCounters{RxPackets: c.RxPackets, RxBytes: c.RxBytes, RxDropped: drops,
		TxPackets: c.TxPackets, TxBytes: c.TxBytes, TxDropped: txDrops}, true
}

// Carrier implements cli.Plane: a port link has carrier while its port
// is open. d.mu is held, as for every request.
func (v planeView) Carrier(link int) bool {
	o, ok := v.d.ports[link]
	return ok && o.port != nil
}

// HostStacks implements cli.Plane.
func (v planeView) HostStacks() map[string]string { return v.d.hostStacks() }

var _ cli.Plane = planeView{}
