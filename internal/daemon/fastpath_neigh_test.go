package daemon

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// TestFastPathStaticNeighbours: the fast path forwards to an entry an
// administrator set PERMANENT or NOARP, and a new MAC or a dynamic state
// set over it invalidates the applied compilation at once.
func TestFastPathStaticNeighbours(t *testing.T) {
	var events []neigh.Event
	cfg := neigh.DefaultConfig()
	cfg.Watch = func(ev neigh.Event) { events = append(events, ev) }
	c := neigh.New(cfg, neigh.NewManualClock(time.Unix(1e9, 0)))
	ip := netip.MustParseAddr("10.0.0.2")
	mac := header.MAC{2, 0, 0, 0, 0, 2}
	for _, st := range []neigh.State{neigh.StatePermanent, neigh.StateNoARP} {
		if err := c.Replace(neigh.Static{Addr: ip, MAC: mac, State: st}); err != nil {
			t.Fatal(err)
		}
		fwd := forwardable([]fastpath.Port{{Link: 3, Neigh: c}})
		if got, ok := fwd[neighKey{3, ip}]; !ok || got != mac {
			t.Fatalf("forwardable with %v %s = %v, want it forwarded to %v", ip, st, fwd, mac)
		}
	}
	for _, change := range []neigh.Static{
		{Addr: ip, MAC: header.MAC{2, 0, 0, 0, 0, 3}, State: neigh.StatePermanent},
		{Addr: ip, MAC: mac, State: neigh.StateStale},
	} {
		c.Replace(neigh.Static{Addr: ip, MAC: mac, State: neigh.StateNoARP})
		f := &fastPath{kick: make(chan struct{}, 1), check: make(chan struct{}, 1)}
		fwd := forwardable([]fastpath.Port{{Link: 3, Neigh: c}})
		f.fwd.Store(&fwd)
		events = events[:0]
		if err := c.Replace(change); err != nil {
			t.Fatal(err)
		}
		for _, ev := range events {
			f.neighChanged(3, ev)
		}
		if !f.invalid.Load() {
			t.Errorf("after neigh replace to %v %s, the compilation is still valid (events %v)", change.MAC, change.State, events)
		}
	}
}
