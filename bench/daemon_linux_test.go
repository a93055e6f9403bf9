package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/netnstest"
)

// BenchmarkDaemonLoad1M loads 1,000,000 IPv4 routes into a running
// govrfd through its socket with the real client (`govrf -batch FILE`),
// and the same routes into a fresh kernel namespace with `ip -batch`,
// while iperf3 sends UDP at a fixed rate through the daemon's VRF a,
// which the load does not touch (fwdNet). It reports:
//
//   - govrf-s, ip-s, govrf/ip: the two loads' times and their ratio;
//   - lost-untouched: datagrams lost in VRF a during the load, and
//     lost-at-H2-socket those of them the receiving host itself dropped
//     from its full socket queue;
//   - rss2s-B/route, rss10s-B/route: govrfd's resident memory per route
//     (VmRSS 2 s and 10 s after the load less before it);
//   - add-ms, add-daemon-ms: the median of 20 `govrf route add` or `route
//     del` round trips with the table loaded, client process included,
//     and the same request made from this process over the socket;
//   - restart-s: from starting a govrfd on the files a govrfd killed with
//     SIGKILL left, to its first answer; every route is then there.
//
// With -short the kernel side is left out.
func BenchmarkDaemonLoad1M(b *testing.B) {
	needNet(b, "iperf3", "nsenter")
	const n = 1_000_000
	script := loadScript(b, n, "tap")
	kscript := loadScript(b, n, "ifb")
	bin := b.TempDir()
	govrf, err := netnstest.Build(bin)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		net := newFwdNet(b, "dl")
		net.govrfRouter(b)
		net.serve(b)
		dir := filepath.Dir(net.socket)
		rss0 := vmRSS(b, net.daemon.Pid)

		rcvbuf0 := net.udpRcvbufErrors(b, "H2")
		// 5,000 datagrams a second for longer than the load takes.
		var udp figures
		sent := make(chan iperfReport, 1)
		go func() {
			sent <- net.iperf(b, &udp, "-c", "192.168.2.10", "-u", "-l", "1000", "-b", "40M", "-t", "12")
		}()
		time.Sleep(time.Second)
		start := time.Now()
		if out, err := exec.Command(govrf, "-socket", net.socket, "-batch", script).CombinedOutput(); err != nil {
			b.Fatalf("govrf -batch: %v\n%s", err, out)
		}
		load := time.Since(start)
		r := <-sent
		b.ReportMetric(load.Seconds(), "govrf-s")
		b.ReportMetric(float64(r.End.Sum.LostPackets), "lost-untouched")
		b.ReportMetric(float64(net.udpRcvbufErrors(b, "H2")-rcvbuf0), "lost-at-H2-socket")
		for _, after := range []int{2, 10} {
			time.Sleep(time.Duration(after)*time.Second - time.Since(start) + load)
			b.ReportMetric(float64(vmRSS(b, net.daemon.Pid)-rss0)/n, fmt.Sprintf("rss%ds-B/route", after))
		}

		cli, daemon := routeAddTimes(b, govrf, net.socket)
		b.ReportMetric(cli.Seconds()*1e3, "add-ms")
		b.ReportMetric(daemon.Seconds()*1e3, "add-daemon-ms")

		net.daemon.Kill()
		for net.daemon.Signal(syscall.Signal(0)) == nil {
			time.Sleep(10 * time.Millisecond)
		}
		start = time.Now()
		net.socket = net.startDaemonIn(b, dir)
		b.ReportMetric(time.Since(start).Seconds(), "restart-s")
		resp, err := api.Call(net.socket, []string{"route", "show"})
		if err != nil || resp.Code != 0 {
			b.Fatalf("route show after the restart: %v %s", err, resp.Stderr)
		}
		if got := strings.Count(resp.Stdout, " via 10.0.0.2 dev d0"); got != n {
			b.Fatalf("after the restart the main table holds %d of the %d routes", got, n)
		}

		if testing.Short() {
			continue
		}
		kernel := kernelLoad(b, kscript)
		b.ReportMetric(kernel.Seconds(), "ip-s")
		b.ReportMetric(load.Seconds()/kernel.Seconds(), "govrf/ip")
	}
}

// udpRcvbufErrors returns the datagrams host's kernel dropped because a
// UDP socket's receive queue was full (/proc/net/snmp, Udp RcvbufErrors):
// losses a busy receiver makes, not the router.
func (n *fwdNet) udpRcvbufErrors(b *testing.B, host string) int {
	b.Helper()
	out, err := n.in(host, "cat", "/proc/net/snmp").Output()
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, name := range names {
			if name == "RcvbufErrors" && i < len(f) {
				v, _ := strconv.Atoi(f[i])
				return v
			}
		}
	}
	b.Fatalf("%s: no Udp RcvbufErrors in /proc/net/snmp", host)
	return 0
}

// routeAddTimes returns the median round trip of adding and deleting a
// route in turn, 20 times: with the govrf client as a process, and with
// api.Call from this process.
func routeAddTimes(b *testing.B, govrf, sock string) (cli, daemon time.Duration) {
	b.Helper()
	const reps = 20
	verb := func(i int) string { return []string{"add", "del"}[i%2] }
	var c, d []time.Duration
	for i := range reps {
		start := time.Now()
		if out, err := exec.Command(govrf, "-socket", sock, "route", verb(i), "10.200.0.0/24", "via", "10.0.0.2", "dev", "d0").CombinedOutput(); err != nil {
			b.Fatalf("govrf route %s: %v\n%s", verb(i), err, out)
		}
		c = append(c, time.Since(start))
	}
	for i := range reps {
		start := time.Now()
		r, err := api.Call(sock, []string{"route", verb(i), "10.201.0.0/24", "via", "10.0.0.2", "dev", "d0"})
		if err != nil || r.Code != 0 {
			b.Fatalf("route %s: %v %s", verb(i), err, r.Stderr)
		}
		d = append(d, time.Since(start))
	}
	slices.Sort(c)
	slices.Sort(d)
	return c[reps/2], d[reps/2]
}

// vmRSS returns process pid's resident set size in bytes.
func vmRSS(b *testing.B, pid int) int64 {
	b.Helper()
	s, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	b.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
