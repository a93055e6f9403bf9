package daemon

import (
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/fastpath"
)

// stats returns the data plane's counters with what the fast path
// forwarded added in, as the data plane would have counted it had it
// forwarded those packets itself: received and forwarded on the
// ingress port and in its VRF, sent on the egress port and in its.
func (d *Daemon) stats() dataplane.Stats {
	st := d.plane.Stats()
	d.fp.addTo(&st, d.ctl.Snapshot())
	return st
}

// addTo adds the fast path's counts to st, whose names are snap's. Nil
// f adds nothing.
func (f *fastPath) addTo(st *dataplane.Stats, snap *control.Snapshot) {
	if f == nil {
		return
	}
	f.ctr.Lock()
	defer f.ctr.Unlock()
	f.fold()
	for index, p := range f.ports {
		l := snap.Link(index)
		if l == nil {
			continue
		}
		if c, ok := st.Ports[l.Name]; ok {
			addFast(&c, p.total)
			st.Ports[l.Name] = c
		}
	}
	for vrf, t := range f.vrfs {
		name := dataplane.DefaultVRF
		if vrf != 0 {
			l := snap.Link(vrf)
			if l == nil || !l.IsVRF() { // deleted: its counters go with it
				delete(f.vrfs, vrf)
				continue
			}
			name = l.Name
		}
		c := st.VRFs[name]
		addFast(&c, t)
		st.VRFs[name] = c
	}
}

// addFast adds fast-path counts t to c.
func addFast(c *dataplane.Counters, t fastpath.Counters) {
	c.RxPackets += t.RxPackets
	c.RxBytes += t.RxBytes
	c.Forwarded += t.RxPackets
	c.TxPackets += t.TxPackets
	c.TxBytes += t.TxBytes
}

// fold adds what each port's slot counted since it was last read to
// the port's and its VRF's totals. f.ctr is held.
func (f *fastPath) fold() {
	for _, p := range f.ports {
		cur, err := f.path.Counters(p.Slot)
		if err != nil {
			continue
		}
		d := fastpath.Counters{RxPackets: cur.RxPackets - p.last.RxPackets, RxBytes: cur.RxBytes - p.last.RxBytes,
			TxPackets: cur.TxPackets - p.last.TxPackets, TxBytes: cur.TxBytes - p.last.TxBytes}
		p.last = cur
		p.total.Add(d)
		v := f.vrfs[p.vrf]
		v.Add(d)
		f.vrfs[p.vrf] = v
	}
}
