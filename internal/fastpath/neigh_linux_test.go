package fastpath

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// sync rewrites the neighbour part of every nexthop of c in both
// programs from the neighbour caches, as govrfd does on a neighbour
// change.
func (w *world) sync(t *testing.T, c *Compiled) {
	t.Helper()
	s := w.ctl.Snapshot()
	for i, k := range c.Neighbours {
		mono := Monotonic()
		e, ok := w.dp.Neighbors(k.Link).Get(k.Addr)
		var n Neighbour
		if ok {
			n = NeighbourOf(&e, mono)
		}
		for _, p := range w.paths {
			if err := p.SetNeighbour(uint32(i+1), n); err != nil {
				t.Fatalf("%s of %s: %v", k.Addr, s.Link(k.Link).Name, err)
			}
		}
	}
}

// advance moves the data plane's clock by d, ticking every 100 ms as it
// would, and drops what the ports sent meanwhile (solicitations).
func (w *world) advance(d time.Duration) {
	for step := 100 * time.Millisecond; d > 0; d -= step {
		w.clock.Advance(min(step, d))
		w.dp.Poll()
	}
	bufs, sizes := [][]byte{make([]byte, 9000)}, []int{0}
	for _, p := range w.far {
		for {
			if k, _ := p.TryRead(bufs, sizes, 0); k == 0 {
				break
			}
		}
	}
}

// TestIntegrationNeighbourTime takes a neighbour through the states
// Linux gives one under traffic that nothing confirms, REACHABLE to its
// drawn reachable time, STALE, DELAY on use, PROBE, FAILED, and back,
// rewriting its nexthop at each change as govrfd does. At each step a
// frame through both programs is either handed over unchanged or
// forwarded exactly as the data plane forwards it, and the programs
// forward exactly in the states they should.
func TestIntegrationNeighbourTime(t *testing.T) {
	w := newWorld(t, diffScript, diffNeighs)
	src, dst := netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("172.16.1.1")
	frame := frame4(w.mac["r1"], header.IPv4Fields{TTL: 64, Protocol: 17, Src: src, Dst: dst}, make([]byte, 64))
	gw := netip.MustParseAddr("192.168.2.10")
	nc := w.dp.Neighbors(w.ctl.Snapshot().LinkByName("r2").Index)
	c := w.compile(t)
	w.advance(0) // what the ports announced
	id := uint32(0)
	for i, k := range c.Neighbours {
		if k.Addr == gw {
			id = uint32(i + 1)
		}
	}
	step := func(name string, state neigh.State, forwarded bool) {
		t.Helper()
		w.sync(t, c)
		if e, _ := nc.Get(gw); e.State != state {
			t.Fatalf("%s: the neighbour is %s, want %s", name, e.State, state)
		}
		for m := range w.paths {
			r := w.fast(t, m, "r1", frame)
			if r.forwarded != forwarded {
				t.Fatalf("%s: %s forwarded %v, want %v", name, Mode(m), r.forwarded, forwarded)
			}
			if err := r.check(frame, w.slow(t, "r1", frame), w.ports); err != nil {
				t.Fatalf("%s: %s: %v", name, Mode(m), err)
			}
		}
	}
	// An administrator's REACHABLE entry made a second ago.
	e, _ := nc.Get(gw)
	if e.ReachableFor < 14*time.Second || e.ReachableFor >= 44*time.Second {
		t.Fatalf("reachable for %v, want the time drawn less a second", e.ReachableFor)
	}
	step("REACHABLE", neigh.StateReachable, true)
	if u := w.paths[0].Used(id); u != 0 {
		t.Fatalf("a REACHABLE neighbour's use stamped %d: Linux does not mark it used", u)
	}
	e, _ = nc.Get(gw)
	w.clock.Advance(e.ReachableFor) // its last moment: the data plane forwards, the program hands over
	step("REACHABLE at its end", neigh.StateReachable, false)
	w.advance(time.Millisecond)
	step("STALE", neigh.StateStale, false) // the data plane's packet moves it to DELAY
	before := Monotonic()
	step("DELAY", neigh.StateDelay, true)
	for _, p := range w.paths {
		if u := p.Used(id); u < before || u > Monotonic() {
			t.Fatalf("%s: DELAY neighbour's use stamped %d, want between %d and now", p.Mode(), u, before)
		}
	}
	w.advance(5 * time.Second)
	step("PROBE", neigh.StateProbe, true)
	w.advance(3 * time.Second)
	step("FAILED", neigh.StateFailed, false)
	mac := header.MAC{2, 0xbb, 0, 0, 0, 1}
	if err := nc.Replace(neigh.Static{Addr: gw, MAC: mac, State: neigh.StateReachable}); err != nil {
		t.Fatal(err)
	}
	w.dp.Poll()
	w.advance(0) // the frame queued while FAILED, released
	step("REACHABLE again, another MAC", neigh.StateReachable, true)
}

// TestIntegrationNeighbourTorn rewrites a nexthop's neighbour in place,
// over and over, between a MAC the program may forward to and another
// whose deadline has passed, while frames run through the program: no
// frame may leave with the second MAC, as it would if the program read
// one write's deadline with the next one's MAC.
func TestIntegrationNeighbourTorn(t *testing.T) {
	w := newWorld(t, diffScript, diffNeighs)
	src, dst := netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("172.16.1.1")
	frame := frame4(w.mac["r1"], header.IPv4Fields{TTL: 64, Protocol: 17, Src: src, Dst: dst}, make([]byte, 64))
	c := w.compile(t)
	id := uint32(0)
	for i, k := range c.Neighbours {
		if k.Addr == netip.MustParseAddr("192.168.2.10") {
			id = uint32(i + 1)
		}
	}
	good, bad := header.MAC{2, 0xcc, 0, 0, 0, 1}, header.MAC{2, 0xdd, 0, 0, 0, 2}
	p := w.paths[0]
	p.SetNeighbour(id, Neighbour{Deadline: ^uint64(0), MAC: good})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			p.SetNeighbour(id, Neighbour{Deadline: ^uint64(0), MAC: good})
			p.SetNeighbour(id, Neighbour{Deadline: 0, MAC: bad})
		}
	})
	forwarded := 0
	for range 20000 {
		r := w.fast(t, 0, "r1", frame)
		if !r.forwarded {
			continue
		}
		forwarded++
		if got := header.MAC(r.frame[:6]); got != good {
			close(stop)
			wg.Wait()
			t.Fatalf("forwarded to %v, want %v only", got, good)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d of 20000 frames forwarded", forwarded)
	if forwarded == 0 {
		t.Fatal("nothing forwarded")
	}
}
