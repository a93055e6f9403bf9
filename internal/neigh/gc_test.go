package neigh

import (
	"net/netip"
	"testing"
	"time"
)

// addr returns 10.0.x.y for n = x*256+y, or 2001:db8::n for IPv6.
func addr(f Family, n int) netip.Addr {
	if f == IPv4 {
		return netip.AddrFrom4([4]byte{10, 0, byte(n >> 8), byte(n)})
	}
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(n >> 8), 15: byte(n)})
}

// TestPeriodicGC: neigh_periodic_work removes FAILED entries at once and
// STALE ones gc_stale_time after their last use or confirmation, every
// base_reachable_time/2, and only once gc_thresh1 entries exist.
func TestPeriodicGC(t *testing.T) {
	c, clk := newCache(t, func(p *Params) { p.GCThresh1 = 3 })
	failed, idle, confirmed, perm := addr(IPv4, 1), addr(IPv4, 2), addr(IPv4, 3), addr(IPv4, 4)
	c.Resolve(failed, nil)
	stale(t, c, idle)
	stale(t, c, confirmed)
	if err := c.Add(Static{Addr: perm, MAC: mac1, State: StatePermanent}); err != nil {
		t.Fatal(err)
	}
	describe(run(c, clk, 15*time.Second))
	if s := state(c, failed); s != StateNone {
		t.Fatalf("FAILED entry after the first GC run: %v, want removed", s)
	}
	run(c, clk, 35*time.Second)
	c.Confirm(confirmed)
	run(c, clk, 10*time.Second) // t0+60s: the run that finds idle unused for gc_stale_time
	for ip, want := range map[netip.Addr]State{idle: StateNone, confirmed: StateStale, perm: StatePermanent} {
		if s := state(c, ip); s != want {
			t.Errorf("after 60 s: state(%v) = %v, want %v", ip, s, want)
		}
	}
	if st := c.Stats(IPv4); st.PeriodicGCRuns != 4 || st.Destroys != 2 {
		t.Errorf("PeriodicGCRuns, Destroys = %d, %d, want 4, 2", st.PeriodicGCRuns, st.Destroys)
	}
}

// TestPeriodicGCBelowThresh1 keeps everything below gc_thresh1.
func TestPeriodicGCBelowThresh1(t *testing.T) {
	c, clk := newCache(t)
	c.Resolve(ip4, nil)
	stale(t, c, addr(IPv4, 2))
	describe(run(c, clk, 3*time.Minute))
	if n := len(c.Entries()); n != 2 {
		t.Fatalf("%d entries after 3 min below gc_thresh1, want 2", n)
	}
}

// TestForcedGC: at gc_thresh3 a new entry forces GC, which walks the
// entries oldest first and frees FAILED ones and those without a timer
// not updated for 5 s, down to gc_thresh2 counting the new one
// (neigh_forced_gc's max_clean), but never REACHABLE or INCOMPLETE ones;
// with nothing to free, the new entry is refused and counted, each time.
func TestForcedGC(t *testing.T) {
	c, clk := newCache(t, func(p *Params) { p.GCThresh2, p.GCThresh3 = 3, 4 })
	for i := 1; i <= 2; i++ {
		reachable(t, c, addr(IPv4, i))
	}
	c.Resolve(addr(IPv4, 3), nil) // will fail
	stale(t, c, addr(IPv4, 4))    // will be idle
	describe(run(c, clk, 6*time.Second))
	if v, _ := c.Resolve(addr(IPv4, 5), nil); v != Solicit {
		t.Fatalf("Resolve(%v) at gc_thresh3 = %v, want %v after GC", addr(IPv4, 5), v, Solicit)
	}
	// max_clean = 4+1-3 = 2: the FAILED and the idle STALE entry go.
	for i, want := range []State{StateReachable, StateReachable, StateNone, StateNone, StateIncomplete} {
		if s := state(c, addr(IPv4, i+1)); s != want {
			t.Errorf("after forced GC: state(%v) = %v, want %v", addr(IPv4, i+1), s, want)
		}
	}
	// Between gc_thresh2 and gc_thresh3 within 5 s of the last forced GC:
	// no GC, the entry is made.
	if v, _ := c.Resolve(addr(IPv4, 6), nil); v != Solicit {
		t.Fatalf("Resolve(%v) at gc_thresh2 = %v, want %v", addr(IPv4, 6), v, Solicit)
	}
	if v, _ := c.Resolve(addr(IPv4, 7), nil); v != TableFull {
		t.Fatalf("Resolve(%v) with nothing to collect = %v, want %v", addr(IPv4, 7), v, TableFull)
	}
	c.Resolve(addr(IPv4, 8), nil)
	st := c.Stats(IPv4)
	if st.ForcedGCRuns != 3 || st.TableFulls != 2 || st.Entries != 4 {
		t.Fatalf("ForcedGCRuns, TableFulls, Entries = %d, %d, %d, want 3, 2, 4", st.ForcedGCRuns, st.TableFulls, st.Entries)
	}
	// The resolutions fail: FAILED entries go at once.
	describe(run(c, clk, 3*time.Second))
	if v, _ := c.Resolve(addr(IPv4, 9), nil); v != Solicit {
		t.Fatalf("Resolve(%v) with FAILED entries = %v, want %v", addr(IPv4, 9), v, Solicit)
	}
}

