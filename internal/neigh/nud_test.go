package neigh

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

func TestStateString(t *testing.T) {
	want := map[State]string{
		StateNone: "none", StateIncomplete: "INCOMPLETE", StateReachable: "REACHABLE",
		StateStale: "STALE", StateDelay: "DELAY", StateProbe: "PROBE", StateFailed: "FAILED",
		StateNoARP: "NOARP", StatePermanent: "PERMANENT", State(42): "UNKNOWN",
	}
	for s, w := range want {
		if got := s.String(); got != w {
			t.Errorf("State(%d).String() = %q, want %q", s, got, w)
		}
	}
}

// INCOMPLETE → REACHABLE: the answer releases the queued frames in order.
func TestIncompleteToReachable(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		c, _ := newCache(t)
		if v, _ := c.Resolve(ip, frame(1, 64)); v != Solicit {
			t.Fatalf("Resolve(%v) = %v, want %v", ip, v, Solicit)
		}
		if v, _ := c.Resolve(ip, frame(2, 64)); v != Queued {
			t.Fatalf("second Resolve(%v) = %v, want %v", ip, v, Queued)
		}
		wantState(t, c, ip, StateIncomplete, header.MAC{})
		got := describe(answer(c, ip, mac1))
		want := "transmit " + ip.String() + " 02:00:00:00:00:01 #1, transmit " + ip.String() + " 02:00:00:00:00:01 #2"
		if got != want {
			t.Fatalf("answer actions = %q, want %q", got, want)
		}
		wantState(t, c, ip, StateReachable, mac1)
		settle(c)
		if mac, s, ok := c.Lookup(ip); !ok || mac != mac1 || s != StateReachable {
			t.Fatalf("Lookup(%v) = %v, %v, %v, want %v, REACHABLE, true", ip, mac, s, ok, mac1)
		}
	})
}

// INCOMPLETE → FAILED: mcast_solicit multicast solicitations retrans_time
// apart, then the queued frames come back unreachable, oldest first.
func TestIncompleteToFailed(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		c, clk := newCache(t)
		c.Resolve(ip, frame(1, 64))
		c.Resolve(ip, frame(2, 64))
		steps := []struct {
			at   time.Duration
			want string
		}{
			{999 * time.Millisecond, ""},
			{time.Second, "solicit " + ip.String() + " mcast"},
			{2 * time.Second, "solicit " + ip.String() + " mcast"},
			{2999 * time.Millisecond, ""},
			{3 * time.Second, "unreachable " + ip.String() + " #1, unreachable " + ip.String() + " #2"},
		}
		for _, s := range steps {
			clk.Advance(t0.Add(s.at).Sub(clk.Now()))
			if got := describe(c.Tick(nil, clk.Now())); got != s.want {
				t.Fatalf("Tick(t0+%v) = %q, want %q", s.at, got, s.want)
			}
		}
		wantState(t, c, ip, StateFailed, header.MAC{})
		if _, s, ok := c.Lookup(ip); ok || s != StateFailed {
			t.Fatalf("Lookup(%v) = %v, %v, want FAILED, false", ip, s, ok)
		}
		if st := c.Stats(FamilyOf(ip)); st.ResFailed != 1 {
			t.Fatalf("ResFailed = %d, want 1", st.ResFailed)
		}
	})
}

// FAILED → INCOMPLETE: the next packet starts a new resolution.
func TestFailedToIncomplete(t *testing.T) {
	c, clk := newCache(t)
	c.Resolve(ip4, nil)
	run(c, clk, 3*time.Second)
	wantState(t, c, ip4, StateFailed, header.MAC{})
	if v, _ := c.Resolve(ip4, frame(1, 64)); v != Solicit {
		t.Fatalf("Resolve(%v) on FAILED = %v, want %v", ip4, v, Solicit)
	}
	wantState(t, c, ip4, StateIncomplete, header.MAC{})
}

// REACHABLE → STALE once reachable_time passes without confirmation.
func TestReachableToStale(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		c, clk := newCache(t)
		reachable(t, c, ip)
		if acts := run(c, clk, 30*time.Second); len(acts) != 0 {
			t.Fatalf("30 s of ticks = %q, want none", describe(acts))
		}
		wantState(t, c, ip, StateReachable, mac1)
		run(c, clk, 100*time.Millisecond)
		wantState(t, c, ip, StateStale, mac1)
	})
}

// REACHABLE → DELAY directly when the entry was used just before expiry.
func TestReachableToDelayWhenUsed(t *testing.T) {
	c, clk := newCache(t)
	reachable(t, c, ip4)
	run(c, clk, 29*time.Second)
	if v, mac := c.Resolve(ip4, nil); v != Ready || mac != mac1 {
		t.Fatalf("Resolve(%v) = %v %v, want %v %v", ip4, v, mac, Ready, mac1)
	}
	run(c, clk, 1100*time.Millisecond)
	wantState(t, c, ip4, StateDelay, mac1)
}

// STALE → DELAY on use: Lookup still answers with the MAC.
func TestStaleToDelayOnUse(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		c, _ := newCache(t)
		stale(t, c, ip)
		if mac, s, ok := c.Lookup(ip); !ok || mac != mac1 || s != StateDelay {
			t.Fatalf("Lookup(%v) = %v, %v, %v, want %v, DELAY, true", ip, mac, s, ok, mac1)
		}
		wantState(t, c, ip, StateDelay, mac1)
	})
}

