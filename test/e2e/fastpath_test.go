package e2e

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/govrf/govrf/internal/fastpath"
)

// TestIntegrationFastPathTC runs the seed topology with the tc fast
// path; see testFastPath.
func TestIntegrationFastPathTC(t *testing.T) { testFastPath(t, "tc") }

// TestIntegrationFastPathOff runs the same checks with the fast path
// off, where a stopped daemon forwards nothing.
func TestIntegrationFastPathOff(t *testing.T) { testFastPath(t, "off") }

// testFastPath starts govrfd with -fastpath mode and checks, across
// company A: that with the daemon stopped (SIGSTOP) pings still cross
// the router exactly when a fast path runs; that 20 pings of each
// family come back once each (no "DUP!") and reach A2 once each and B2
// never; that a capture sees a ping whole; that a blackhole route stops
// them at once, and its deletion
// lets them through; that Time Exceeded and echoes to the router's own
// address are still answered; that iperf3 TCP carries data over IPv4
// and IPv6 (with a fast path, through it for the most part), and that
// each iperf3 UDP datagram reaches A2 at most once; and that the port
// and VRF counters (/metrics) count all of it, while VRF b forwards
// nothing; and that TCP through a smaller MTU learns it.
func testFastPath(t *testing.T, mode string) {
	tp := buildTopo(t, false, "-fastpath", mode, "-metrics", metricsAddr)
	tp.warm()
	// A1 asked for the router's address first, so the router learnt it
	// STALE, as Linux does; it confirms it by a probe after DELAY.
	tp.waitReachable("ra1", "192.168.1.10")
	tp.waitReachable("ra2", "192.168.2.10")
	before := tp.scrape(metricsAddr)

	// The daemon stopped: only a fast path forwards. The hosts' entries
	// for the router are made permanent first: a host that probes the
	// router while it is stopped (its entry, learnt from the router's
	// ARP request, goes DELAY then PROBE) would give up on it.
	for _, h := range []struct{ host, addr, port string }{{"A1", "192.168.1.1", "ra1"}, {"A2", "192.168.2.1", "ra2"}} {
		tp.must("ip", "-n", tp.ns(h.host), "neigh", "replace", h.addr, "lladdr", tp.linkMAC(h.port), "dev", "eth0", "nud", "permanent")
	}
	// The compilation that takes the last neighbour in may still be
	// under way, or be caught by SIGSTOP: the stop is tried again after
	// a moment's work.
	var out string
	ok := false
	for try := 0; try < 5 && !ok; try++ {
		time.Sleep(300 * time.Millisecond)
		tp.daemon.Process.Signal(syscall.SIGSTOP)
		out, ok = tp.ping("A1", "-c", "1", "-W", "1", "192.168.2.10")
		tp.daemon.Process.Signal(syscall.SIGCONT)
	}
	if ok != (mode != "off") {
		t.Log(tp.govrf("-s neigh show dev ra1"), tp.govrf("-s neigh show dev ra2"))
		t.Fatalf("-fastpath %s, govrfd stopped: ping A1→A2 answered %v, want %v:\n%s", mode, ok, mode != "off", out)
	}

	const count = 20
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		a2v4, a2v6 := tp.echoCounts("A2")
		b2v4, b2v6 := tp.echoCounts("B2")
		out, ok := tp.ping("A1", "-c", strconv.Itoa(count), "-i", "0.05", "-W", "2", dst)
		if !ok || strings.Contains(out, "DUP!") || !strings.Contains(out, fmt.Sprintf("%d received", count)) {
			t.Errorf("ping -c %d %s from A1: want each answered once:\n%s", count, dst, out)
		}
		a4, a6 := tp.echoCounts("A2")
		b4, b6 := tp.echoCounts("B2")
		if got := a4 - a2v4 + a6 - a2v6; got != count {
			t.Errorf("A2 received %d echo requests for %d sent to %s", got, count, dst)
		}
		if b4 != b2v4 || b6 != b2v6 {
			t.Errorf("B2 received echo requests while only A1 pinged %s", dst)
		}
	}

	// A capture sees every packet: the fast path stands aside while it
	// runs.
	file := filepath.Join(t.TempDir(), "a.pcapng")
	cmd, lines := tp.capturing("vrf", "a", "-w", file)
	if out, ok := tp.ping("A1", "-c", "1", "-W", "2", "-p", "a1a1", "192.168.2.10"); !ok {
		t.Errorf("ping A1→A2 during a capture:\n%s", out)
	}
	time.Sleep(500 * time.Millisecond) // the last frames reach the client
	cmd.Process.Signal(syscall.SIGINT)
	rest := ended(t, cmd, lines)
	seen := 0
	all := readCapture(t, file)
	for _, c := range all {
		if icmp, _ := c.pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); icmp != nil && bytes.Contains(icmp.Payload, []byte{0xa1, 0xa1, 0xa1}) {
			seen++
		}
	}
	if seen != 4 {
		t.Errorf("the capture of VRF a holds %d frames of A1's ping (of %d; %s), want 4 (request and reply, in and out)", seen, len(all), rest)
	}

	// A trace sees its frames too: the fast path stands aside until the
	// trace has them.
	tp.govrf("trace clear")
	tp.govrf("trace add dev ra1 count 1 proto icmp")
	tp.ping("A1", "-c", "1", "-W", "2", "192.168.2.10")
	if out := tp.govrf("trace show"); !strings.Contains(out, "ip_forward") || !strings.Contains(out, "verdict            forwarded") {
		t.Errorf("trace of A1's ping with the fast path %s:\n%s", mode, out)
	}

	// A route change takes effect at once: its key is written into the
	// maps in use.
	tp.govrf("route add blackhole 192.168.2.10/32 vrf a")
	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "1", "192.168.2.10"); ok {
		t.Errorf("ping A1→A2 through a blackhole route answered:\n%s", out)
	}
	tp.govrf("route del blackhole 192.168.2.10/32 vrf a")
	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "2", "192.168.2.10"); !ok {
		t.Errorf("ping A1→A2 once the blackhole route was deleted:\n%s", out)
	}

	// The slow path still answers.
	if out, _ := tp.ping("A1", "-c", "1", "-t", "1", "-W", "2", "192.168.2.10"); !strings.Contains(out, "Time to live exceeded") {
		t.Errorf("ping -t 1 from A1: want Time to live exceeded from the router:\n%s", out)
	}
	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "2", "192.168.1.1"); !ok {
		t.Errorf("ping of the router's address from A1:\n%s", out)
	}

	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		fastBefore := tp.fastCounters(mode)
		var tcp iperfTCP
		tp.iperf(&tcp, dst, "-t", "2")
		got := tcp.End.SumReceived
		if got.Bytes < 1_000_000 {
			t.Errorf("iperf3 TCP A1→A2 %s: %d bytes received, want at least 1 MB", dst, got.Bytes)
			continue
		}
		t.Logf("iperf3 TCP A1→A2 %s: %.2f Gbit/s, %d retransmits", dst, got.BitsPerSecond/1e9, tcp.End.SumSent.Retransmits)
		if mode == "off" {
			continue
		}
		// TCP's super-frames go through the fast path whole: it
		// receives (headers and all) at least 80% of the octets TCP
		// carried.
		fast := tp.fastCounters(mode).RxBytes - fastBefore.RxBytes
		if float64(fast) < 0.8*float64(got.Bytes) {
			t.Errorf("iperf3 TCP A1→A2 %s: %d octets through the fast path for %d received, want at least 80%%", dst, fast, got.Bytes)
		} else {
			t.Logf("iperf3 TCP A1→A2 %s: %d octets through the fast path for %d received", dst, fast, got.Bytes)
		}
	}
	in, errs := tp.udpCounter("A2", "InDatagrams"), tp.udpCounter("A2", "RcvbufErrors")
	var udp iperfUDP
	tp.iperf(&udp, "192.168.2.10", "-u", "-b", "10M", "-t", "2")
	in2, errs2 := tp.udpCounter("A2", "InDatagrams"), tp.udpCounter("A2", "RcvbufErrors")
	s := udp.End.Sum
	// iperf3 opens the UDP test with one datagram of its own.
	if got := in2 - in + errs2 - errs; s.Packets == 0 || got > s.Packets+1 || s.LostPercent > 10 {
		t.Errorf("iperf3 UDP A1→A2: %d datagrams sent, %d reached A2's UDP, %.2f%% lost: want each at most once, at most 10%% lost",
			s.Packets, got, s.LostPercent)
	}

	after := tp.scrape(metricsAddr)
	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"govrf_port_receive_packets_total", map[string]string{"port": "ra1", "vrf": "a"}, 2 * count},
		{"govrf_port_transmit_packets_total", map[string]string{"port": "ra2", "vrf": "a"}, 2 * count},
		{"govrf_vrf_forwarded_packets_total", map[string]string{"vrf": "a"}, 4 * count},
	} {
		if got := grew(before, after, c.name, c.labels); got < c.min {
			t.Errorf("%s%v grew by %v, want at least %v", c.name, c.labels, got, c.min)
		}
	}
	if got := grew(before, after, "govrf_vrf_forwarded_packets_total", map[string]string{"vrf": "b"}); got != 0 {
		t.Errorf("VRF b forwarded %v packets while only company A sent", got)
	}

	// A smaller MTU on the way: the super-frames whose segments no
	// longer fit go to the Go path, whose Fragmentation Needed makes A1
	// send segments that fit, which go fast again.
	tp.govrf("link set dev ra2 mtu 1400")
	fastBefore := tp.fastCounters(mode)
	var tcp iperfTCP
	tp.iperf(&tcp, "192.168.2.10", "-t", "2")
	fast := tp.fastCounters(mode).RxBytes - fastBefore.RxBytes
	if got := tcp.End.SumReceived.Bytes; got < 1_000_000 {
		t.Errorf("iperf3 TCP A1→A2 through an MTU of 1400: %d bytes received, want at least 1 MB", got)
	} else {
		t.Logf("iperf3 TCP A1→A2 through an MTU of 1400: %.2f Gbit/s, %d octets through the fast path for %d received",
			tcp.End.SumReceived.BitsPerSecond/1e9, fast, got)
	}
	if out := tp.must("ip", "-n", tp.ns("A1"), "route", "get", "192.168.2.10"); !strings.Contains(out, "mtu 1400") {
		t.Errorf("A1's route to A2 after TCP through an MTU of 1400, want the MTU learnt:\n%s", out)
	}
}

