package rule

import (
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/fib"
)

// benchTables is a VRF router's tables: local misses, the VRF table and
// main hold the destination.
type benchTables struct{}

func (benchTables) LookupTable(id fib.TableID) (int, int, error) {
	switch id {
	case 10, fib.TableMain:
		return 24, 2, nil
	}
	return 0, 0, syscall.EAGAIN
}

// BenchmarkLookup walks the default IPv4 rules plus the l3mdev rule a
// first VRF adds: `0: lookup local`, `1000: lookup [l3mdev-table]`,
// `32766: lookup main`, `32767: lookup default`.
func BenchmarkLookup(b *testing.B) {
	s := NewSet(fib.IPv4)
	if err := s.Add(with(base(1000, 0), func(r *Rule) { r.L3mdev, r.Proto = true, fib.ProtoKernel }), true); err != nil {
		b.Fatal(err)
	}
	l := Compile(s.Rules(), testLinks)
	for _, bc := range []struct {
		name string
		flow Flow
		want fib.TableID
	}{
		{"vrf", flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Iif, f.L3mdev, f.L3mdevTable = 2, 10, 10 }), 10},
		{"default", flow4("10.1.1.1", "10.2.2.2"), fib.TableMain},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := bc.flow
			var tl benchTables
			if v := l.Lookup(&f, tl); v.Table != bc.want {
				b.Fatalf("Lookup(%+v) = %+v, want table %d", f, v, bc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				l.Lookup(&f, tl)
			}
		})
	}
}
