package bench

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkForward compares govrfd with the Linux kernel as the router
// between two hosts, with the system's iperf3 and ping on the hosts:
// the same topology twice (fwdNet), one routed by the kernel, one by
// govrfd, measured in turn by each sub-benchmark. Each reports the
// figures of both routers, prefixed kernel- and govrf-, and the ratio
// govrf/kernel of the first. With iperf3, cpus is the CPUs busy on the
// whole machine during the run (hosts, router and anything else that
// runs), daemon-cpus govrfd's share of them, and the CPU time per packet
// or megabyte received follows (cpuSample.since, figures.per); iperf3's
// client and server are pinned to CPUs 0 and 1 (pin).
//
//   - tcp4, tcp6: one TCP stream for 3 s, in Gbit/s received, and the
//     sender's retransmissions.
//   - udp64: UDP with 64-byte payloads as fast as iperf3 sends them, for
//     3 s, in packets per second received, and the loss.
//   - rtt4, rtt6: ping's average round-trip time over 50 echoes 10 ms
//     apart, in microseconds (a ratio above 1 means govrfd is slower).
func BenchmarkForward(b *testing.B) {
	needNet(b, "iperf3", "ping", "nsenter")
	kernel, govrf := newFwdNet(b, "k"), newFwdNet(b, "g")
	kernel.kernelRouter(b)
	govrf.govrfRouter(b)
	kernel.serve(b)
	govrf.serve(b)
	for _, m := range []struct {
		name, unit string
		measure    func(*testing.B, *fwdNet) figures
	}{
		{"tcp4", "Gbit/s", func(b *testing.B, n *fwdNet) figures { return n.tcp(b, "192.168.2.10") }},
		{"tcp6", "Gbit/s", func(b *testing.B, n *fwdNet) figures { return n.tcp(b, "2001:db8:2::10") }},
		{"udp64", "pkt/s", func(b *testing.B, n *fwdNet) figures { return n.udp(b, "192.168.2.10") }},
		{"rtt4", "rtt-us", func(b *testing.B, n *fwdNet) figures { return n.rtt(b, "192.168.2.10") }},
		{"rtt6", "rtt-us", func(b *testing.B, n *fwdNet) figures { return n.rtt(b, "2001:db8:2::10") }},
	} {
		b.Run(m.name, func(b *testing.B) {
			var k, g figures
			for b.Loop() {
				k, g = m.measure(b, kernel), m.measure(b, govrf)
			}
			for unit, v := range k {
				b.ReportMetric(v, "kernel-"+unit)
			}
			for unit, v := range g {
				b.ReportMetric(v, "govrf-"+unit)
			}
			b.ReportMetric(g[m.unit]/k[m.unit], "govrf/kernel")
		})
	}
}

// figures are one router's measurements, by unit.
type figures map[string]float64

// iperfReport is the part of `iperf3 -J`'s report the benchmark reads.
// For UDP, Sum counts the datagrams sent and those the server found
// missing.
type iperfReport struct {
	End struct {
		SumSent struct {
			Retransmits int `json:"retransmits"`
		} `json:"sum_sent"`
		SumReceived struct {
			Bytes         float64 `json:"bytes"`
			BitsPerSecond float64 `json:"bits_per_second"`
		} `json:"sum_received"`
		Sum struct {
			Seconds     float64 `json:"seconds"`
			Packets     int     `json:"packets"`
			LostPackets int     `json:"lost_packets"`
			LostPercent float64 `json:"lost_percent"`
		} `json:"sum"`
	} `json:"end"`
	Error string `json:"error"`
}

// tcp measures one TCP stream from H1 to dst for 3 s.
func (n *fwdNet) tcp(b *testing.B, dst string) figures { return n.tcpStreams(b, dst, 1) }

// tcpStreams measures p TCP streams from H1 to dst for 3 s, together,
// in Gbit/s received, and the CPU time spent per megabyte (10⁶ octets)
// received, in microseconds (cpu-us/MB, net-us/MB, daemon-us/MB).
func (n *fwdNet) tcpStreams(b *testing.B, dst string, p int) figures {
	var f figures
	r := n.iperf(b, &f, append(pin(), "-c", dst, "-t", "3", "-P", strconv.Itoa(p))...)
	f["Gbit/s"] = r.End.SumReceived.BitsPerSecond / 1e9
	f["retransmits"] = float64(r.End.SumSent.Retransmits)
	f.per(r.End.SumReceived.Bytes/1e6, 1e6, "us/MB")
	return f
}

