package neigh

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// TestSet covers `ip neigh add|replace|change`'s existence rules.
func TestSet(t *testing.T) {
	perm := Static{Addr: ip4, MAC: mac1, State: StatePermanent}
	tests := []struct {
		name  string
		exist bool
		call  func(*Cache, Static) error
		s     Static
		want  error
	}{
		{"add", false, (*Cache).Add, perm, nil},
		{"add existing", true, (*Cache).Add, perm, syscall.EEXIST},
		{"replace new", false, (*Cache).Replace, perm, nil},
		{"replace existing", true, (*Cache).Replace, perm, nil},
		{"change missing", false, (*Cache).Change, perm, syscall.ENOENT},
		{"change existing", true, (*Cache).Change, perm, nil},
		{"add FAILED", false, (*Cache).Add, Static{Addr: ip4, MAC: mac1, State: StateFailed}, syscall.EINVAL},
		{"add invalid address", false, (*Cache).Add, Static{MAC: mac1, State: StatePermanent}, syscall.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newCache(t)
			if tt.exist {
				stale(t, c, ip4)
			}
			err := tt.call(c, tt.s)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("%s(%v) = %v, want %v", tt.name, tt.s.Addr, err, tt.want)
			}
			if err == nil {
				wantState(t, c, ip4, tt.s.State, tt.s.MAC)
			}
		})
	}
}

// TestSetStates: an administrator may set any usable state; the dynamic
// ones then age as learned entries do.
func TestSetStates(t *testing.T) {
	c, clk := newCache(t)
	if err := c.Replace(Static{Addr: ip6, MAC: mac2, State: StateReachable, Router: true}); err != nil {
		t.Fatal(err)
	}
	e, _ := c.Get(ip6)
	if e.State != StateReachable || e.MAC != mac2 || !e.Router {
		t.Fatalf("Get(%v) = %+v, want REACHABLE %v router", ip6, e, mac2)
	}
	run(c, clk, 31*time.Second)
	wantState(t, c, ip6, StateStale, mac2)
	if err := c.Change(Static{Addr: ip6, MAC: mac2, State: StatePermanent}); err != nil {
		t.Fatal(err)
	}
	wantState(t, c, ip6, StatePermanent, mac2)
	if e, _ := c.Get(ip6); e.Router {
		t.Fatalf("Change without router kept the router flag")
	}
}

// TestAddReleasesQueue: a static entry for an address being resolved
// sends its queued packets, from the next Tick.
func TestAddReleasesQueue(t *testing.T) {
	c, clk := newCache(t)
	c.Resolve(ip4, frame(1, 64))
	if err := c.Replace(Static{Addr: ip4, MAC: mac2, State: StatePermanent}); err != nil {
		t.Fatal(err)
	}
	if next := c.Next(); !next.IsZero() {
		t.Fatalf("Next() = %v with results waiting, want zero", next)
	}
	got := describe(c.Tick(nil, clk.Now()))
	if want := "transmit 192.0.2.1 02:00:00:00:00:02 #1"; got != want {
		t.Fatalf("Tick = %q, want %q", got, want)
	}
}

// TestDelete: deleting an entry being resolved fails its queued packets
// (neigh_delete passes through neigh_invalidate); others just go.
func TestDelete(t *testing.T) {
	c, clk := newCache(t)
	if err := c.Delete(ip4); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("Delete(%v) of nothing = %v, want ENOENT", ip4, err)
	}
	c.Resolve(ip4, frame(1, 64))
	stale(t, c, ip6)
	for _, ip := range []netip.Addr{ip4, ip6} {
		if err := c.Delete(ip); err != nil {
			t.Fatalf("Delete(%v) = %v", ip, err)
		}
	}
	if got, want := describe(c.Tick(nil, clk.Now())), "unreachable 192.0.2.1 #1"; got != want {
		t.Fatalf("Tick after Delete = %q, want %q", got, want)
	}
	if n := len(c.Entries()); n != 0 {
		t.Fatalf("%d entries after Delete, want 0", n)
	}
	if acts := run(c, clk, 5*time.Second); len(acts) != 0 {
		t.Fatalf("deleted entry's timer fired: %q", describe(acts))
	}
}

