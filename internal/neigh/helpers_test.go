package neigh

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

var (
	t0   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ip4  = netip.MustParseAddr("192.0.2.1")
	ip6  = netip.MustParseAddr("2001:db8::1")
	mac1 = header.MAC{0x02, 0, 0, 0, 0, 1}
	mac2 = header.MAC{0x02, 0, 0, 0, 0, 2}
)

// fixedRand always draws the same number. fixedRand(15 * time.Second)
// makes the reachable time exactly the 30 s base.
type fixedRand uint64

func (r fixedRand) Uint64() uint64 { return uint64(r) }

// newCache returns a cache with Linux's defaults, a 30 s reachable time,
// changes applied to both families' Params, on a manual clock at t0.
func newCache(t testing.TB, change ...func(*Params)) (*Cache, *ManualClock) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Rand = fixedRand(15 * time.Second)
	for _, f := range change {
		f(&cfg.IPv4)
		f(&cfg.IPv6)
	}
	clk := NewManualClock(t0)
	c := New(cfg, clk)
	t.Cleanup(c.Flush)
	return c, clk
}

// run advances the clock by d in 100 ms steps, ticking at each as the
// data plane does, and returns every Action.
func run(c *Cache, clk *ManualClock, d time.Duration) []Action {
	var acts []Action
	for step := 100 * time.Millisecond; d > 0; d -= step {
		acts = c.Tick(acts, clk.Advance(min(step, d)))
	}
	return acts
}

// state returns ip's state, StateNone without an entry.
func state(c *Cache, ip netip.Addr) State {
	e, _ := c.Get(ip)
	return e.State
}

// wantState fails the test unless ip is in state want with MAC mac
// (ignored when zero).
func wantState(t *testing.T, c *Cache, ip netip.Addr, want State, mac header.MAC) {
	t.Helper()
	e, _ := c.Get(ip)
	if e.State != want || mac != (header.MAC{}) && e.MAC != mac {
		t.Fatalf("Get(%v) = %v %v, want %v %v", ip, e.State, e.MAC, want, mac)
	}
}

// frame returns a distinguishable frame of n bytes numbered i.
func frame(i, n int) []byte {
	b := make([]byte, n)
	b[0] = byte(i)
	b[1] = byte(i >> 8)
	return b
}

// frameNum returns the number frame gave b.
func frameNum(b []byte) int { return int(b[0]) | int(b[1])<<8 }

// describe renders actions compactly for failure messages and comparisons,
// releasing their packets: "solicit 192.0.2.1 mcast", "transmit
// 192.0.2.1 02:00:00:00:00:01 #3", "unreachable 192.0.2.1 #3".
func describe(acts []Action) string {
	var s []string
	for _, a := range acts {
		d := a.Op.String() + " " + a.Addr.String()
		switch {
		case a.Op == OpSolicit && a.Unicast:
			d += " " + a.MAC.String()
		case a.Op == OpSolicit:
			d += " mcast"
		case a.Op == OpTransmit:
			d += " " + a.MAC.String()
		}
		if a.Packet != nil {
			d += fmt.Sprintf(" #%d", frameNum(a.Packet.Bytes()))
			a.Packet.Release()
		}
		s = append(s, d)
	}
	return strings.Join(s, ", ")
}

// reachable makes ip REACHABLE at mac1, as a solicited answer would.
func reachable(t *testing.T, c *Cache, ip netip.Addr) {
	t.Helper()
	if v, _ := c.Resolve(ip, nil); v != Solicit {
		t.Fatalf("Resolve(%v, nil) = %v, want %v", ip, v, Solicit)
	}
	answer(c, ip, mac1)
	settle(c)
	wantState(t, c, ip, StateReachable, mac1)
}

// answer feeds a solicited unicast answer: an ARP reply or a solicited NA.
func answer(c *Cache, ip netip.Addr, mac header.MAC) []Action {
	if ip.Is4() {
		return c.Input(nil, ip, mac, ARPReply, FlagUnicast)
	}
	return c.Input(nil, ip, mac, NeighborAdvert, FlagSolicited|FlagOverride)
}

// stale makes ip STALE at mac1, as a solicitation from it would.
func stale(t *testing.T, c *Cache, ip netip.Addr) {
	t.Helper()
	if ip.Is4() {
		c.Input(nil, ip, mac1, ARPRequest, FlagTarget)
	} else {
		c.Input(nil, ip, mac1, NeighborSolicit, FlagTarget)
	}
	settle(c)
	wantState(t, c, ip, StateStale, mac1)
}

// settle ticks at the current time, as the data plane soon would, so that
// Lookup sees new entries; it drops what the tick returns.
func settle(c *Cache) { describe(c.Tick(nil, c.clock.Now())) }

// families runs f once per family with that family's test address.
func families(t *testing.T, f func(t *testing.T, ip netip.Addr)) {
	for _, ip := range []netip.Addr{ip4, ip6} {
		t.Run(FamilyOf(ip).String(), func(t *testing.T) { f(t, ip) })
	}
}
