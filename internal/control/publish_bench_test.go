package control

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/fib"
)

// BenchmarkPublish measures one publication inside a batch (Hold) after
// n new routes, with 1M routes in the table: the writes are made with
// the timer stopped, Publish alone is timed, then the routes are deleted
// and published again, untimed. With a feed, a subscriber diffs each
// publication as govrfd's monitor does, and the diff is timed as well
// (reported as diff-ns/op). The writes before each publication are
// reported as write-ns/route: a fork of a published table writes
// persistently until its copies would pay for a whole one (fib).
func BenchmarkPublish(b *testing.B) {
	c, _ := vrfRouter(b, 1_000_000)
	gw := []fib.Nexthop{{Gateway: addr("10.0.0.2")}}
	route := func(i int) fib.Route {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(1 + i>>16), byte(i >> 8), byte(i)}), 32)
		return fib.Route{Table: 100, Prefix: p, Proto: fib.ProtoStatic, Nexthops: gw}
	}
	for _, feed := range []bool{false, true} {
		var diffs time.Duration
		if feed {
			cancel := c.Subscribe(func(old, new *Snapshot) {
				t := time.Now()
				Diff(old, new)
				diffs += time.Since(t)
			})
			defer cancel()
		}
		for _, n := range []int{1, 1000, 100_000} {
			b.Run(fmt.Sprintf("feed=%v/n=%d", feed, n), func(b *testing.B) {
				release := c.Hold()
				defer release()
				diffs = 0
				var writes time.Duration
				for b.Loop() {
					b.StopTimer()
					t := time.Now()
					for i := range n {
						if err := c.AddRoute(route(i), fib.OpAdd); err != nil {
							b.Fatal(err)
						}
					}
					writes += time.Since(t)
					b.StartTimer()
					c.Publish()
					b.StopTimer()
					d := diffs
					for i := range n {
						if err := c.DelRoute(route(i)); err != nil {
							b.Fatal(err)
						}
					}
					c.Publish()
					diffs = d
					b.StartTimer()
				}
				b.ReportMetric(float64(writes.Nanoseconds())/float64(b.N*n), "write-ns/route")
				if feed {
					b.ReportMetric(float64(diffs.Nanoseconds())/float64(b.N), "diff-ns/op")
				}
			})
		}
	}
}
