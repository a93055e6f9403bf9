package bench

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/netnstest"
)

// churnRate and churnSeconds are BenchmarkFastpathChurn1M's changes per
// second and how long it makes them.
const (
	churnRate    = 100
	churnSeconds = 10
)

// BenchmarkFastpathChurn1M loads 1,000,000 IPv4 routes (random /24s via
// H2) into VRF a's table of govrfd with -fastpath tc, on
// BenchmarkForward's topology, then sends UDP (1,000-octet datagrams at
// 40 Mbit/s, 5,000 a second) from H1 to H2 for churnSeconds while
// making churnRate changes a second over the socket, and reports the
// share of the packets the router received that the fast path
// forwarded (fast-%), and the changes made a second (changes/s):
//
//   - routes: `route add` and `route del` of other /24s in VRF a's
//     table, which reach the maps key by key;
//   - addrs: `addr add` and `addr del` of a /32 on r2, which change the
//     local table and empty the maps until a full compilation of the
//     million routes is applied (as every change did before).
//
// It also times 20 `govrf route add` commands, each from the client's
// start to the route's key forwarding in the daemon's trie in use
// (route-add-ms: median, route-add-max-ms: the slowest; route-add-cli-ms:
// the median of the client's run alone), read with fastpath.TriesOf.
func BenchmarkFastpathChurn1M(b *testing.B) {
	needNet(b, "iperf3", "nsenter")
	govrf, err := netnstest.Build(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	n := newFwdNet(b, "fc")
	n.args = "-fastpath tc"
	n.govrfRouter(b)
	n.serve(b)
	if out, err := exec.Command(govrf, "-socket", n.socket, "-batch", routeScript(b, 1_000_000, "route add %s via 192.168.2.10 vrf a")).CombinedOutput(); err != nil {
		b.Fatalf("govrf -batch: %v\n%s", err, out)
	}
	// The first compilations of the million routes, and the neighbours.
	var f figures
	n.iperf(b, &f, append(pin(), "-c", "192.168.2.10", "-u", "-l", "1000", "-b", "40M", "-t", "10")...)
	for b.Loop() {
		addTimes(b, govrf, n)
		for _, kind := range []string{"routes", "addrs"} {
			fastShare(b, n, &f, kind, func() float64 { return churn(b, n.socket, kind) })
		}
	}
}

// fastShare runs change, which returns how many changes it made a
// second, beside churnSeconds of 40 Mbit/s UDP from H1 to H2, and
// reports the share of the router's packets the fast path forwarded
// meanwhile (label-fast-%) and the rate of changes (label-changes/s).
func fastShare(b *testing.B, n *fwdNet, f *figures, label string, change func() float64) {
	rx0, fast0 := n.routerRx(b), n.fastRx(b)
	done := make(chan float64)
	go func() { done <- change() }()
	n.iperf(b, f, append(pin(), "-c", "192.168.2.10", "-u", "-l", "1000", "-b", "40M", "-t", fmt.Sprint(churnSeconds))...)
	rate := <-done
	rx, fast := n.routerRx(b)-rx0, n.fastRx(b)-fast0
	b.ReportMetric(100*float64(min(fast, rx))/float64(max(rx, 1)), label+"-fast-%")
	b.ReportMetric(rate, label+"-changes/s")
}

// churn makes churnRate changes of kind a second for churnSeconds
// through govrfd's socket, and returns how many it made a second.
func churn(b *testing.B, socket, kind string) float64 {
	start := time.Now()
	made := 0
	for i := 0; time.Since(start) < churnSeconds*time.Second; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / churnRate)))
		var cmd string
		switch {
		case kind == "routes" && i%2 == 0:
			cmd = fmt.Sprintf("route add 10.%d.%d.0/24 via 192.168.2.10 vrf a", i/512%256, i/2%256)
		case kind == "routes":
			cmd = fmt.Sprintf("route del 10.%d.%d.0/24 vrf a", i/512%256, (i-1)/2%256)
		case i%2 == 0:
			cmd = "addr add 192.168.2.200/32 dev r2"
		default:
			cmd = "addr del 192.168.2.200/32 dev r2"
		}
		r, err := api.Call(socket, strings.Fields(cmd))
		if err != nil || r.Code != 0 {
			b.Errorf("govrf %s: %v %s", cmd, err, r.Stderr)
			return 0
		}
		made++
	}
	return float64(made) / time.Since(start).Seconds()
}

// routeScript writes a file of n lines, each format with a random /24
// outside 10/8 and 192.168/16 for its %s, the same /24s for the same n,
// and returns its path.
func routeScript(b *testing.B, n int, format string) string {
	path := filepath.Join(b.TempDir(), "routes.batch")
	file, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(file, 1<<20)
	r := rand.New(rand.NewPCG(7, 7))
	seen := make(map[uint32]bool, n)
	for len(seen) < n {
		x := r.Uint32() &^ 0xff
		if a := x >> 24; a == 10 || a == 0 || a == 127 || a >= 224 || x>>16 == 192<<8|168 || seen[x] {
			continue
		}
		seen[x] = true
		fmt.Fprintf(w, format+"\n", fmt.Sprintf("%d.%d.%d.0/24", x>>24, x>>16&0xff, x>>8&0xff))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	file.Close()
	return path
}

// addTimes reports how long 20 `govrf route add` commands take to reach
// the fast path's trie in use, from the client's start.
func addTimes(b *testing.B, govrf string, n *fwdNet) {
	tries, err := fastpath.TriesOf(n.daemon.Pid)
	if err != nil || len(tries) == 0 {
		b.Fatalf("the daemon's tries: %v (%d found)", err, len(tries))
	}
	defer func() {
		for _, t := range tries {
			t.Close()
		}
	}()
	var times, clis []time.Duration
	for i := range 20 {
		a := netip.AddrFrom4([4]byte{10, 200, byte(i), 1})
		start := time.Now()
		if out, err := exec.Command(govrf, "-socket", n.socket, "route", "add", fmt.Sprintf("10.200.%d.0/24", i), "via", "192.168.2.10", "vrf", "a").CombinedOutput(); err != nil {
			b.Fatalf("govrf route add: %v\n%s", err, out)
		}
		clis = append(clis, time.Since(start))
		for !slices.ContainsFunc(tries, func(t *ebpf.Map) bool { return fastpath.Forwards(t, a) }) {
			if time.Since(start) > 10*time.Second {
				b.Fatalf("10.200.%d.0/24 not in the fast path's tries 10 s after govrf route add", i)
			}
			runtime.Gosched()
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	slices.Sort(clis)
	b.ReportMetric(float64(clis[len(clis)/2].Microseconds())/1e3, "route-add-cli-ms")
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1e3, "route-add-ms")
	b.ReportMetric(float64(times[len(times)-1].Microseconds())/1e3, "route-add-max-ms")
}
