package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/govrf/govrf/internal/api"
)

// soakOutEnv names the file TestSoak writes its figures to; TestSoak runs
// only when it is set, by BenchmarkSoak.
const soakOutEnv = "GOVRF_SOAK_OUT"

// BenchmarkSoak runs govrfd under everything at once for GOVRF_SOAK
// (a duration, default 10m) and reports its usage at the start and the
// end, the drops by reason and what iperf3 lost. It needs root, ping and
// iperf3, and is never part of a plain `go test`:
//
//	GOVRF_SOAK=10m go test -run '^$' -bench '^BenchmarkSoak$' -benchtime 1x -timeout 0 ./test/e2e
//
// The soak itself is TestSoak, which the benchmark runs in a child test
// binary (the topology's helpers take a *testing.T); its log shows a
// sample of govrfd's usage every minute.
func BenchmarkSoak(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "soak.json")
	c := exec.Command(self, "-test.run", "^TestSoak$", "-test.v", "-test.count", "1")
	c.Env = append(os.Environ(), soakOutEnv+"="+out)
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	b.ResetTimer()
	if err := c.Run(); err != nil {
		b.Fatalf("the soak failed: %v", err)
	}
	b.StopTimer()
	data, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	var figures map[string]float64
	if err := json.Unmarshal(data, &figures); err != nil {
		b.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(figures)) {
		b.ReportMetric(figures[name], name)
	}
}

// soakDuration returns GOVRF_SOAK, 10 minutes when unset.
func soakDuration(t *testing.T) time.Duration {
	s := os.Getenv("GOVRF_SOAK")
	if s == "" {
		return 10 * time.Minute
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 20*time.Second {
		t.Fatalf("GOVRF_SOAK=%q: want a duration of at least 20s, such as 10m", s)
	}
	return d
}

// soakSample is govrfd's usage at one moment: from /proc and from its
// own /metrics.
type soakSample struct {
	usage
	goroutines, heapInuse, openFDs float64
	drops                          map[string]float64 // by kind-reason (show errors), all ports
}

// sample reads govrfd's usage.
func (tp *topo) sample() soakSample {
	tp.t.Helper()
	mf := tp.scrape(metricsAddr)
	s := soakSample{usage: tp.daemonUsage(), drops: map[string]float64{}}
	s.goroutines, _ = value(mf, "go_goroutines", nil)
	s.heapInuse, _ = value(mf, "go_memstats_heap_inuse_bytes", nil)
	s.openFDs, _ = value(mf, "process_open_fds", nil)
	// The ports' counters rather than the VRFs': a VRF's go with it.
	for kind, name := range map[string]string{
		"rx": "govrf_port_receive_drops_total", "tx": "govrf_port_transmit_drops_total",
		"answered": "govrf_port_receive_refused_total",
	} {
		for _, m := range mf[name].GetMetric() {
			s.drops[kind+"-"+label(m, "reason")] += m.GetCounter().GetValue()
		}
	}
	return s
}

// label returns the value of m's label name.
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func (s soakSample) String() string {
	return fmt.Sprintf("%v, %.0f goroutines, heap in use %.1f MiB", s.usage, s.goroutines, s.heapInuse/(1<<20))
}

// soakChurn feeds successive `govrf -force -batch -` clients about a
// thousand route changes a second in VRF a's table until stop is closed:
// each 10 ms five host routes of 10.60.0.0/16 added and the five before
// deleted. Each client streams for two seconds and ends, so that the
// requests waiting behind its batch get their turn; lines refused while
// VRF a is away (its gateway gone with it) are passed over (-force). It
// returns the lines written and the clients that failed otherwise.
func (tp *topo) soakChurn(govrf string, stop <-chan struct{}) (lines, failed int) {
	n := 0
	host := func(n int) string { return fmt.Sprintf("10.60.%d.%d/32", n>>8&255, n&255) }
	for {
		select {
		case <-stop:
			return lines, failed
		default:
		}
		c := exec.Command(govrf, "-socket", tp.sock, "-force", "-batch", "-")
		stdin, err := c.StdinPipe()
		if err != nil {
			return lines, failed + 1
		}
		var out strings.Builder
		c.Stdout, c.Stderr = io.Discard, &out
		if err := c.Start(); err != nil {
			return lines, failed + 1
		}
		tick := time.NewTicker(10 * time.Millisecond)
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); n++ {
			<-tick.C
			var b strings.Builder
			for i := range 5 {
				fmt.Fprintf(&b, "route add %s via 192.168.2.10 table 10\n", host(n*5+i))
				fmt.Fprintf(&b, "route del %s table 10\n", host((n-1)*5+i))
			}
			lines += 10
			if _, err := io.WriteString(stdin, b.String()); err != nil {
				break
			}
		}
		tick.Stop()
		stdin.Close()
		// Exit 1: some lines were refused, which -force passes over.
		if err := c.Wait(); err != nil && c.ProcessState.ExitCode() != 1 {
			failed++
			tp.t.Logf("govrf -force -batch -: %v\n%s", err, lastLines(out.String(), 3))
		}
	}
}