// fastCounters returns what the daemon's fast path has counted, or
// nothing when mode is off.
func (tp *topo) fastCounters(mode string) fastpath.Counters {
	tp.t.Helper()
	if mode == "off" {
		return fastpath.Counters{}
	}
	c, err := fastpath.CountersOf(tp.daemon.Process.Pid)
	if err != nil {
		tp.t.Fatal(err)
	}
	return c
}

// waitReachable waits up to ten seconds for the router's neighbour addr
// on port to be REACHABLE, and fails the test if it is not.
func (tp *topo) waitReachable(port, addr string) {
	tp.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := tp.govrf("neigh show dev " + port)
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == addr && f[len(f)-1] == "REACHABLE" {
				return
			}
		}
		if time.Now().After(deadline) {
			tp.t.Fatalf("neighbour %s of %s not REACHABLE:\n%s", addr, port, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// linkMAC returns the MAC of govrf's link dev.
func (tp *topo) linkMAC(dev string) string {
	tp.t.Helper()
	f := strings.Fields(tp.govrf("link show dev " + dev))
	for i, w := range f {
		if w == "link/ether" && i+1 < len(f) {
			return f[i+1]
		}
	}
	tp.t.Fatalf("govrf link show dev %s: no link/ether", dev)
	return ""
}
