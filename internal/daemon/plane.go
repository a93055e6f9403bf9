package daemon

import (
	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/neigh"
)

// planeView answers the CLI's questions about the data plane
// (cli.Plane): neighbours and packet counters of the attached ports.
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

var _ cli.Plane = planeView{}
