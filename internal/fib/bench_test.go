package fib

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"
)

// fullTable is the size of an Internet routing table, rounded.
const fullTable = 1_000_000

// internetHops are the nexthops of the generated routes: a full table
// learned from a handful of peers.
var internetHops = func() [][]Nexthop {
	var hs [][]Nexthop
	for i := range 16 {
		gw := netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + i)})
		hs = append(hs, []Nexthop{{Gateway: gw, Dev: 2 + i%4}})
	}
	return hs
}()

// internetRoute returns a random route shaped like one of a full IPv4
// table: mostly /24, then /22-/23, /16-/21 and a few shorter.
func internetRoute(r *rand.Rand) Route {
	var bits int
	switch n := r.IntN(100); {
	case n < 60:
		bits = 24
	case n < 80:
		bits = 22 + r.IntN(2)
	case n < 97:
		bits = 16 + r.IntN(6)
	default:
		bits = 8 + r.IntN(8)
	}
	var a [4]byte
	v := r.Uint32()
	a[0], a[1], a[2], a[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	return Route{Prefix: netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked(), Type: TypeUnicast,
		Proto: ProtoBGP, Metric: 20, Nexthops: internetHops[r.IntN(len(internetHops))]}
}

// loadInternet adds routes to tb until it holds n more, skipping prefixes
// drawn twice.
func loadInternet(tb *Table, n int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	for want := tb.Len() + n; tb.Len() < want; {
		_ = tb.Add(internetRoute(r), OpAdd)
	}
}

var (
	bigOnce  sync.Once
	bigTable *Table
)

// big returns a frozen full table, built once.
func big() *Table {
	bigOnce.Do(func() {
		bigTable = NewTable(TableMain)
		loadInternet(bigTable, fullTable, 1)
		bigTable.Freeze()
	})
	return bigTable
}

// heapAlloc returns the live heap after a collection.
func heapAlloc() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkLookup looks up random addresses in a full IPv4 table.
func BenchmarkLookup(b *testing.B) {
	tb := big()
	r := rand.New(rand.NewPCG(2, 2))
	qs := make([]Query, 4096)
	for i := range qs {
		qs[i] = Query{Dst: netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}), Hash: r.Uint32()}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tb.Lookup(&qs[i&4095])
		i++
	}
}

// BenchmarkLoad loads a full IPv4 table into a new table and reports the
// time and the live heap per route (trie, values and pools).
func BenchmarkLoad(b *testing.B) {
	var perRoute float64
	for b.Loop() {
		b.StopTimer()
		before := heapAlloc()
		b.StartTimer()
		tb := NewTable(TableMain)
		loadInternet(tb, fullTable, 3)
		b.StopTimer()
		perRoute = float64(heapAlloc()-before) / float64(tb.Len())
		runtime.KeepAlive(tb)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*fullTable), "ns/route")
	b.ReportMetric(perRoute, "bytes/route")
}

// BenchmarkLoadFork loads a full IPv4 table into a fork of a frozen full
// table: the first writes are persistent, then the fork copies the trie.
func BenchmarkLoadFork(b *testing.B) {
	base := big()
	for b.Loop() {
		loadInternet(base.Mutable(), fullTable, 4)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*fullTable), "ns/route")
}

// BenchmarkForkWrite measures the two ways a fork of a full table can
// write, which persistLimit trades off: one persistent write, and one copy
// of the whole trie (reported per prefix).
func BenchmarkForkWrite(b *testing.B) {
	base := big()
	b.Run("persistent", func(b *testing.B) {
		r := rand.New(rand.NewPCG(5, 5))
		for b.Loop() {
			fork := base.Mutable()
			_ = fork.Add(internetRoute(r), OpAdd)
		}
	})
	b.Run("clone", func(b *testing.B) {
		var d time.Duration
		for b.Loop() {
			start := time.Now()
			base.trie.Clone()
			d += time.Since(start)
		}
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N*base.trie.Size()), "ns/prefix")
	})
}
