package fib

import (
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"testing"
)

// churnVRF stands for one life of a VRF in its table: its ports come with
// new link indexes, put their routes in the table (local, connected, a
// gateway route, a multipath route), one goes down and up, and the VRF
// goes, taking every route through its links with it. The table is
// frozen and forked between steps, as the control plane publishes each
// command.
func churnVRF(t testing.TB, tb *Table, cycle int) *Table {
	d1, d2 := 2*cycle+10, 2*cycle+11
	step := func() {
		tb.Freeze()
		tb = tb.Mutable()
	}
	for _, s := range []string{
		fmt.Sprintf("local 10.1.0.1/32 scope host src 10.1.0.1 dev %d", d1),
		fmt.Sprintf("10.1.0.0/24 scope link src 10.1.0.1 dev %d", d1),
		fmt.Sprintf("local 10.2.0.1/32 scope host src 10.2.0.1 dev %d", d2),
		fmt.Sprintf("10.2.0.0/24 scope link src 10.2.0.1 dev %d", d2),
		fmt.Sprintf("10.9.0.0/16 via 10.1.0.2 dev %d", d1),
		fmt.Sprintf("10.8.0.0/16 nexthop via 10.1.0.2 dev %d nexthop via 10.2.0.2 dev %d", d1, d2),
	} {
		if err := tb.Add(rt(t, s), OpAdd); err != nil {
			t.Fatalf("cycle %d: %s: %v", cycle, s, err)
		}
		step()
	}
	tb.SetDevDead(d2, true)
	step()
	tb.SetDevDead(d2, false)
	step()
	tb.DeleteFunc(func(r *Route) bool {
		for _, h := range r.Nexthops {
			if h.Dev == d1 || h.Dev == d2 {
				return true
			}
		}
		return false
	})
	step()
	return tb
}

// TestReclaimVRFChurn churns a VRF through its table a thousand times and
// checks that the path pool and the heap stay bounded: the nexthop sets
// of links that are gone are reclaimed.
func TestReclaimVRFChurn(t *testing.T) {
	tb := NewTable(10)
	// Routes that outlive every cycle, as a VRF's unreachable default.
	for _, s := range []string{"unreachable 0.0.0.0/0 metric 4278198272", "172.16.0.0/12 via 192.0.2.1 dev 1"} {
		if err := tb.Add(rt(t, s), OpAdd); err != nil {
			t.Fatal(err)
		}
	}
	const cycles = 1000
	var heap10 uint64
	for i := range cycles {
		tb = churnVRF(t, tb, i)
		if i == 9 {
			heap10 = heapInuse()
		}
	}
	heap := heapInuse()
	sets, addrs := len(tb.paths), len(tb.addrs)
	t.Logf("after %d cycles: %d path sets, %d addresses in the pool; heap in use %d KiB after 10 cycles, %d KiB after %d",
		cycles, sets, addrs, heap10>>10, heap>>10, cycles)
	if sets > 2*minReclaim {
		t.Errorf("the path pool holds %d sets after %d cycles, want at most %d", sets, cycles, 2*minReclaim)
	}
	if heap > heap10+1<<20 {
		t.Errorf("heap in use grew from %d KiB to %d KiB", heap10>>10, heap>>10)
	}
	if n := tb.Len(); n != 2 {
		t.Errorf("the table holds %d routes after the churn, want the 2 that outlive it", n)
	}
}

// heapInuse returns the heap in use after a collection.
func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestReclaimKeepsSnapshots checks that reclaiming never changes what a
// frozen table shows, while readers go on reading it without locks, and
// that the table reclaimed keeps its routes.
func TestReclaimKeepsSnapshots(t *testing.T) {
	tb := NewTable(10)
	var kept []*Table
	var want [][]string
	stop := make(chan struct{})
	done := make(chan struct{})
	reading := make(chan *Table, 64)
	go func() {
		defer close(done)
		var tables []*Table
		for {
			select {
			case <-stop:
				return
			case f := <-reading:
				tables = append(tables, f)
			default:
			}
			for _, f := range tables {
				for r := range f.All() {
					_ = r.Nexthops
				}
			}
			runtime.Gosched()
		}
	}()
	for i := range 8 * 1024 {
		d := i + 10
		if err := tb.Add(rt(t, fmt.Sprintf("10.%d.%d.0/24 via 192.0.2.1 dev %d src 10.255.%d.%d", i/256%4, i%256, d, i/256, i%256)), OpReplace); err != nil {
			t.Fatal(err)
		}
		tb.Freeze()
		if i%800 == 0 {
			kept = append(kept, tb)
			want = append(want, listing(tb))
			reading <- tb
		}
		tb = tb.Mutable()
	}
	close(stop)
	<-done
	for k, f := range kept {
		if got := listing(f); !slices.Equal(got, want[k]) {
			t.Fatalf("snapshot %d changed after reclaims:\n%v\nwant\n%v", k, got, want[k])
		}
	}
	if n := tb.Len(); n != 1024 {
		t.Errorf("the table holds %d routes, want 1024", n)
	}
	for r := range tb.All() {
		d := r.Nexthops[0].Dev
		if r.Src != netip.AddrFrom4([4]byte{10, 255, byte((d - 10) / 256), byte(d - 10)}) {
			t.Fatalf("route %v: the source does not go with its device", r)
		}
	}
	// Each route has two sets: its own and its base (weight 1).
	if len(tb.paths) > 4*1024+minReclaim {
		t.Errorf("the path pool holds %d sets for 1024 routes", len(tb.paths))
	}
}

// listing returns the routes of tb as text.
func listing(tb *Table) []string {
	var out []string
	for r := range tb.All() {
		out = append(out, fmt.Sprint(r))
	}
	return out
}
