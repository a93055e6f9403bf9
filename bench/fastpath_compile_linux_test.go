package bench

import (
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// BenchmarkFastpathCompile1M measures what keeping the fast path's maps
// true costs with a million IPv4 routes in the default VRF (table main,
// each via a REACHABLE neighbour of one port): one fastpath.Compile of
// the snapshot (compile-s) and, as root, one Apply into the kernel's
// maps (apply-s). govrfd runs both at most once per 100 ms while
// changes flow.
func BenchmarkFastpathCompile1M(b *testing.B) {
	const n = 1_000_000
	ctl := control.New()
	if code := cli.Run(ctl, []string{"-batch", loadScript(b, n, "dummy")}, io.Discard, os.Stderr); code != 0 {
		b.Fatalf("govrf -batch exit %d", code)
	}
	// A VRF brings the l3mdev rule the compiler wants (docs/fastpath.md).
	for _, l := range []string{"link add v type vrf table 10", "link set dev v up", "sysctl -w net.ipv4.ip_forward=1"} {
		if code := cli.Run(ctl, strings.Fields(l), io.Discard, os.Stderr); code != 0 {
			b.Fatalf("%s: exit %d", l, code)
		}
	}
	s := ctl.Snapshot()
	ports := []fastpath.Port{d0Port(b, s)}
	p := rootPath(b)
	for b.Loop() {
		start := time.Now()
		c, err := fastpath.Compile(s, ports, fastpath.Monotonic())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "compile-s")
		entries := 0
		for _, v := range c.VRFs {
			entries += len(v.Routes[0])
		}
		b.ReportMetric(float64(entries), "entries")
		if p == nil {
			continue
		}
		start = time.Now()
		if err := p.Apply(c); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "apply-s")
	}
}

// d0Port is link d0 of s as the compiler's port: ifindex 1, slot 0, with
// neighbour 10.0.0.2 REACHABLE in its cache.
func d0Port(b *testing.B, s *control.Snapshot) fastpath.Port {
	d0 := s.LinkByName("d0")
	nc := neigh.New(neigh.Config{}, neigh.SystemClock{})
	if err := nc.Add(neigh.Static{Addr: netip.MustParseAddr("10.0.0.2"), MAC: header.MAC{2, 0, 0, 0, 0, 2}, State: neigh.StateReachable}); err != nil {
		b.Fatal(err)
	}
	return fastpath.Port{Link: d0.Index, Ifindex: 1, Slot: 0, MAC: header.MAC(d0.MAC), MTU: 1500, Neigh: nc}
}

// rootPath loads the tc program's maps to Apply compilations to, closed
// when b ends; without root it returns nil, and only compiling is timed.
func rootPath(b *testing.B) *fastpath.Path {
	if os.Geteuid() != 0 {
		return nil
	}
	p, err := fastpath.New(fastpath.TC)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	return p
}
