package neigh

import (
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// TestLookupView: Lookup sees entries made since the last Tick only from
// the next one, and Resolve covers the gap; removed entries are unusable
// at once.
func TestLookupView(t *testing.T) {
	c, clk := newCache(t)
	c.Resolve(ip4, nil)
	answer(c, ip4, mac1)
	if _, s, ok := c.Lookup(ip4); ok || s != StateNone {
		t.Fatalf("Lookup(%v) before Tick = %v, %v, want none, false", ip4, s, ok)
	}
	if v, mac := c.Resolve(ip4, frame(1, 64)); v != Ready || mac != mac1 {
		t.Fatalf("Resolve(%v) before Tick = %v %v, want %v %v", ip4, v, mac, Ready, mac1)
	}
	c.Tick(nil, clk.Now())
	if mac, s, ok := c.Lookup(ip4); !ok || s != StateReachable || mac != mac1 {
		t.Fatalf("Lookup(%v) after Tick = %v, %v, %v, want %v, REACHABLE, true", ip4, mac, s, ok, mac1)
	}
	c.Delete(ip4)
	if mac, s, ok := c.Lookup(ip4); ok || s != StateNone || mac != (header.MAC{}) {
		t.Fatalf("Lookup(%v) after Delete = %v, %v, %v, want none", ip4, mac, s, ok)
	}
}

// TestNext: Next names the earliest work: the periodic GC, a publication
// of new entries, a timer, or pending results.
func TestNext(t *testing.T) {
	c, clk := newCache(t)
	steps := []struct {
		name string
		do   func()
		want time.Time
	}{
		{"empty", func() {}, t0.Add(15 * time.Second)},
		{"new entry", func() { c.Resolve(ip4, frame(1, 64)) }, t0.Add(publishInterval)},
		{"published", func() { c.Tick(nil, clk.Now()) }, t0.Add(time.Second)},
		{"deleted", func() { c.Delete(ip4) }, time.Time{}},
	}
	for _, s := range steps {
		s.do()
		if got := c.Next(); !got.Equal(s.want) {
			t.Fatalf("%s: Next() = %v, want %v", s.name, got, s.want)
		}
	}
	describe(c.Tick(nil, clk.Now()))
}

// TestLookupRef: a Ref kept across changes answers as Lookup does at
// each step: a new entry once published, a changed MAC, a stale entry
// moved to DELAY, a deleted entry, another table's view.
func TestLookupRef(t *testing.T) {
	c, clk := newCache(t)
	var r Ref
	check := func(step string) {
		t.Helper()
		gotMAC, gotState, gotOK := c.LookupRef(ip4, &r)
		var fresh Ref
		wantMAC, wantState, wantOK := c.LookupRef(ip4, &fresh)
		if gotMAC != wantMAC || gotState != wantState || gotOK != wantOK {
			t.Fatalf("%s: LookupRef(%v) = %v, %v, %v through a kept Ref, want %v, %v, %v", step, ip4,
				gotMAC, gotState, gotOK, wantMAC, wantState, wantOK)
		}
	}
	check("empty")
	c.Resolve(ip4, nil)
	answer(c, ip4, mac1)
	check("made, not published")
	c.Tick(nil, clk.Now())
	check("published")
	if err := c.Replace(Static{Addr: ip4, MAC: mac2, State: StateReachable}); err != nil {
		t.Fatal(err)
	}
	check("new MAC")
	stale(t, c, ip4)
	check("stale")
	check("delay")
	c.Delete(ip4)
	check("deleted")
	c.Tick(nil, clk.Now())
	check("deleted, published")
	if mac, _, ok := c.LookupRef(ip6, &Ref{}); ok {
		t.Fatalf("LookupRef(%v) = %v on an empty table", ip6, mac)
	}
}
