package daemon

import (
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/neigh"
)

// TestFastPathNeighChanged: a change to a neighbour the applied
// compilation has a nexthop to queues it for the neighbour writer and
// asks for no compilation; a neighbour without one asks for its port's
// domains to be compiled again when it has an address, and nothing when
// it is gone.
func TestFastPathNeighChanged(t *testing.T) {
	known := fastpath.NeighbourKey{Link: 3, Addr: netip.MustParseAddr("10.0.0.2")}
	other := netip.MustParseAddr("10.0.0.3")
	for _, c := range []struct {
		name          string
		link          int
		ev            neigh.Event
		queued, wants bool
	}{
		{"known, STALE", 3, neigh.Event{Addr: known.Addr, State: neigh.StateStale}, true, false},
		{"known, deleted", 3, neigh.Event{Addr: known.Addr, State: neigh.StateReachable, Deleted: true}, true, false},
		{"known address, another port", 4, neigh.Event{Addr: known.Addr, State: neigh.StateReachable}, false, true},
		{"unknown, REACHABLE", 3, neigh.Event{Addr: other, State: neigh.StateReachable}, false, true},
		{"unknown, INCOMPLETE", 3, neigh.Event{Addr: other, State: neigh.StateIncomplete}, false, false},
		{"unknown, deleted", 3, neigh.Event{Addr: other, State: neigh.StateStale, Deleted: true}, false, false},
	} {
		f := &fastPath{kick: make(chan struct{}, 1), check: make(chan struct{}, 1),
			changed: map[fastpath.NeighbourKey]bool{}, nkick: make(chan struct{}, 1)}
		f.neighs.Store(&nhNeighbours{ids: map[fastpath.NeighbourKey]uint32{known: 1}, keys: []fastpath.NeighbourKey{known}})
		f.neighChanged(c.link, c.ev)
		queued := f.changed[fastpath.NeighbourKey{Link: c.link, Addr: c.ev.Addr}] && len(f.nkick) == 1
		if queued != c.queued || (len(f.kick) == 1) != c.wants || f.vrf.neighLinks[c.link] != c.wants || len(f.check) != 0 {
			t.Errorf("%s: queued %v, compilation asked %v, suspension checked %v; want %v, %v, false",
				c.name, queued, len(f.kick) == 1, len(f.check) != 0, c.queued, c.wants)
		}
	}
}
