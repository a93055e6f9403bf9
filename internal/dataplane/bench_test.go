package dataplane

import (
	"runtime"
	"testing"
)

// benchRoutes is the size of VRF a's table in the benchmarks: a full
// IPv4 table, with 64 VRFs configured.
const benchRoutes = 1_000_000

// BenchmarkForward4 measures IPv4 forwarding through the stage list on
// mem ports, between two ports of one VRF whose table holds 1M routes,
// in batches of 64 flows: ns/packet and allocs/packet include the mem
// ports' copies in and out.
func BenchmarkForward4(b *testing.B) { benchForward(b, false, 1) }

// BenchmarkForward6 is BenchmarkForward4 for IPv6 with 1M /48 routes.
func BenchmarkForward6(b *testing.B) { benchForward(b, true, 1) }

// BenchmarkForward4Spread is BenchmarkForward4 with 65,536 flows to as
// many routes, a batch of 64 new ones after another: a worker's route
// cache holds 512, so nearly every packet takes the full input route.
func BenchmarkForward4Spread(b *testing.B) { benchForward(b, false, spreadBatches) }

// BenchmarkForward6Spread is BenchmarkForward4Spread for IPv6.
func BenchmarkForward6Spread(b *testing.B) { benchForward(b, true, spreadBatches) }

// spreadBatches is the number of batches the Spread benchmarks cycle
// through.
const spreadBatches = 1024

func benchForward(b *testing.B, v6 bool, batches int) {
	r := newRig(b, v6, benchRoutes)
	if batches > 1 {
		r.spread(batches)
	}
	runtime.GC() // the loading's garbage, collected before the timer starts
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if n := r.step(); n != rigBatch {
			b.Fatalf("%d frames out of %d forwarded", n, rigBatch)
		}
	}
	packets := float64(b.N) * rigBatch
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/packets, "ns/packet")
}