// TestFlush removes everything, static entries and pending results too.
func TestFlush(t *testing.T) {
	c, clk := newCache(t)
	c.Add(Static{Addr: ip6, MAC: mac1, State: StatePermanent})
	c.Resolve(ip4, frame(1, 64))
	c.Resolve(addr(IPv4, 2), frame(2, 64))
	c.Delete(addr(IPv4, 2)) // leaves an unreachable pending
	c.Flush()
	if n := len(c.Entries()); n != 0 {
		t.Fatalf("%d entries after Flush, want 0", n)
	}
	if acts := run(c, clk, 5*time.Second); len(acts) != 0 {
		t.Fatalf("after Flush: %q, want nothing", describe(acts))
	}
	if v, _ := c.Resolve(ip4, nil); v != Solicit {
		t.Fatalf("Resolve(%v) after Flush = %v, want %v", ip4, v, Solicit)
	}
}

// TestEntries: order, MAC hidden unless valid, the -s ages and counts.
func TestEntries(t *testing.T) {
	c, clk := newCache(t)
	stale(t, c, ip6)
	c.Resolve(addr(IPv4, 9), frame(1, 64))
	clk.Advance(2 * time.Second)
	reachable(t, c, ip4)
	clk.Advance(time.Second)
	want := []Entry{
		{Addr: addr(IPv4, 9), State: StateIncomplete, Probes: 5, Queued: 1,
			Used: 3 * time.Second, Confirmed: 63 * time.Second, Updated: 3 * time.Second},
		{Addr: ip4, MAC: mac1, State: StateReachable, Probes: 4,
			Used: time.Second, Confirmed: time.Second, Updated: time.Second},
		{Addr: ip6, MAC: mac1, State: StateStale,
			Used: 3 * time.Second, Confirmed: 63 * time.Second, Updated: 3 * time.Second},
	}
	got := c.Entries()
	if len(got) != len(want) {
		t.Fatalf("Entries() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Entries()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestSetParams: a new base reachable time applies at once.
func TestSetParams(t *testing.T) {
	c, clk := newCache(t)
	p := c.Params(IPv4)
	p.BaseReachableTime = 4 * time.Second // fixedRand: 2 s + 15 s mod 4 s = 5 s
	c.SetParams(IPv4, p)
	reachable(t, c, ip4)
	run(c, clk, 5100*time.Millisecond)
	wantState(t, c, ip4, StateStale, header.MAC{})
}

// TestExternLearn: an update that does not name a protocol keeps the
// entry's, one without extern_learn clears the flag, and garbage
// collection leaves an extern_learn entry alone where it removes a plain
// NOARP one (neigh_periodic_work skips NTF_EXT_LEARNED).
func TestExternLearn(t *testing.T) {
	c, clk := newCache(t, func(p *Params) { p.GCThresh1 = 0 })
	ext := netip.MustParseAddr("10.0.0.7")
	if err := c.Add(Static{Addr: ext, MAC: mac1, State: StateNoARP, ExternLearn: true, Protocol: 186}); err != nil {
		t.Fatal(err)
	}
	if err := c.Add(Static{Addr: ip4, MAC: mac1, State: StateNoARP}); err != nil {
		t.Fatal(err)
	}
	if err := c.Replace(Static{Addr: ext, MAC: mac2, State: StateNoARP}); err != nil {
		t.Fatal(err)
	}
	e, _ := c.Get(ext)
	if e.ExternLearn || e.Protocol != 186 || e.MAC != mac2 {
		t.Fatalf("Get(%v) = %+v, want proto 186 lladdr %v without extern_learn", ext, e, mac2)
	}
	if err := c.Replace(Static{Addr: ext, MAC: mac2, State: StateNoARP, ExternLearn: true}); err != nil {
		t.Fatal(err)
	}
	run(c, clk, 10*time.Minute)
	if _, ok := c.Get(ip4); ok {
		t.Errorf("the unused NOARP entry %v survived GC", ip4)
	}
	if e, ok := c.Get(ext); !ok || e.State != StateNoARP {
		t.Errorf("Get(%v) = %+v, %v after GC, want the extern_learn entry NOARP", ext, e, ok)
	}
}
