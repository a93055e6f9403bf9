package neigh

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// TestZeroConfig: a zero Config and nil clock mean Linux's defaults and
// the wall clock.
func TestZeroConfig(t *testing.T) {
	c := New(Config{}, nil)
	for _, f := range []Family{IPv4, IPv6} {
		if got, want := c.Params(f), DefaultParams(f); got != want {
			t.Errorf("Params(%v) = %+v, want %+v", f, got, want)
		}
	}
	if got := c.Params(IPv6).Locktime; got != 0 {
		t.Errorf("IPv6 locktime = %v, want 0 (nd_tbl has none)", got)
	}
	if next := c.Next(); next.Before(time.Now()) {
		t.Errorf("Next() = %v, in the past", next)
	}
}

// TestReachableTimeRange: draws fall in [base/2, 3·base/2).
func TestReachableTimeRange(t *testing.T) {
	r := rand.NewPCG(1, 2)
	for range 1000 {
		if d := reachableTime(r, 30*time.Second); d < 15*time.Second || d >= 45*time.Second {
			t.Fatalf("reachableTime(30s) = %v, outside [15s, 45s)", d)
		}
	}
	if d := reachableTime(r, 0); d != 0 {
		t.Fatalf("reachableTime(0) = %v, want 0", d)
	}
}

// TestResolveRefused: addresses that cannot be neighbours, and a table
// with multicast solicitations off (mcast_solicit 0, app_solicit 0).
func TestResolveRefused(t *testing.T) {
	c, _ := newCache(t)
	for _, s := range []string{"0.0.0.0", "127.0.0.1", "224.0.0.5", "255.255.255.255", "::", "::1", "ff02::1"} {
		if v, _ := c.Resolve(netip.MustParseAddr(s), frame(1, 64)); v != Dropped {
			t.Errorf("Resolve(%s) = %v, want %v", s, v, Dropped)
		}
	}
	c, _ = newCache(t, func(p *Params) { p.McastSolicit = 0 })
	if v, _ := c.Resolve(ip4, frame(1, 64)); v != Dropped {
		t.Fatalf("Resolve(%v) with mcast_solicit 0 = %v, want %v", ip4, v, Dropped)
	}
	if s := state(c, ip4); s != StateFailed {
		t.Fatalf("state(%v) = %v, want FAILED", ip4, s)
	}
}

// TestErrorText: errors read like the call and unwrap to the errno.
func TestErrorText(t *testing.T) {
	c, _ := newCache(t)
	err := c.Delete(ip4)
	if got, want := err.Error(), "neigh del 192.0.2.1: no such file or directory"; got != want {
		t.Errorf("Delete(%v) = %q, want %q", ip4, got, want)
	}
	if !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Delete(%v) = %v, not ENOENT", ip4, err)
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{OpSolicit.String(), "solicit"}, {Op(0).String(), "op?"},
		{Ready.String(), "ready"}, {Dropped.String(), "dropped"}, {Verdict(9).String(), "verdict?"},
		{IPv4.String(), "inet"}, {IPv6.String(), "inet6"},
	} {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
}
