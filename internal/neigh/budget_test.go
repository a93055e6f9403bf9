package neigh

import (
	"sync"
	"testing"
	"time"
)

// budgetCaches returns n caches sharing b, with gc_thresh2 and gc_thresh3
// at thresh, on one manual clock.
func budgetCaches(t *testing.T, b *Budget, n, thresh int) ([]*Cache, *ManualClock) {
	t.Helper()
	clk := NewManualClock(t0)
	cs := make([]*Cache, n)
	for i := range cs {
		cfg := DefaultConfig()
		cfg.Rand = fixedRand(15 * time.Second)
		cfg.Budget = b
		for _, p := range []*Params{&cfg.IPv4, &cfg.IPv6} {
			p.GCThresh2, p.GCThresh3 = thresh, thresh
		}
		cs[i] = New(cfg, clk)
		t.Cleanup(cs[i].Close)
	}
	return cs, clk
}

// learnt returns how many of count sources from first on c took.
func learnt(c *Cache, f Family, first, count int) int {
	n := 0
	for i := first; i < first+count; i++ {
		solicitFrom(c, floodAddr(f, i))
		if _, ok := c.Get(floodAddr(f, i)); ok {
			n++
		}
	}
	return n
}

// TestBudgetShared: caches sharing a Budget hold at most its Max entries
// together; a flooding cache stops at 7/8 of it, a quiet one still learns
// up to its fair share, and an entry the flooder's own GC frees goes to a
// cache under its share, not back to the flooder.
func TestBudgetShared(t *testing.T) {
	b := NewBudget(64, 0)
	cs, clk := budgetCaches(t, b, 3, 1000)
	flood, quiet, late := cs[0], cs[1], cs[2]
	if n := learnt(flood, IPv4, 0, 100); n != 56 {
		t.Fatalf("flooding cache learnt %d of 100, want 56 (7/8 of 64)", n)
	}
	if n := learnt(quiet, IPv6, 0, 20); n != 8 {
		t.Fatalf("quiet cache learnt %d of 20, want the 8 left", n)
	}
	if b.Used() != 64 {
		t.Fatalf("Used = %d, want 64", b.Used())
	}
	if n := learnt(late, IPv4, 0, 1); n != 0 {
		t.Fatalf("a third cache learnt %d with the Budget spent, want 0", n)
	}
	clk.Advance(6 * time.Second)
	// The flooder's next source: its forced GC frees its oldest entry,
	// which the Budget keeps for the caches under their share.
	if n := learnt(flood, IPv4, 100, 1); n != 0 {
		t.Fatalf("flooding cache over its share learnt a new source")
	}
	if n := learnt(late, IPv4, 0, 1); n != 1 {
		t.Fatalf("cache under its share learnt %d, want the freed place", n)
	}
	st := flood.Stats(IPv4)
	if st.GlobalFulls != 45 || st.TableFulls != 0 || b.Used() != 64 {
		t.Errorf("flooder GlobalFulls, TableFulls = %d, %d, Used = %d, want 45, 0, 64", st.GlobalFulls, st.TableFulls, b.Used())
	}
	for _, c := range cs {
		c.Close()
	}
	if b.Used() != 0 {
		t.Errorf("Used after Close = %d, want 0", b.Used())
	}
}

// TestBudgetQuietLearnsDuringFlood: eight ports flood their tables at
// Linux's default limits while a ninth learns a neighbour every 100 ms;
// the Budget holds, the flooders are refused, the quiet port is not.
func TestBudgetQuietLearnsDuringFlood(t *testing.T) {
	const max = 4096
	b := NewBudget(max, 0)
	cs, clk := budgetCaches(t, b, 9, 0)
	for _, c := range cs {
		for _, f := range []Family{IPv4, IPv6} {
			c.SetParams(f, DefaultParams(f))
		}
	}
	quiet, next := cs[8], 0
	for range 100 { // 10 s
		for k, c := range cs[:8] {
			for range 200 {
				solicitFrom(c, floodAddr(Family(k%2), next))
				next++
			}
		}
		if n := learnt(quiet, IPv4, next, 1); n != 1 {
			t.Fatalf("quiet port refused a neighbour with %d entries used: %+v", b.Used(), quiet.Stats(IPv4))
		}
		next++
		for _, c := range cs {
			tick(c, clk.Advance(0))
		}
		clk.Advance(100 * time.Millisecond)
		if b.Used() > max {
			t.Fatalf("Used = %d, over %d", b.Used(), max)
		}
	}
	var refused uint64
	for k, c := range cs[:8] {
		refused += c.Stats(Family(k % 2)).GlobalFulls
	}
	if refused == 0 {
		t.Errorf("the flooders were never refused by the Budget")
	}
}

