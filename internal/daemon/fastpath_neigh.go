package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/neigh"
)

// nhNeighbours are the neighbours of the applied compilation's
// nexthops: nexthop id i+1 goes to keys[i]. ids and keys never change;
// set and reported are under fastPath.mu.
type nhNeighbours struct {
	ids  map[fastpath.NeighbourKey]uint32
	keys []fastpath.NeighbourKey
	// set is what each nexthop holds of its neighbour now.
	set []fastpath.Neighbour
	// reported is the last use stamp of each nexthop given to its cache.
	reported []uint64
	// reachable: the neighbour was REACHABLE when last read.
	reachable []bool
}

// usePoll is how often the neighbour writer reads the program's use
// stamps and looks again at neighbours whose REACHABLE deadline passed.
const usePoll = 100 * time.Millisecond

// applyNeighbours makes c's nexthops' neighbours the applied ones and
// writes each nexthop's neighbour part from its cache again: the
// neighbour may have changed since the compilation read it. f.mu is
// held.
func (f *fastPath) applyNeighbours(c *fastpath.Compiled) {
	n := &nhNeighbours{ids: make(map[fastpath.NeighbourKey]uint32, len(c.Neighbours)), keys: c.Neighbours,
		set: make([]fastpath.Neighbour, len(c.Neighbours)), reported: make([]uint64, len(c.Neighbours)),
		reachable: make([]bool, len(c.Neighbours))}
	for i, k := range c.Neighbours {
		n.ids[k] = uint32(i + 1)
		v := c.Nexthops[i]
		n.set[i] = fastpath.Neighbour{Deadline: v.Deadline, MAC: v.Dst, Flags: v.Flags}
	}
	f.neighs.Store(n)
	for i := range n.keys {
		f.writeNeighbour(n, uint32(i+1))
	}
}

// writeNeighbour rewrites nexthop id's neighbour part from the
// neighbour's cache, if it changed. f.mu is held.
func (f *fastPath) writeNeighbour(n *nhNeighbours, id uint32) {
	k := n.keys[id-1]
	var v fastpath.Neighbour
	n.reachable[id-1] = false
	if p, ok := f.ports[k.Link]; ok {
		mono := fastpath.Monotonic()
		if e, ok := p.Neigh.Get(k.Addr); ok {
			v = fastpath.NeighbourOf(&e, mono)
			n.reachable[id-1] = e.State == neigh.StateReachable
		}
	}
	if v == n.set[id-1] {
		return
	}
	if err := f.path.SetNeighbour(id, v); err != nil {
		slog.Warn("fast path neighbour not updated", "addr", k.Addr, "err", err)
		return
	}
	n.set[id-1] = v
}

// neighChanged hears a change to neighbour ev of the port of link
// index. A neighbour the applied compilation has nexthops to is queued
// for the neighbour writer, which rewrites them; one it has none to,
// with an address, asks for the domains that may give it a host entry
// to be rebuilt (newNeighbour). Called from the data plane's goroutines, with the neighbour's
// cache locked: it does not block.
func (f *fastPath) neighChanged(index int, ev neigh.Event) {
	k := fastpath.NeighbourKey{Link: index, Addr: ev.Addr}
	if n := f.neighs.Load(); n != nil {
		if _, ok := n.ids[k]; ok {
			f.nmu.Lock()
			f.changed[k] = true
			f.nmu.Unlock()
			select {
			case f.nkick <- struct{}{}:
			default:
			}
			return
		}
	}
	if !ev.Deleted && ev.State.Valid() {
		f.newNeighbour(index)
	}
}

// runNeighbours rewrites the nexthops of changed neighbours as soon as
// they are queued, and every usePoll reports uses and looks again at
// passed deadlines (pollNeighbours), until ctx ends.
func (f *fastPath) runNeighbours(ctx context.Context) {
	tick := time.NewTicker(usePoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.nkick:
			f.writeChanged()
		case <-tick.C:
			f.pollNeighbours()
		}
	}
}

// writeChanged rewrites the nexthops of the neighbours queued.
func (f *fastPath) writeChanged() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writeChangedLocked()
}

// writeChangedLocked is writeChanged with f.mu held.
func (f *fastPath) writeChangedLocked() {
	f.nmu.Lock()
	changed := f.changed
	if len(changed) == 0 {
		f.nmu.Unlock()
		return
	}
	f.changed = make(map[fastpath.NeighbourKey]bool, len(changed))
	f.nmu.Unlock()
	n := f.neighs.Load()
	if n == nil {
		return
	}
	for k := range changed {
		if id, ok := n.ids[k]; ok {
			f.writeNeighbour(n, id)
		}
	}
}

// pollNeighbours gives each neighbour's cache the program's last use of
// it in DELAY or PROBE, as a use by the data plane's output would be
// (neigh.Cache.Use), and rewrites the nexthops of REACHABLE neighbours
// whose deadline has passed: a confirmation (a solicited answer, say)
// may have extended it without a change of state, which tells no one.
func (f *fastPath) pollNeighbours() {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.neighs.Load()
	if n == nil {
		return
	}
	now := fastpath.Monotonic()
	for i, v := range n.set {
		id := uint32(i + 1)
		if v.Flags&fastpath.NexthopTrack != 0 {
			if u := f.path.Used(id); u > n.reported[i] {
				n.reported[i] = u
				if p, ok := f.ports[n.keys[i].Link]; ok {
					p.Neigh.Use(n.keys[i].Addr, time.Duration(now-min(u, now)))
				}
			}
		}
		if n.reachable[i] && v.Deadline <= now {
			f.writeNeighbour(n, id)
		}
	}
}
