package neigh

import (
	"net/netip"
	"testing"
	"time"
)

// TestReachableFor: a REACHABLE entry reports the time left of the
// reachable time drawn (here 15 s + 22 s of a 30 s base), down to zero
// at the moment its timer may end it, and the first Tick after makes it
// STALE; a confirmation extends it.
func TestReachableFor(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		cfg := DefaultConfig()
		cfg.Rand = fixedRand(22 * time.Second) // draws 37 s
		clk := NewManualClock(t0)
		c := New(cfg, clk)
		t.Cleanup(c.Flush)
		reachable(t, c, ip)
		steps := []struct {
			at    time.Duration
			left  time.Duration
			state State
		}{
			{0, 37 * time.Second, StateReachable},
			{10 * time.Second, 27 * time.Second, StateReachable},
			{37 * time.Second, 0, StateReachable},
			{37*time.Second + time.Millisecond, 0, StateStale},
		}
		for _, s := range steps {
			clk.Advance(t0.Add(s.at).Sub(clk.Now()))
			c.Tick(nil, clk.Now())
			e, _ := c.Get(ip)
			if e.State != s.state || e.ReachableFor != s.left {
				t.Fatalf("at t0+%v: %v for %v, want %v for %v", s.at, e.State, e.ReachableFor, s.state, s.left)
			}
		}
		answer(c, ip, mac1)
		clk.Advance(time.Second)
		if e, _ := c.Get(ip); e.State != StateReachable || e.ReachableFor != 36*time.Second {
			t.Fatalf("confirmed a second ago: %v for %v, want REACHABLE for 36s", e.State, e.ReachableFor)
		}
		c.Confirm(ip)
		if e, _ := c.Get(ip); e.ReachableFor != 37*time.Second {
			t.Fatalf("confirmed now: for %v, want 37s", e.ReachableFor)
		}
	})
}

// TestUse: a use reported by an outside forwarder marks the entry used
// and moves a STALE entry to DELAY, then PROBE, as the data plane's own
// Lookup would; a use older than the entry's last change moves nothing.
func TestUse(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		c, clk := newCache(t)
		stale(t, c, ip)
		clk.Advance(2 * time.Second)
		c.Use(ip, 3*time.Second) // before it became STALE
		if e, _ := c.Get(ip); e.State != StateStale || e.Used != 2*time.Second {
			t.Fatalf("after an old use: %v used %v ago, want STALE used 2s ago", e.State, e.Used)
		}
		c.Use(ip, time.Second)
		if e, _ := c.Get(ip); e.State != StateDelay || e.Used != time.Second {
			t.Fatalf("after a use: %v used %v ago, want DELAY used 1s ago", e.State, e.Used)
		}
		// DELAY's timer runs from the use: PROBE 5 s after it.
		if got := describe(run(c, clk, 3900*time.Millisecond)); got != "" {
			t.Fatalf("before delay_first_probe_time: %q", got)
		}
		if got := describe(run(c, clk, 200*time.Millisecond)); got != "solicit "+ip.String()+" "+mac1.String() {
			t.Fatalf("after delay_first_probe_time: %q, want a unicast probe", got)
		}
		wantState(t, c, ip, StateProbe, mac1)
		c.Use(ip, 0)
		if e, _ := c.Get(ip); e.State != StateProbe || e.Used != 0 {
			t.Fatalf("a use in PROBE: %v used %v ago, want PROBE used now", e.State, e.Used)
		}
		c.Use(netip.MustParseAddr("192.0.2.99"), 0) // no entry: nothing
	})
}