// TestBudgetExemptStatic: PERMANENT and NOARP entries cost the Budget
// nothing, and are made even when it is spent; an entry an administrator
// turns dynamic is counted from then on.
func TestBudgetExemptStatic(t *testing.T) {
	b := NewBudget(1, 0)
	cs, _ := budgetCaches(t, b, 1, 100)
	c := cs[0]
	stale(t, c, ip4)
	if err := c.Add(Static{Addr: ip6, MAC: mac1, State: StatePermanent}); err != nil {
		t.Fatalf("Add PERMANENT with the Budget spent: %v", err)
	}
	if b.Used() != 1 {
		t.Fatalf("Used = %d with one STALE and one PERMANENT entry, want 1", b.Used())
	}
	if err := c.Change(Static{Addr: ip6, MAC: mac1, State: StateReachable}); err != nil {
		t.Fatal(err)
	}
	if b.Used() != 2 {
		t.Fatalf("Used = %d after PERMANENT became REACHABLE, want 2", b.Used())
	}
	if err := c.Delete(ip6); err != nil {
		t.Fatal(err)
	}
	if b.Used() != 1 {
		t.Fatalf("Used = %d after Delete, want 1", b.Used())
	}
}

// TestBudgetConcurrent: caches flooded from several goroutines at once
// never take more than the Budget's Max together, and give everything
// back when closed.
func TestBudgetConcurrent(t *testing.T) {
	const max = 500
	b := NewBudget(max, 0)
	cs, clk := budgetCaches(t, b, 4, 1024)
	var wg sync.WaitGroup
	for k, c := range cs {
		wg.Go(func() {
			for i := range 5000 {
				solicitFrom(c, floodAddr(IPv4, k<<16|i))
				if i%500 == 0 {
					tick(c, clk.Now())
				}
			}
		})
	}
	wg.Wait()
	if b.Used() > max {
		t.Fatalf("Used = %d, over %d", b.Used(), max)
	}
	total := 0
	for _, c := range cs {
		total += int(c.Stats(IPv4).Entries)
	}
	if total != b.Used() {
		t.Fatalf("caches hold %d entries, Budget counts %d", total, b.Used())
	}
	for _, c := range cs {
		c.Close()
	}
	if b.Used() != 0 {
		t.Fatalf("Used after Close = %d, want 0", b.Used())
	}
}

// TestBudgetQueueBytes: the bytes queued for resolution over caches
// sharing a Budget stay within its MaxQueueBytes: a flooding cache stops
// at 7/8 of it, a quiet one queues within its share, and every byte comes
// back when the resolutions end.
func TestBudgetQueueBytes(t *testing.T) {
	b := NewBudget(0, 8000)
	cs, clk := budgetCaches(t, b, 2, 1000)
	flood, quiet := cs[0], cs[1]
	for i := range 20 {
		if v, _ := flood.Resolve(floodAddr(IPv4, i), frame(i, 1000)); v != Solicit {
			t.Fatalf("Resolve %d = %v, want %v", i, v, Solicit)
		}
	}
	if b.Queued() != 7000 || flood.Stats(IPv4).UnresDiscards != 13 {
		t.Fatalf("Queued, UnresDiscards = %d, %d, want 7000, 13", b.Queued(), flood.Stats(IPv4).UnresDiscards)
	}
	quiet.Resolve(floodAddr(IPv6, 1), frame(1, 1000))
	quiet.Resolve(floodAddr(IPv6, 2), frame(2, 1000))
	if b.Queued() != 8000 || quiet.Stats(IPv6).UnresDiscards != 1 {
		t.Fatalf("Queued, quiet UnresDiscards = %d, %d, want 8000, 1", b.Queued(), quiet.Stats(IPv6).UnresDiscards)
	}
	for range 40 { // the resolutions fail
		for _, c := range cs {
			tick(c, clk.Advance(50*time.Millisecond))
		}
	}
	if b.Queued() != 0 {
		t.Fatalf("Queued after the resolutions failed = %d, want 0", b.Queued())
	}
}
