package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestIntegrationFastPathXDP runs the seed topology with -fastpath xdp
// on its veth ports: the XDP program forwards what it can redirect, the
// tc program behind it the rest. With GRO on A1's and A2's veth ends,
// the router's ra1 and ra2 take redirected frames. Pings of both
// families come back once each; TCP and UDP of both families, whose
// checksums A1 leaves to the device (CHECKSUM_PARTIAL), then finished
// by A1's kernel (tx checksumming off, so that XDP forwards them), reach
// A2 with no checksum error and each UDP datagram at most once, XDP
// sending most of them by ra2 (its xdp_xmit counter) when checksums are
// complete; with GRO off on A2 (ra2 takes no redirected
// frames), pings still cross, by tc; and the port counters count it
// all.
func TestIntegrationFastPathXDP(t *testing.T) {
	tp := buildTopo(t, false, "-fastpath", "xdp", "-metrics", metricsAddr)
	for _, h := range []string{"A1", "A2"} {
		tp.must("ip", "netns", "exec", tp.ns(h), "ethtool", "-K", "eth0", "gro", "on")
	}
	tp.warm()
	tp.waitReachable("ra1", "192.168.1.10")
	tp.waitReachable("ra2", "192.168.2.10")
	before := tp.scrape(metricsAddr)

	const count = 20
	pings := func(what string) {
		t.Helper()
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			a4, a6 := tp.echoCounts("A2")
			out, ok := tp.ping("A1", "-c", strconv.Itoa(count), "-i", "0.02", "-W", "2", dst)
			if !ok || strings.Contains(out, "DUP!") || !strings.Contains(out, fmt.Sprintf("%d received", count)) {
				t.Errorf("%s: ping -c %d %s from A1: want each answered once:\n%s", what, count, dst, out)
			}
			b4, b6 := tp.echoCounts("A2")
			if got := b4 - a4 + b6 - a6; got != count {
				t.Errorf("%s: A2 received %d echo requests for %d sent to %s", what, got, count, dst)
			}
		}
	}
	xdp0 := tp.xdpSent("ra2")
	pings("GRO on A2")
	if got := tp.xdpSent("ra2") - xdp0; got < 2*count {
		t.Errorf("ra2 sent %d frames redirected by XDP for %d echo requests, want them all", got, 2*count)
	}

	// Checksums left to the device (the hosts' default), then complete.
	for _, tx := range []string{"on", "off"} {
		tp.must("ip", "netns", "exec", tp.ns("A1"), "ethtool", "-K", "eth0", "tx", tx)
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			errs := tp.csumErrors("A2")
			var tcp iperfTCP
			tp.iperf(&tcp, dst, "-t", "1")
			if got := tcp.End.SumReceived.Bytes; got < 1_000_000 {
				t.Errorf("tx checksumming %s: iperf3 TCP A1→A2 %s: %d bytes received, want at least 1 MB", tx, dst, got)
			} else {
				t.Logf("tx checksumming %s: iperf3 TCP A1→A2 %s: %.2f Gbit/s, %d retransmits", tx, dst,
					tcp.End.SumReceived.BitsPerSecond/1e9, tcp.End.SumSent.Retransmits)
			}
			in := tp.udpCounter("A2", "InDatagrams", "RcvbufErrors")
			xdp := tp.xdpSent("ra2")
			var udp iperfUDP
			tp.iperf(&udp, dst, "-u", "-b", "20M", "-l", "400", "-t", "1")
			s := udp.End.Sum
			got := tp.udpCounter("A2", "InDatagrams", "RcvbufErrors") - in
			if dst != "192.168.2.10" {
				got = -1 // /proc/net/snmp counts IPv4 alone
			}
			if s.Packets == 0 || got > s.Packets+1 || s.LostPercent > 10 {
				t.Errorf("tx checksumming %s: iperf3 UDP A1→A2 %s: %d datagrams sent, %d reached A2's UDP, %.2f%% lost: want each at most once, at most 10%% lost",
					tx, dst, s.Packets, got, s.LostPercent)
			}
			redirected := tp.xdpSent("ra2") - xdp
			t.Logf("tx checksumming %s: iperf3 UDP A1→A2 %s: %d datagrams, %d frames redirected by XDP", tx, dst, s.Packets, redirected)
			if tx == "off" && redirected < s.Packets/2 {
				t.Errorf("tx checksumming off: %d of %d UDP datagrams to %s redirected by XDP, want most", redirected, s.Packets, dst)
			}
			if e := tp.csumErrors("A2"); e != errs {
				t.Errorf("tx checksumming %s: A2 counted %d checksum errors after TCP and UDP to %s", tx, e-errs, dst)
			}
		}
	}

	// ra2 takes no redirected frames: tc forwards.
	tp.must("ip", "netns", "exec", tp.ns("A2"), "ethtool", "-K", "eth0", "gro", "off")
	xdp0 = tp.xdpSent("ra2")
	pings("GRO off on A2")
	if got := tp.xdpSent("ra2") - xdp0; got != 0 {
		t.Errorf("ra2, its peer without GRO, sent %d frames redirected by XDP, want none", got)
	}

	after := tp.scrape(metricsAddr)
	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"govrf_port_receive_packets_total", map[string]string{"port": "ra1", "vrf": "a"}, 4 * count},
		{"govrf_port_transmit_packets_total", map[string]string{"port": "ra2", "vrf": "a"}, 4 * count},
		{"govrf_vrf_forwarded_packets_total", map[string]string{"vrf": "a"}, 8 * count},
	} {
		if got := grew(before, after, c.name, c.labels); got < c.min {
			t.Errorf("%s%v grew by %v, want at least %v", c.name, c.labels, got, c.min)
		}
	}
}

// csumErrors returns the checksum errors host's kernel counted in TCP,
// UDP and UDP over IPv6 (InCsumErrors in /proc/net/snmp and snmp6).
func (tp *topo) csumErrors(host string) int {
	tp.t.Helper()
	out, err := tp.in(host, "nstat", "-asz").Output()
	if err != nil {
		tp.t.Fatalf("nstat in %s: %v", host, err)
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && strings.HasSuffix(f[0], "InCsumErrors") {
			v, _ := strconv.Atoi(f[1])
			n += v
		}
	}
	return n
}

// xdpSent returns how many frames the router's veth port sent as an
// XDP redirection's target (ndo_xdp_xmit: its xdp_xmit counters,
// ethtool -S).
func (tp *topo) xdpSent(port string) int {
	tp.t.Helper()
	out, err := tp.in("R", "ethtool", "-S", port).Output()
	if err != nil {
		tp.t.Fatalf("ethtool -S %s: %v", port, err)
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		name, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if ok && strings.HasSuffix(name, "xdp_xmit") {
			k, _ := strconv.Atoi(strings.TrimSpace(v))
			n += k
		}
	}
	return n
}
