package bench

import (
	"errors"
	"fmt"
	"os/exec"
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

// BenchmarkFastpathPerVRF1M loads 1,000,000 IPv4 routes into VRF a of
// govrfd with -fastpath tc, as BenchmarkFastpathChurn1M does, adds a VRF
// b with a port of its own (rb0, a veth in R), and sends UDP (1,000
// octets at 40 Mbit/s) from H1 to H2 through a for churnSeconds while
// making churnRate address changes a second over the socket (`addr add`
// and `addr del` of a /32), and reports the share of the packets the
// router received that the fast path forwarded (fast-%) and the changes
// made a second:
//
//   - b-addrs: the addresses of rb0, in VRF b: b's trie alone is rebuilt,
//     a keeps forwarding;
//   - a-addrs: the addresses of r2, in VRF a itself: a's million routes
//     are rebuilt after each, and a's packets take the Go data path
//     meanwhile.
//
// It also times 20 `govrf addr add 192.168.50.N/32 dev rb0`, 200 ms
// apart, each from the client's start to a trie in use holding the
// address's local route (addr-add-ms: median, addr-add-max-ms: the
// slowest; addr-add-cli-ms: the median of the client's run alone), read
// with fastpath.TriesOf, each poll of which walks govrfd's descriptors.
func BenchmarkFastpathPerVRF1M(b *testing.B) {
	needNet(b, "iperf3", "nsenter")
	govrf, err := netnstest.Build(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	n := newFwdNet(b, "pv")
	n.args = "-fastpath tc"
	must(b, "ip", "-n", n.ns("R"), "link", "add", "rb0", "type", "veth", "peer", "name", "rb0p")
	must(b, "ip", "-n", n.ns("R"), "link", "set", "rb0", "up")
	must(b, "ip", "-n", n.ns("R"), "link", "set", "rb0p", "up")
	n.govrfRouter(b)
	for _, l := range []string{"link add name b type vrf table 20", "link set dev b up",
		"link add link rb0 name rb0 type packet", "link set dev rb0 master b", "link set dev rb0 up",
		"addr add 192.168.50.1/24 dev rb0"} {
		if r, err := api.Call(n.socket, strings.Fields(l)); err != nil || r.Code != 0 {
			b.Fatalf("govrf %s: %v %s", l, err, r.Stderr)
		}
	}
	n.serve(b)
	if out, err := exec.Command(govrf, "-socket", n.socket, "-batch", routeScript(b, 1_000_000, "route add %s via 192.168.2.10 vrf a")).CombinedOutput(); err != nil {
		b.Fatalf("govrf -batch: %v\n%s", err, out)
	}
	// The first compilations of the million routes, and the neighbours.
	var f figures
	n.iperf(b, &f, append(pin(), "-c", "192.168.2.10", "-u", "-l", "1000", "-b", "40M", "-t", "10")...)
	for b.Loop() {
		addrTimes(b, govrf, n)
		for _, dev := range []string{"rb0", "r2"} {
			kind := map[string]string{"rb0": "b-addrs", "r2": "a-addrs"}[dev]
			fastShare(b, n, &f, kind, func() float64 { return addrChurn(b, n.socket, dev) })
		}
	}
}

// addrChurn makes churnRate address changes a second of a /32 on dev
// for churnSeconds through govrfd's socket, and returns how many it
// made a second.
func addrChurn(b *testing.B, socket, dev string) float64 {
	addr := map[string]string{"rb0": "192.168.50.200/32", "r2": "192.168.2.200/32"}[dev]
	start := time.Now()
	made := 0
	for i := 0; time.Since(start) < churnSeconds*time.Second; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / churnRate)))
		cmd := "addr add " + addr + " dev " + dev
		if i%2 == 1 {
			cmd = "addr del " + addr + " dev " + dev
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

// addrTimes reports how long 20 `govrf addr add` of a /32 on rb0 take to
// reach a trie in use from the client's start: its local route's key
// (a local route hands over both ways: value 0), where rb0's /24 gave
// the address its source bit before.
func addrTimes(b *testing.B, govrf string, n *fwdNet) {
	var times, clis []time.Duration
	for i := range 20 {
		a := [4]byte{192, 168, 50, byte(100 + i)}
		addr := fmt.Sprintf("192.168.50.%d/32", a[3])
		start := time.Now()
		if out, err := exec.Command(govrf, "-socket", n.socket, "addr", "add", addr, "dev", "rb0").CombinedOutput(); err != nil {
			b.Fatalf("govrf addr add: %v\n%s", err, out)
		}
		clis = append(clis, time.Since(start))
		for !localIn(b, n.daemon.Pid, a) {
			if time.Since(start) > 10*time.Second {
				b.Fatalf("%s not in the fast path's tries 10 s after govrf addr add", addr)
			}
			runtime.Gosched()
		}
		times = append(times, time.Since(start))
		if out, err := exec.Command(govrf, "-socket", n.socket, "addr", "del", addr, "dev", "rb0").CombinedOutput(); err != nil {
			b.Fatalf("govrf addr del: %v\n%s", err, out)
		}
		time.Sleep(200 * time.Millisecond) // the deletion rebuilt, and the compiler's wait after it past
	}
	slices.Sort(times)
	slices.Sort(clis)
	b.ReportMetric(float64(clis[len(clis)/2].Microseconds())/1e3, "addr-add-cli-ms")
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1e3, "addr-add-ms")
	b.ReportMetric(float64(times[len(times)-1].Microseconds())/1e3, "addr-add-max-ms")
}

// localIn reports whether an IPv4 trie of process pid's fast path holds
// a's host entry with value 0 (a local route: handed over both ways).
func localIn(b *testing.B, pid int, a [4]byte) bool {
	tries, err := fastpath.TriesOf(pid)
	if err != nil {
		b.Fatal(err)
	}
	found := false
	for _, t := range tries {
		var v uint32
		key := struct {
			Bits uint32
			Addr [4]byte
		}{32, a}
		if t.KeySize() == 8 {
			err := t.Lookup(key, &v)
			found = found || err == nil && v == 0
			if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
				b.Fatal(err)
			}
		}
		t.Close()
	}
	return found
}