// soakClients runs the API's clients until stop is closed: 32 changing
// nothing and asking all the time, 100 that connect and send nothing
// (connecting again when the daemon cuts them off) and 8 monitors that
// hang up after a moment. It returns the requests answered and those
// that failed.
func (tp *topo) soakClients(stop <-chan struct{}) (answered, failed int64) {
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	cmds := []string{"link show", "route show vrf b", "-j show errors", "neigh show dev rb1", "vrf show", "-6 route show table 10"}
	for i := range 32 {
		wg.Go(func() {
			for j := i; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				r, err := api.Call(tp.sock, strings.Fields(cmds[j%len(cmds)]))
				if err != nil || r.Code != 0 {
					if bad.Add(1) <= 5 {
						tp.t.Logf("govrf %s: %+v, %v", cmds[j%len(cmds)], r, err)
					}
					time.Sleep(100 * time.Millisecond)
					continue
				}
				ok.Add(1)
			}
		})
	}
	for range 100 {
		wg.Go(func() {
			for {
				c, err := net.Dial("unix", tp.sock)
				if err != nil {
					bad.Add(1)
					time.Sleep(time.Second)
				} else {
					go func() { <-stop; c.Close() }()
					io.Copy(io.Discard, c) // until the daemon gives up on it
					c.Close()
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	for i := range 8 {
		wg.Go(func() {
			for j := 0; ; j++ {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(200+(i*7+j)%10*150)*time.Millisecond)
				api.CallStream(ctx, tp.sock, []string{"monitor"}, func(api.Response) {})
				cancel()
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	wg.Wait()
	return ok.Load(), bad.Load()
}

// soakFault takes the kernel interface under VRF a's port ra2 away and
// back in one of three ways, by turn: deleted and made again, renamed and
// named back, its MTU changed and changed back.
func (tp *topo) soakFault(turn int) {
	tp.t.Helper()
	r := tp.ns("R")
	ipSet := func(args ...string) { tp.must(append([]string{"ip", "-n", r, "link", "set"}, args...)...) }
	switch turn % 3 {
	case 0:
		tp.must("ip", "-n", r, "link", "del", "ra2")
		time.Sleep(500 * time.Millisecond)
		tp.addPort("A2", "ra2")
		tp.addHostAddrs("A2", "2")
	case 1:
		ipSet("ra2", "down")
		ipSet("ra2", "name", "ra2x")
		ipSet("ra2x", "up")
		time.Sleep(500 * time.Millisecond)
		ipSet("ra2x", "down")
		ipSet("ra2x", "name", "ra2")
		ipSet("ra2", "up")
	case 2:
		ipSet("ra2", "mtu", "1400")
		time.Sleep(500 * time.Millisecond)
		ipSet("ra2", "mtu", "1500")
	}
}

// withoutChurn returns routes without the churned ones of 10.60.0.0/16.
func withoutChurn(routes string) string {
	var out []string
	for _, l := range strings.Split(routes, "\n") {
		if !strings.HasPrefix(l, "10.60.") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSoak is BenchmarkSoak's soak, run only by it. With the seed
// topology running it does everything at once for GOVRF_SOAK: `ping -f`
// from A1 to A2 through VRF a, which is deleted and made again every 10
// s; about a thousand route changes a second in VRF a's table through
// `govrf -force -batch -`; iperf3 UDP at 4 Mbit/s from B1 to B2 in VRF
// b; the interface under ra2 deleted and made again, renamed, or its MTU
// changed every 10 s; ARP requests from random senders flooding ra1; and
// API clients: busy ones, idle ones and monitors that hang up. Then:
// govrfd is up, VRF b lost nothing but what B2's own socket dropped,
// B2 received no echo request and A2 no UDP, no neighbour of the flood
// reached VRF b, both companies forward, the routes are as they
// were (but the churned ones), and govrfd's files are back to what they were.
func TestSoak(t *testing.T) {
	outFile := os.Getenv(soakOutEnv)
	if outFile == "" {
		t.Skip("run by BenchmarkSoak")
	}
	needTool(t, "iperf3")
	d := soakDuration(t)
	tp := buildTopo(t, false, "-metrics", metricsAddr)
	tp.govrf("addr add 10.0.0.1/8 dev ra1")
	tp.govrf("sysctl -w net.govrf.neigh.max_entries=1024")
	tp.warm()
	routes := tp.routes()
	b2v4, b2v6 := tp.echoCounts("B2")
	a2udp := tp.udpCounter("A2", "InDatagrams", "NoPorts")
	rcvbuf := tp.udpCounter("B2", "RcvbufErrors")
	start := tp.sample()
	t.Logf("govrfd at the start: %v", start)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopFlood := tp.flood("A1", "192.168.2.10")
	iperf := tp.startIperfUDP("B1", "B2", "192.168.2.10", "-u", "-b", "4M", "-l", "1000", "-t", fmt.Sprint(int(d.Seconds())))
	var churned, churnFailed int
	wg.Go(func() { churned, churnFailed = tp.soakChurn(filepath.Join(binaries(t), "govrf"), stop) })
	var answered, apiFailed int64
	wg.Go(func() { answered, apiFailed = tp.soakClients(stop) })
	var arps atomic.Int64
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			tp.floodARP("A1", netip.MustParseAddr("10.0.0.1"), 20_000)
			arps.Add(20_000)
		}
	})

	began := time.Now()
	vrfCycles, faults := 0, 0
	for tick := 1; time.Since(began) < d-2*time.Second; tick++ {
		time.Sleep(time.Until(began.Add(time.Duration(tick) * time.Second)))
		switch {
		case tick%10 == 0:
			tp.govrf("link del dev a")
			time.Sleep(200 * time.Millisecond)
			tp.recreateVRFa()
			tp.govrf("addr replace 10.0.0.1/8 dev ra1")
			vrfCycles++
		case tick%10 == 5:
			tp.soakFault(faults)
			faults++
		case tick%60 == 58:
			t.Logf("govrfd after %v: %v", time.Since(began).Round(time.Second), tp.sample())
		}
		select {
		case <-tp.exited:
			t.Fatal("govrfd exited during the soak")
		default:
		}
	}
	close(stop)
	wg.Wait()
	flood := stopFlood()
	u := iperf()
	dropped := tp.udpCounter("B2", "RcvbufErrors") - rcvbuf

	if v4, v6 := tp.echoCounts("B2"); v4 != b2v4 || v6 != b2v6 {
		t.Errorf("B2 received %d IPv4 and %d IPv6 echo requests while only company A pinged", v4-b2v4, v6-b2v6)
	}
	if n := tp.udpCounter("A2", "InDatagrams", "NoPorts") - a2udp; n != 0 {
		t.Errorf("A2 received %d UDP datagrams while only company B sent UDP", n)
	}
	for _, l := range strings.Split(tp.govrf("neigh show dev rb1")+tp.govrf("neigh show dev rb2"), "\n") {
		if strings.HasPrefix(l, "10.") {
			t.Errorf("VRF b's ports hold a neighbour of the flood on ra1: %s", l)
		}
	}
	for _, c := range []struct{ host, dst string }{{"A1", "192.168.2.10"}, {"A1", "2001:db8:2::10"}, {"B1", "192.168.2.10"}} {
		if !tp.reachesWithin(c.host, c.dst, 3*time.Second) {
			t.Errorf("ping %s → %s failed for 3 s after the soak (B2 counted its echo requests before)", c.host, c.dst)
		}
	}
	if got := withoutChurn(tp.routes()); got != withoutChurn(routes) {
		t.Errorf("the routes after the soak:\n%s\nwant as before:\n%s", got, withoutChurn(routes))
	}
	s := u.End.Sum
	if s.Packets == 0 || s.LostPackets-dropped > 0 {
		t.Errorf("iperf3 in VRF b lost %d datagrams of %d besides the %d B2's socket dropped", s.LostPackets-dropped, s.Packets, dropped)
	}
	if churnFailed > 0 || apiFailed > 0 {
		t.Errorf("%d route churn clients and %d API requests failed", churnFailed, apiFailed)
	}
	settled := tp.settledUsage(start.fds)
	time.Sleep(time.Second)
	end := tp.sample()
	end.usage = settled
	t.Logf("govrfd at the end: %v", end)
	t.Logf("%v: %d VRF a cycles, %d interface faults, %d route changes, %d ARP requests flooded, %d API requests answered; ping -f A1 → A2: %s; iperf3 -u -b 4M in VRF b: %d datagrams, %d lost, %d of them dropped by B2's socket",
		d, vrfCycles, faults, churned, arps.Load(), answered, flood, s.Packets, s.LostPackets, dropped)
	if end.fds > start.fds {
		t.Errorf("govrfd holds %d files after the soak, %d before", end.fds, start.fds)
	}

	figures := map[string]float64{
		"start-threads": float64(start.threads), "end-threads": float64(end.threads),
		"start-fds": float64(start.fds), "end-fds": float64(end.fds),
		"start-rss-MiB": float64(start.rssKiB) / 1024, "end-rss-MiB": float64(end.rssKiB) / 1024,
		"start-goroutines": start.goroutines, "end-goroutines": end.goroutines,
		"start-heap-MiB": start.heapInuse / (1 << 20), "end-heap-MiB": end.heapInuse / (1 << 20),
		"iperf-datagrams": float64(s.Packets), "iperf-lost": float64(s.LostPackets), "iperf-rcvbuf-drops": float64(dropped),
		"route-changes": float64(churned), "vrf-cycles": float64(vrfCycles), "if-faults": float64(faults),
		"api-answered": float64(answered), "api-failed": float64(apiFailed),
	}
	for reason, n := range end.drops {
		figures["drops-"+reason] = n - start.drops[reason]
	}
	data, err := json.Marshal(figures)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
