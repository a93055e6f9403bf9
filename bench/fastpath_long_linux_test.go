package bench

import (
	"strconv"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/fastpath"
)

// longUDP is how long BenchmarkFastpathLong sends: longer than any
// reachable time drawn from the default 30 s base_reachable_time
// (15–45 s), so that the router's neighbours go STALE, DELAY, PROBE and
// REACHABLE again during the run.
const longUDP = 50

// BenchmarkFastpathLong sends 64-byte UDP for longUDP seconds through
// the kernel and through govrfd with -fastpath tc, in turn, on
// BenchmarkForward's topology, and reports each router's pkt/s
// received, their ratio, and the share of the packets govrfd received
// that its Go data path rather than the fast path forwarded (go-path-%:
// the router's veths' receive counts against the fast path's).
func BenchmarkFastpathLong(b *testing.B) {
	needNet(b, "iperf3", "nsenter")
	kernel, tc := newFwdNet(b, "lk"), newFwdNet(b, "lt")
	tc.args = "-fastpath tc"
	kernel.kernelRouter(b)
	tc.govrfRouter(b)
	kernel.serve(b)
	tc.serve(b)
	udp := func(n *fwdNet) float64 {
		var f figures
		r := n.iperf(b, &f, append(pin(), "-c", "192.168.2.10", "-u", "-l", "64", "-b", "0", "-t", strconv.Itoa(longUDP))...)
		s := r.End.Sum
		return float64(s.Packets-s.LostPackets) / s.Seconds
	}
	for b.Loop() {
		k := udp(kernel)
		rx0, fast0 := tc.routerRx(b), tc.fastRx(b)
		t := udp(tc)
		rx, fast := tc.routerRx(b)-rx0, tc.fastRx(b)-fast0
		b.ReportMetric(k, "kernel-pkt/s")
		b.ReportMetric(t, "tc-pkt/s")
		b.ReportMetric(t/k, "tc/kernel")
		b.ReportMetric(100*float64(rx-min(fast, rx))/float64(max(rx, 1)), "go-path-%")
	}
}

// routerRx returns the packets the router's veths r1 and r2 received.
func (n *fwdNet) routerRx(b *testing.B) uint64 {
	b.Helper()
	var sum uint64
	for _, dev := range []string{"r1", "r2"} {
		out, err := n.in("R", "cat", "/sys/class/net/"+dev+"/statistics/rx_packets").Output()
		if err != nil {
			b.Fatal(err)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		sum += v
	}
	return sum
}

// fastRx returns the packets govrfd's fast path received and forwarded.
func (n *fwdNet) fastRx(b *testing.B) uint64 {
	b.Helper()
	c, err := fastpath.CountersOf(n.daemon.Pid)
	if err != nil {
		b.Fatal(err)
	}
	return c.RxPackets
}
