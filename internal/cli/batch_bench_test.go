package cli

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// BenchmarkBatchRoutes runs a batch of 100,000 `route add PREFIX via
// 10.0.0.2 dev d0` lines (random /24s) into a fresh control plane, as
// `govrf -offline -batch` does, and reports the time and the
// allocations of one line.
func BenchmarkBatchRoutes(b *testing.B) {
	const n = 100_000
	var script bytes.Buffer
	script.WriteString("link add d0 type dummy\nlink set dev d0 up\naddr add 10.0.0.1/24 dev d0\n")
	r := rand.New(rand.NewPCG(7, 7))
	seen := map[uint32]bool{}
	for len(seen) < n {
		x := r.Uint32() &^ 0xff
		if a := x >> 24; a == 0 || a == 10 || a == 127 || a >= 224 || seen[x] {
			continue
		}
		seen[x] = true
		fmt.Fprintf(&script, "route add %d.%d.%d.0/24 via 10.0.0.2 dev d0\n", x>>24, x>>16&0xff, x>>8&0xff)
	}
	b.ReportAllocs()
	for b.Loop() {
		ctl := control.New()
		if code := RunBatch(ctl, nil, []string{"-batch", "f"}, bytes.NewReader(script.Bytes()), io.Discard, io.Discard, nil); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/line")
}
