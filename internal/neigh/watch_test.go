package neigh

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestWatch: every change of state or address is announced, in order, and
// a removal as the entry last was.
func TestWatch(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		var got []string
		cfg := DefaultConfig()
		cfg.Rand = fixedRand(15 * time.Second)
		cfg.Watch = func(ev Event) {
			s := fmt.Sprintf("%v %v %v", ev.Addr, ev.State, ev.MAC)
			if ev.Deleted {
				s = "Deleted " + s
			}
			got = append(got, s)
		}
		clk := NewManualClock(t0)
		c := New(cfg, clk)
		c.Resolve(ip, frame(1, 64))
		answer(c, ip, mac1)
		run(c, clk, 40*time.Second) // REACHABLE lasts 30 s here
		answer(c, ip, mac2)         // a new address, in an unsolicited way
		if err := c.Delete(ip); err != nil {
			t.Fatal(err)
		}
		zero := "00:00:00:00:00:00"
		want := []string{
			fmt.Sprintf("%v INCOMPLETE %s", ip, zero),
			fmt.Sprintf("%v REACHABLE %v", ip, mac1),
			fmt.Sprintf("%v STALE %v", ip, mac1),
			fmt.Sprintf("%v REACHABLE %v", ip, mac2),
			fmt.Sprintf("Deleted %v REACHABLE %v", ip, mac2),
		}
		if !slices.Equal(got, want) {
			t.Errorf("events:\n%q\nwant\n%q", got, want)
		}
	})
}
