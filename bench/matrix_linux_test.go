package bench

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/netnstest"
)

// matrixModes are the fast path modes BenchmarkMatrix runs govrfd in,
// each a router of its own (govrfd -fastpath MODE) measured in turn with
// the kernel in every cell; a mode added here is measured everywhere.
var matrixModes = []string{"off", "tc"}

// modesFlag narrows BenchmarkMatrix to some of matrixModes.
var modesFlag = flag.String("matrix.modes", "", "BenchmarkMatrix's govrfd fast path modes, comma-separated (default: "+strings.Join(matrixModes, ",")+")")

// matrixMeasure is one measure of BenchmarkMatrix and its target: the
// ratio govrfd/kernel of unit should be at least target, or at most
// with atMost (a time).
type matrixMeasure struct {
	name, unit, cpu string // cpu: the CPU time per unit of work
	target          float64
	atMost          bool
	run             func(*testing.B, *fwdNet) figures
}

// matrixMeasures are BenchmarkMatrix's measures, each in IPv4 and IPv6.
var matrixMeasures = []matrixMeasure{
	{"udp64-4", "pkt/s", "ns/pkt", 1.5, false, func(b *testing.B, n *fwdNet) figures { return n.udp(b, "192.168.2.10") }},
	{"udp64-6", "pkt/s", "ns/pkt", 1.5, false, func(b *testing.B, n *fwdNet) figures { return n.udp(b, "2001:db8:2::10") }},
	{"tcp4", "Gbit/s", "us/MB", 1.0, false, func(b *testing.B, n *fwdNet) figures { return n.tcp(b, "192.168.2.10") }},
	{"tcp6", "Gbit/s", "us/MB", 1.0, false, func(b *testing.B, n *fwdNet) figures { return n.tcp(b, "2001:db8:2::10") }},
	{"tcp4x4", "Gbit/s", "us/MB", 1.0, false, func(b *testing.B, n *fwdNet) figures { return n.tcpStreams(b, "192.168.2.10", 4) }},
	{"tcp6x4", "Gbit/s", "us/MB", 1.0, false, func(b *testing.B, n *fwdNet) figures { return n.tcpStreams(b, "2001:db8:2::10", 4) }},
	{"rtt4", "rtt-us", "us/echo", 1.2, true, func(b *testing.B, n *fwdNet) figures { return n.rtt(b, "192.168.2.10") }},
	{"rtt6", "rtt-us", "us/echo", 1.2, true, func(b *testing.B, n *fwdNet) figures { return n.rtt(b, "2001:db8:2::10") }},
}

// BenchmarkMatrix measures govrfd in each of matrixModes against the
// kernel, on BenchmarkForward's topology, cell by cell:
// routes=1|1M/vrfs=1|64|4096/MEASURE. The routers of a routes= cell
// are built once, one topology each, and hold VRF a's traffic table
// with its connected routes alone (routes=1) or with 1,000,000 more
// IPv4 /24s via H2 (routes=1M, matrixRouter.load); each vrfs= cell
// adds VRFs up to its count (matrixRouter.grow). Each MEASURE (matrixMeasures)
// takes the routers in turn, kernel first, every iteration, and reports
// every router's figures prefixed with its name, MODE/kernel (the ratio
// of the measure's unit) and MODE/kernel-cpu (of the topology's CPU
// time per unit of work, net-: cpuSample.since), and logs whether each
// mode meets the measure's target. Select modes with -matrix.modes,
// cells with -bench, e.g.
//
//	go test -run '^$' -bench 'Matrix/routes=1M/vrfs=1$/udp64' -benchtime 1x ./bench -matrix.modes tc
//
// CPU per unit of work is per packet received (ns/pkt), per megabyte
// received (us/MB) or per echo answered (us/echo), of the whole
// machine (cpu-), of the topology (net-) and of govrfd (daemon-).
func BenchmarkMatrix(b *testing.B) {
	needNet(b, "iperf3", "ping", "nsenter")
	modes := matrixModes
	if *modesFlag != "" {
		modes = strings.Split(*modesFlag, ",")
		for _, m := range modes {
			if !slices.Contains(matrixModes, m) {
				b.Fatalf("-matrix.modes: %q is none of %v", m, matrixModes)
			}
		}
	}
	govrf, err := netnstest.Build(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for _, routes := range []int{1, 1_000_000} {
		name := "1"
		if routes > 1 {
			name = "1M"
		}
		b.Run("routes="+name, func(b *testing.B) {
			routers := newMatrixRouters(b, govrf, modes, "r"+name)
			if routes > 1 {
				for _, r := range routers {
					r.load(b, routes)
				}
			}
			vrfs := 1
			for _, want := range []int{1, 64, 4096} {
				b.Run(fmt.Sprint("vrfs=", want), func(b *testing.B) {
					for _, r := range routers {
						r.grow(b, vrfs, want)
					}
					vrfs = want
					for _, m := range matrixMeasures {
						b.Run(m.name, func(b *testing.B) { measureCell(b, routers, m) })
					}
				})
			}
		})
	}
}

// measureCell runs m on the routers in turn every iteration and reports
// the last figures, the ratios to the kernel (routers[0]) and whether
// they meet m's target.
func measureCell(b *testing.B, routers []*matrixRouter, m matrixMeasure) {
	got := make([]figures, len(routers))
	for b.Loop() {
		for i, r := range routers {
			got[i] = m.run(b, r.n)
		}
	}
	for i, r := range routers {
		for unit, v := range got[i] {
			b.ReportMetric(v, r.name+"-"+unit)
		}
	}
	k := got[0]
	for i, r := range routers[1:] {
		g := got[i+1]
		ratio := g[m.unit] / k[m.unit]
		b.ReportMetric(ratio, r.name+"/kernel")
		if k["net-"+m.cpu] > 0 {
			b.ReportMetric(g["net-"+m.cpu]/k["net-"+m.cpu], r.name+"/kernel-cpu")
		}
		meets, sign := ratio >= m.target, "≥"
		if m.atMost {
			meets, sign = ratio <= m.target, "≤"
		}
		verdict := "met"
		if !meets {
			verdict = "not met"
		}
		b.Logf("%s/kernel %.2f (target %s %.1f: %s)", r.name, ratio, sign, m.target, verdict)
	}
}
