package bench

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSlowPathRTT shows where a ping's round trip through govrfd's
// Go data path goes, against the kernel as the router, in the topology
// of BenchmarkForward: 300 echoes 10 ms apart from H1 to H2, measured in
// turn through each router. It reports, in microseconds, the round
// trip's median and 10th and 90th percentiles from ping's own times,
// which a few slow echoes on a shared machine do not move as they move
// an average, and the median of each hop from tcpdump's timestamps in
// the hosts: the request hop from H1's eth0 to H2's, the reply hop back.
// A hop is the router's whole share: the frame's way through both veth
// pairs and the router.
func BenchmarkSlowPathRTT(b *testing.B) {
	needNet(b, "ping", "tcpdump", "nsenter")
	kernel, govrf := newFwdNet(b, "k"), newFwdNet(b, "g")
	kernel.kernelRouter(b)
	govrf.govrfRouter(b)
	for _, n := range []*fwdNet{kernel, govrf} {
		if out, err := n.in("H1", "ping", "-c", "3", "-i", "0.2", "-W", "1", "192.168.2.10").CombinedOutput(); err != nil {
			b.Fatalf("%sH1: ping: %v\n%s", n.prefix, err, out)
		}
	}
	var k, g figures
	for b.Loop() {
		k, g = kernel.hops(b), govrf.hops(b)
	}
	for unit, v := range k {
		b.ReportMetric(v, "kernel-"+unit)
	}
	for unit, v := range g {
		b.ReportMetric(v, "govrf-"+unit)
	}
	b.ReportMetric(g["rtt-med-us"]/k["rtt-med-us"], "govrf/kernel")
}

// hops pings H2 from H1 300 times, 10 ms apart, with tcpdump watching
// both hosts' eth0, and returns the round trip's percentiles and each
// hop's median.
func (n *fwdNet) hops(b *testing.B) figures {
	b.Helper()
	dir := b.TempDir()
	var dumps []*exec.Cmd
	for _, h := range []string{"H1", "H2"} {
		d := n.in(h, "tcpdump", "-i", "eth0", "-nn", "-U", "-w", filepath.Join(dir, h), "icmp")
		if err := d.Start(); err != nil {
			b.Fatalf("%s%s: tcpdump: %v", n.prefix, h, err)
		}
		dumps = append(dumps, d)
	}
	time.Sleep(time.Second) // until both listen
	out, err := n.in("H1", "ping", "-c", "300", "-i", "0.01", "-W", "1", "192.168.2.10").CombinedOutput()
	time.Sleep(100 * time.Millisecond)
	for _, d := range dumps {
		d.Process.Signal(syscall.SIGINT)
		d.Wait()
	}
	if err != nil {
		b.Fatalf("%sH1: ping: %v\n%s", n.prefix, err, out)
	}
	var rtt []float64
	for _, m := range regexp.MustCompile(`time=([0-9.]+) ms`).FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		rtt = append(rtt, v*1000)
	}
	h1, h2 := echoTimes(b, filepath.Join(dir, "H1")), echoTimes(b, filepath.Join(dir, "H2"))
	var req, rep []float64
	for key, t1 := range h1 {
		t2, ok := h2[key]
		switch {
		case !ok:
		case strings.HasPrefix(key, "request"):
			req = append(req, (t2-t1)*1e6)
		default:
			rep = append(rep, (t1-t2)*1e6)
		}
	}
	return figures{
		"rtt-p10-us": percentile(rtt, 10), "rtt-med-us": percentile(rtt, 50), "rtt-p90-us": percentile(rtt, 90),
		"request-hop-med-us": percentile(req, 50), "reply-hop-med-us": percentile(rep, 50),
	}
}

// echoTimes reads a capture and returns when each echo request and
// reply passed, in seconds, by "request SEQ" or "reply SEQ".
func echoTimes(b *testing.B, file string) map[string]float64 {
	b.Helper()
	out, err := exec.Command("tcpdump", "-nn", "-tt", "--time-stamp-precision=nano", "-r", file).Output()
	if err != nil {
		b.Fatalf("tcpdump -r %s: %v", file, err)
	}
	// 1765152000.123456789 IP 192.168.1.10 > 192.168.2.10: ICMP echo request, id 7, seq 1, length 64
	line := regexp.MustCompile(`^([0-9.]+) .* echo (request|reply), id [0-9]+, seq ([0-9]+),`)
	times := map[string]float64{}
	for _, l := range strings.Split(string(out), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			t, _ := strconv.ParseFloat(m[1], 64)
			times[m[2]+" "+m[3]] = t
		}
	}
	return times
}

// percentile returns the p-th percentile of vs, 0 for none.
func percentile(vs []float64, p int) float64 {
	if len(vs) == 0 {
		return 0
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	return vs[min(len(vs)-1, len(vs)*p/100)]
}
