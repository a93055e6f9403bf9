package bench

import "testing"

// BenchmarkFastpath compares govrfd without its eBPF fast path, govrfd
// with the tc fast path (-fastpath tc) and the Linux kernel as the
// router, on BenchmarkForward's topology and measures, each measured in
// turn: tcp4 and tcp6 (one TCP stream for 3 s, Gbit/s), tcp4x4 (four streams
// together, iperf3 -P 4), udp64 (64-byte UDP as
// fast as iperf3 sends, pkt/s received) and rtt4 (ping's average round
// trip, µs). Each sub-benchmark reports the three routers' figures,
// prefixed kernel-, off- and tc-, and the ratios tc/kernel and
// off/kernel of the first.
//
// XDP is measured by BenchmarkFastpathXDP: on veth the hosts' TCP and
// UDP leave their checksums to the device (CHECKSUM_PARTIAL), which the
// XDP program hands to tc, so iperf3's traffic would measure tc here.
func BenchmarkFastpath(b *testing.B) {
	needNet(b, "iperf3", "ping", "nsenter")
	kernel, off, tc := newFwdNet(b, "k"), newFwdNet(b, "o"), newFwdNet(b, "t")
	tc.args = "-fastpath tc"
	kernel.kernelRouter(b)
	off.govrfRouter(b)
	tc.govrfRouter(b)
	routers := []router{{"kernel", kernel}, {"off", off}, {"tc", tc}}
	for _, r := range routers {
		r.n.serve(b)
	}
	compare(b, routers, []measure{
		{"tcp4", "Gbit/s", func(b *testing.B, n *fwdNet) figures { return n.tcp(b, "192.168.2.10") }},
		{"tcp6", "Gbit/s", func(b *testing.B, n *fwdNet) figures { return n.tcp(b, "2001:db8:2::10") }},
		{"tcp4x4", "Gbit/s", func(b *testing.B, n *fwdNet) figures { return n.tcpStreams(b, "192.168.2.10", 4) }},
		{"udp64", "pkt/s", func(b *testing.B, n *fwdNet) figures { return n.udp(b, "192.168.2.10") }},
		{"rtt4", "rtt-us", func(b *testing.B, n *fwdNet) figures { return n.rtt(b, "192.168.2.10") }},
	})
}

// router is one of the routers a benchmark compares, by name.
type router struct {
	name string
	n    *fwdNet
}

// measure is a figure to compare: its name, the unit of the figure the
// ratios are taken of, and how to measure it on one router's topology.
type measure struct {
	name, unit string
	measure    func(*testing.B, *fwdNet) figures
}

// compare runs each measure as a sub-benchmark, on each router in turn
// at every iteration, and reports every router's figures prefixed with
// its name, and each router's ratio to the first (the kernel) as
// NAME/FIRST.
func compare(b *testing.B, routers []router, measures []measure) {
	for _, m := range measures {
		b.Run(m.name, func(b *testing.B) {
			got := make([]figures, len(routers))
			for b.Loop() {
				for i, r := range routers {
					got[i] = m.measure(b, r.n)
				}
			}
			for i, r := range routers {
				for unit, v := range got[i] {
					b.ReportMetric(v, r.name+"-"+unit)
				}
			}
			for i, r := range routers[1:] {
				b.ReportMetric(got[i+1][m.unit]/got[0][m.unit], r.name+"/"+routers[0].name)
			}
		})
	}
}