// udp measures UDP from H1 to dst in H2 with 64-byte payloads, as many
// as iperf3 sends in 3 s with no rate limit, in packets per second
// received, and the CPU time spent per packet received, in nanoseconds
// (cpu-ns/pkt, net-ns/pkt, daemon-ns/pkt).
func (n *fwdNet) udp(b *testing.B, dst string) figures {
	var f figures
	r := n.iperf(b, &f, append(pin(), "-c", dst, "-u", "-l", "64", "-b", "0", "-t", "3")...)
	s := r.End.Sum
	f["pkt/s"] = float64(s.Packets-s.LostPackets) / s.Seconds
	f["loss-%"] = s.LostPercent
	f.per(float64(s.Packets-s.LostPackets), 1e9, "ns/pkt")
	return f
}

// pin returns iperf3's option that keeps its client on CPU 0 and its
// server on CPU 1, if there are two. Left to the scheduler, the two
// shared a CPU in some runs and not in others, which halved the
// kernel's UDP rate in those runs.
func pin() []string {
	if runtime.NumCPU() < 2 {
		return nil
	}
	return []string{"-A", "0,1"}
}

// iperf runs iperf3's client in H1 with args and -J, retrying while the
// server is still busy with the previous test, and returns its report.
// It sets *f to the machine's and govrfd's CPU use during the run.
func (n *fwdNet) iperf(b *testing.B, f *figures, args ...string) iperfReport {
	b.Helper()
	args = append([]string{"iperf3", "-J"}, args...)
	var out []byte
	var err error
	var before cpuSample
	var client *exec.Cmd
	for try := 0; try < 20; try++ {
		before = n.cpu()
		client = n.in("H1", args...)
		out, err = client.Output()
		// iperf3 exits 0 with -J when it cannot connect, or when the
		// server is still closing the previous test.
		if !strings.Contains(string(out), "unable to connect") && !strings.Contains(string(out), "server is busy") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	*f = n.cpu().since(before, cmdTime(client))
	var r iperfReport
	if jerr := json.Unmarshal(out, &r); jerr != nil || err != nil || r.Error != "" {
		b.Fatalf("%sH1: %s: %v, %v\n%s", n.prefix, strings.Join(args, " "), err, jerr, out)
	}
	return r
}

// rtt measures ping's average round-trip time from H1 to dst, and the
// CPU time spent per echo answered, in microseconds (cpu-us/echo,
// net-us/echo, daemon-us/echo), which counts the 10 ms between echoes
// too.
func (n *fwdNet) rtt(b *testing.B, dst string) figures {
	b.Helper()
	before := n.cpu()
	ping := n.in("H1", "ping", "-q", "-c", "50", "-i", "0.01", "-W", "1", dst)
	out, err := ping.CombinedOutput()
	f := n.cpu().since(before, cmdTime(ping))
	// rtt min/avg/max/mdev = 0.031/0.045/0.101/0.012 ms
	_, stats, ok := strings.Cut(string(out), "min/avg/max/mdev = ")
	fields := strings.Split(stats, "/")
	if err != nil || !ok || len(fields) < 2 {
		b.Fatalf("%sH1: ping %s: %v\n%s", n.prefix, dst, err, out)
	}
	avg, err := strconv.ParseFloat(fields[1], 64)
	if err != nil {
		b.Fatalf("%sH1: ping %s: average %q: %v", n.prefix, dst, fields[1], err)
	}
	f["rtt-us"] = avg * 1000
	// 50 packets transmitted, 50 received, 0% packet loss, time 499ms
	var got int
	_, counts, _ := strings.Cut(string(out), "packets transmitted, ")
	fmt.Sscanf(counts, "%d received", &got)
	f.per(float64(got), 1e6, "us/echo")
	return f
}