// DELAY → PROBE after delay_first_probe_time, with a unicast probe.
func TestDelayToProbe(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		c, clk := newCache(t)
		stale(t, c, ip)
		c.Lookup(ip)
		if acts := run(c, clk, 4900*time.Millisecond); len(acts) != 0 {
			t.Fatalf("4.9 s in DELAY = %q, want nothing", describe(acts))
		}
		got := describe(run(c, clk, 100*time.Millisecond))
		if want := "solicit " + ip.String() + " 02:00:00:00:00:01"; got != want {
			t.Fatalf("DELAY expiry = %q, want %q", got, want)
		}
		wantState(t, c, ip, StateProbe, mac1)
		if _, s, ok := c.Lookup(ip); !ok || s != StateProbe {
			t.Fatalf("Lookup(%v) in PROBE = %v, %v, want PROBE, true", ip, s, ok)
		}
	})
}

// DELAY → REACHABLE when an upper layer confirmed during the delay.
func TestDelayToReachableOnConfirm(t *testing.T) {
	c, clk := newCache(t)
	stale(t, c, ip4)
	c.Lookup(ip4)
	clk.Advance(2 * time.Second)
	c.Confirm(ip4)
	if acts := run(c, clk, 4*time.Second); len(acts) != 0 {
		t.Fatalf("confirmed DELAY sent %q, want nothing", describe(acts))
	}
	wantState(t, c, ip4, StateReachable, mac1)
}

// PROBE → REACHABLE on a solicited answer.
func TestProbeToReachable(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		c, clk := newCache(t)
		stale(t, c, ip)
		c.Lookup(ip)
		run(c, clk, 5100*time.Millisecond)
		wantState(t, c, ip, StateProbe, mac1)
		answer(c, ip, mac1)
		wantState(t, c, ip, StateReachable, mac1)
		if acts := run(c, clk, 10*time.Second); len(acts) != 0 {
			t.Fatalf("REACHABLE sent %q, want nothing", describe(acts))
		}
	})
}

// PROBE → FAILED after ucast_solicit unanswered unicast probes.
func TestProbeToFailed(t *testing.T) {
	families(t, func(t *testing.T, ip netip.Addr) {
		c, clk := newCache(t)
		stale(t, c, ip)
		c.Lookup(ip)
		got := describe(run(c, clk, 8*time.Second))
		probe := "solicit " + ip.String() + " 02:00:00:00:00:01"
		if want := probe + ", " + probe + ", " + probe; got != want {
			t.Fatalf("8 s from DELAY = %q, want %q", got, want)
		}
		wantState(t, c, ip, StateFailed, header.MAC{})
		if _, _, ok := c.Lookup(ip); ok {
			t.Fatalf("Lookup(%v) after PROBE failed: ok, want not", ip)
		}
	})
}

// mcast_resolicit adds multicast probes after the unicast ones.
func TestProbeResolicit(t *testing.T) {
	c, clk := newCache(t, func(p *Params) { p.McastResolicit = 1 })
	stale(t, c, ip4)
	c.Lookup(ip4)
	acts := run(c, clk, 9*time.Second)
	if len(acts) != 4 || !acts[2].Unicast || acts[3].Unicast {
		t.Fatalf("PROBE with mcast_resolicit 1 = %q, want 3 unicast then 1 multicast", describe(acts))
	}
	describe(acts)
	wantState(t, c, ip4, StateFailed, header.MAC{})
}

// Static entries never age and are never replaced by learning. PERMANENT
// ones are never collected; NOARP ones are, once unused for
// gc_stale_time, as neigh_periodic_work collects them.
func TestPermanentNeverAges(t *testing.T) {
	for _, s := range []State{StatePermanent, StateNoARP} {
		t.Run(s.String(), func(t *testing.T) {
			c, clk := newCache(t, func(p *Params) { p.GCThresh1 = 0 })
			if err := c.Add(Static{Addr: ip4, MAC: mac1, State: s}); err != nil {
				t.Fatalf("Add(%v %v) = %v", ip4, s, err)
			}
			c.Input(nil, ip4, mac2, ARPReply, FlagUnicast|FlagGratuitous)
			c.Input(nil, ip4, mac2, ARPRequest, FlagTarget)
			if acts := run(c, clk, 59*time.Second); len(acts) != 0 {
				t.Fatalf("static entry sent %q", describe(acts))
			}
			if mac, got, ok := c.Lookup(ip4); !ok || got != s || mac != mac1 {
				t.Fatalf("Lookup(%v) = %v, %v, %v, want %v, %v, true", ip4, mac, got, ok, mac1, s)
			}
			run(c, clk, 10*time.Minute)
			want := s
			if s == StateNoARP {
				want = StateNone
			}
			if _, got, _ := c.Lookup(ip4); got != want {
				t.Fatalf("after 10 min unused: Lookup(%v) state %v, want %v", ip4, got, want)
			}
		})
	}
}

// TestForcedGCNoARP: NOARP entries count against gc_thresh3 and forced GC
// frees them at any age, as neigh_forced_gc does; PERMANENT ones do
// neither.
func TestForcedGCNoARP(t *testing.T) {
	c, _ := newCache(t, func(p *Params) { p.GCThresh2, p.GCThresh3 = 2, 2 })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Add(Static{Addr: addr(IPv4, 1), MAC: mac1, State: StatePermanent}))
	must(c.Add(Static{Addr: addr(IPv4, 2), MAC: mac1, State: StateNoARP}))
	stale(t, c, addr(IPv4, 3))
	// Full: two dynamic entries. The fresh NOARP entry goes first.
	stale(t, c, addr(IPv4, 4))
	for i, want := range []State{StatePermanent, StateNone, StateStale, StateStale} {
		if s := state(c, addr(IPv4, i+1)); s != want {
			t.Errorf("state(%v) = %v, want %v", addr(IPv4, i+1), s, want)
		}
	}
}