// TestForcedGCOldestFirst: forced GC frees the oldest collectable entries
// first, and an entry becomes collectable strictly more than 5 s after
// its last update, not a moment before, however often GC is forced.
func TestForcedGCOldestFirst(t *testing.T) {
	c, clk := newCache(t, func(p *Params) { p.GCThresh2, p.GCThresh3 = 4, 4 })
	for i := 1; i <= 4; i++ {
		stale(t, c, addr(IPv4, i))
		clk.Advance(time.Second)
	}
	// t0+4s: entry 1 was updated at t0; it may go after t0+5s.
	for range 10 {
		if v, _ := c.Resolve(addr(IPv4, 10), nil); v != TableFull {
			t.Fatalf("Resolve at t0+%v = %v, want %v", clk.Now().Sub(t0), v, TableFull)
		}
	}
	clk.Advance(time.Second)
	if v, _ := c.Resolve(addr(IPv4, 10), nil); v != TableFull {
		t.Fatalf("Resolve exactly 5 s after the oldest update = %v, want %v", v, TableFull)
	}
	clk.Advance(time.Nanosecond)
	if v, _ := c.Resolve(addr(IPv4, 10), nil); v != Solicit {
		t.Fatalf("Resolve just over 5 s after the oldest update = %v, want %v", v, Solicit)
	}
	for i, want := range []State{StateNone, StateStale, StateStale, StateStale} {
		if s := state(c, addr(IPv4, i+1)); s != want {
			t.Errorf("state(%v) = %v, want %v", addr(IPv4, i+1), s, want)
		}
	}
	if st := c.Stats(IPv4); st.ForcedGCRuns != 12 || st.TableFulls != 11 {
		t.Errorf("ForcedGCRuns, TableFulls = %d, %d, want 12, 11 (one run per refusal, as Linux)", st.ForcedGCRuns, st.TableFulls)
	}
}

// TestFloodKeepsEstablished: floods of new neighbours, through packets to
// unresolvable addresses or through spoofed solicitations, never cost an
// established neighbour its entry, and the table stays within bounds.
func TestFloodKeepsEstablished(t *testing.T) {
	const established = 6
	floods := []struct {
		name  string
		flood func(c *Cache, f Family, n int)
		stat  func(Stats) uint64
	}{
		{"unresolvable destinations", func(c *Cache, f Family, n int) {
			c.Resolve(addr(f, n), frame(n, 100))
		}, func(s Stats) uint64 { return s.IncompleteFulls }},
		{"spoofed solicitations", func(c *Cache, f Family, n int) {
			if f == IPv4 {
				c.Input(nil, addr(f, n), mac2, ARPRequest, FlagTarget)
			} else {
				c.Input(nil, addr(f, n), mac2, NeighborSolicit, FlagTarget)
			}
		}, func(s Stats) uint64 { return s.TableFulls }},
	}
	for _, fl := range floods {
		for _, f := range []Family{IPv4, IPv6} {
			t.Run(fl.name+"/"+f.String(), func(t *testing.T) {
				c, clk := newCache(t, func(p *Params) {
					p.GCThresh1, p.GCThresh2, p.GCThresh3, p.MaxIncomplete = 4, 8, 16, 4
				})
				for i := 1; i <= established; i++ {
					reachable(t, c, addr(f, i))
				}
				next := 1000
				for range 1200 { // two minutes of 100 ms ticks
					for range 20 {
						fl.flood(c, f, next)
						next++
					}
					for i := 1; i <= established; i++ {
						c.Lookup(addr(f, i)) // traffic keeps them in use
					}
					for _, a := range c.Tick(nil, clk.Advance(100*time.Millisecond)) {
						if a.Op == OpSolicit && a.Unicast { // established neighbours answer probes
							answer(c, a.Addr, mac1)
						}
						if a.Packet != nil {
							a.Packet.Release()
						}
					}
					if n := len(c.Entries()); n > 16 {
						t.Fatalf("%d entries, over gc_thresh3 16", n)
					}
				}
				for i := 1; i <= established; i++ {
					if mac, s, ok := c.Lookup(addr(f, i)); !ok || mac != mac1 {
						t.Errorf("Lookup(%v) after the flood = %v, %v, %v, want %v, usable", addr(f, i), mac, s, ok, mac1)
					}
				}
				if st := c.Stats(f); fl.stat(st) == 0 {
					t.Errorf("flood refused nothing: %+v", st)
				}
			})
		}
	}
}
