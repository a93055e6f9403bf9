package neigh

import (
	"testing"
	"time"
)

// BenchmarkFlood measures the cost of one flooding frame, in ns and
// allocations: a solicitation from a new source (ARP request, or NS
// with a source link-layer address) or a packet to a new unresolved
// destination, arriving at 10,000 a second on a table at Linux's default
// limits, with Tick run every 100 ms of the simulated clock. "refused"
// is a table full of entries too fresh for forced GC (every frame
// refused); "global" is a table whose Budget is spent.
func BenchmarkFlood(b *testing.B) {
	cases := []struct {
		name   string
		budget *Budget
		frame  func(c *Cache, i int)
		step   time.Duration
	}{
		{"solicit4", nil, func(c *Cache, i int) { solicitFrom(c, floodAddr(IPv4, i)) }, 100 * time.Microsecond},
		{"solicit6", nil, func(c *Cache, i int) { solicitFrom(c, floodAddr(IPv6, i)) }, 100 * time.Microsecond},
		{"resolve4", nil, func(c *Cache, i int) { c.Resolve(floodAddr(IPv4, i), frame(i, 200)) }, 100 * time.Microsecond},
		{"refused4", nil, func(c *Cache, i int) { solicitFrom(c, floodAddr(IPv4, i)) }, 0},
		{"global4", NewBudget(1, 0), func(c *Cache, i int) { solicitFrom(c, floodAddr(IPv4, i)) }, 100 * time.Microsecond},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Budget = bc.budget
			clk := NewManualClock(t0)
			c := New(cfg, clk)
			defer c.Close()
			if bc.budget != nil {
				// Another cache holds the Budget's only place.
				other := New(cfg, clk)
				defer other.Close()
				solicitFrom(other, ip4)
			}
			i := 0
			for ; i < 2000; i++ { // fill the table first
				bc.frame(c, i)
			}
			tick(c, clk.Now())
			b.ReportAllocs()
			for b.Loop() {
				bc.frame(c, i)
				i++
				if i%1000 == 0 {
					tick(c, clk.Advance(1000*bc.step))
				}
			}
		})
	}
}
