package neigh

import (
	"sync"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// TestConcurrentLookup runs the data plane's readers against a writer that
// ticks, learns, resolves, confirms and administers; run it with -race.
// Readers must only ever see a usable state with a MAC.
func TestConcurrentLookup(t *testing.T) {
	c, clk := newCache(t)
	const n = 32
	for i := 1; i <= n; i++ {
		reachable(t, c, addr(IPv4, i))
		reachable(t, c, addr(IPv6, i))
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ip := addr(Family(i%2), (i+r)%(2*n)+1) // half of them unknown
				if mac, s, ok := c.Lookup(ip); ok && (mac == header.MAC{} || !s.Valid()) {
					t.Errorf("Lookup(%v) = %v, %v, true", ip, mac, s)
					return
				}
			}
		}()
	}
	var acts []Action
	for i := range 1000 {
		f := Family(i % 2)
		acts = c.Tick(acts[:0], clk.Advance(50*time.Millisecond))
		for _, a := range acts {
			if a.Op == OpSolicit && i%3 != 0 {
				answer(c, a.Addr, mac1)
			}
			if a.Packet != nil {
				a.Packet.Release()
			}
		}
		c.Resolve(addr(f, n+1+i%n), frame(i, 100))
		c.Confirm(addr(f, 1+i%n))
		switch i % 100 {
		case 10:
			c.Add(Static{Addr: addr(f, 1), MAC: mac2, State: StatePermanent})
		case 20:
			c.Delete(addr(f, 1))
		case 30:
			c.Entries()
			c.Stats(f)
		}
	}
	close(stop)
	wg.Wait()
	if st := c.Stats(IPv4); st.Lookups == 0 {
		t.Fatalf("readers never ran")
	}
}
