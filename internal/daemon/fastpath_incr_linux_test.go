package daemon

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/netnstest"
	"golang.org/x/sys/unix"
)

// TestIntegrationFastPathRouteChange runs the fast path's compiler on a
// VRF with a port attached (tc, on a veth) and checks that route
// changes with the fast path on reach the maps key by key, without
// emptying them, each within a bounded time; that an address change
// (VRF red's alone) does not empty them either, and that a change that
// may reach every VRF (a rule before the l3mdev rule) still does until
// compiled again.
func TestIntegrationFastPathRouteChange(t *testing.T) {
	ctl, f := startFastPathOn(t, "route add 172.16.0.0/16 via 192.168.2.10 vrf red")
	run := func(l string) {
		t.Helper()
		var out bytes.Buffer
		if code := cli.Run(ctl, strings.Fields(l), &out, &out); code != 0 {
			t.Fatalf("%s: %s", l, out.String())
		}
	}
	current := func(what string) time.Duration {
		t.Helper()
		d, ok := f.waitCurrent(ctl, 5*time.Second)
		if !ok {
			t.Fatalf("%s: the maps do not hold the current snapshot 5 s later", what)
		}
		return d
	}
	current("attached")
	suspended, incremental := f.suspensions.Load(), f.incremental.Load()
	var worst time.Duration
	const changes = 50
	for i := range changes {
		cmd := fmt.Sprintf("route add 10.%d.0.0/16 via 192.168.2.%d vrf red", i, 10+i%2)
		if i%3 == 2 {
			cmd = fmt.Sprintf("route del 10.%d.0.0/16 vrf red", i-1)
		}
		run(cmd)
		worst = max(worst, current(cmd))
	}
	t.Logf("%d route changes, the slowest in the maps after %v", changes, worst)
	if n := f.suspensions.Load() - suspended; n != 0 {
		t.Errorf("route changes emptied the maps %d times, want none", n)
	}
	// 192.168.2.11 is a new nexthop, added after the others.
	if n := f.incremental.Load() - incremental; n != changes {
		t.Errorf("%d of %d route changes applied key by key, want all", n, changes)
	}
	if n := f.neighs.Load(); n == nil || len(n.keys) != 2 {
		t.Errorf("the neighbour writer knows %v, want the two nexthops", n)
	}
	if worst > time.Second {
		t.Errorf("a route change reached the maps after %v, want within a second", worst)
	}
	run("addr add 192.168.3.1/24 dev r1")
	current("address added")
	if n := f.suspensions.Load() - suspended; n != 0 {
		t.Errorf("an address change of VRF red emptied the maps %d times, want it rebuilt alone", n)
	}
	run("rule add pref 500 from 10.9.0.0/16 lookup 10")
	current("rule added")
	if f.suspensions.Load() == suspended {
		t.Errorf("a rule before the l3mdev rule did not empty the maps")
	}
}

// startFastPathOn enters a network namespace, configures VRF red with
// port r1 (192.168.2.1/24) and forwarding on, runs script (-batch
// lines), and starts a fast path (tc) with its compiler running,
// attached to a veth standing for r1. It skips when the kernel refuses
// the fast path.
func startFastPathOn(tb testing.TB, script ...string) (*control.Control, *fastPath) {
	tb.Helper()
	if t, ok := tb.(*testing.T); ok {
		netnstest.Enter(t)
	} else {
		if os.Geteuid() != 0 {
			tb.Skip("needs root: a network namespace")
		}
		runtime.LockOSThread() // never unlocked: the thread goes with the benchmark
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			tb.Fatalf("unshare(CLONE_NEWNET): %v", err)
		}
	}
	if out, err := netnstest.TryIP("link", "add", "fpi0", "type", "veth", "peer", "name", "fpi1"); err != nil {
		tb.Fatal(out, err)
	}
	ctl := control.New()
	path := filepath.Join(tb.TempDir(), "fp.batch")
	lines := append([]string{"link add red type vrf table 10", "link set red up", "link add r1 type dummy",
		"link set r1 master red", "link set r1 up", "addr add 192.168.2.1/24 dev r1", "sysctl -w net.ipv4.ip_forward=1"}, script...)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	if code := cli.Run(ctl, []string{"-batch", path}, &out, &out); code != 0 {
		tb.Fatalf("-batch: %s", out.String())
	}
	f, err := newFastPath(fastpath.TC, ctl)
	if err != nil {
		tb.Skipf("the kernel refused the fast path: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done; f.close() })
	ni, err := net.InterfaceByName("fpi0")
	if err != nil {
		tb.Fatal(err)
	}
	r1 := ctl.Snapshot().LinkByName("r1")
	if err := f.attach(r1.Index, "fpi0", ni.Index, header.MAC(r1.MAC), 1500, neigh.New(neigh.DefaultConfig(), neigh.SystemClock{})); err != nil {
		tb.Fatal(err)
	}
	return ctl, f
}

// waitCurrent waits up to limit until the maps hold ctl's current
// snapshot for the ports attached, with no VRF owed a rebuild, and
// returns how long that took.
func (f *fastPath) waitCurrent(ctl *control.Control, limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	want := ctl.Snapshot()
	for time.Since(start) < limit {
		f.mu.Lock()
		ok := f.applied == want && f.gen == f.appliedGen && len(f.vrf.owed) == 0
		f.mu.Unlock()
		if ok {
			return time.Since(start), true
		}
		runtime.Gosched()
	}
	return 0, false
}

// BenchmarkFastpathRouteChange1M measures, with 1,000,000 IPv4 routes in
// VRF red's table (random /24s, each via a neighbour of its port, all
// compiled into the fast path's trie), how long a route add or del takes
// from the command's start (in the daemon's process: the socket's round
// trip is not counted) to the fast path's maps holding it (change-ms:
// median, change-max-ms: the slowest; command-ms: the median of the
// command alone), and that no change empties the maps (suspensions). A full compilation and Apply of that table take
// seconds (bench's BenchmarkFastpathCompile1M).
func BenchmarkFastpathRouteChange1M(b *testing.B) {
	ctl, f := startFastPathOn(b, millionRoutes()...)
	if _, ok := f.waitCurrent(ctl, 60*time.Second); !ok {
		b.Fatal("the first compilation is not applied 60 s later")
	}
	f.mu.Lock()
	entries := len(f.compiled.VRFs[0].Routes[0])
	f.mu.Unlock()
	suspended := f.suspensions.Load()
	var times, cmds []time.Duration
	i := 0
	for b.Loop() {
		cmd := fmt.Sprintf("route add 10.%d.%d.0/24 via 192.168.2.10 vrf red", i/256, i%256)
		if i%2 == 1 {
			cmd = fmt.Sprintf("route del 10.%d.%d.0/24 vrf red", (i-1)/256, (i-1)%256)
		}
		i++
		var out bytes.Buffer
		start := time.Now()
		if code := cli.Run(ctl, strings.Fields(cmd), &out, &out); code != 0 {
			b.Fatalf("%s: %s", cmd, out.String())
		}
		cmds = append(cmds, time.Since(start))
		if _, ok := f.waitCurrent(ctl, 30*time.Second); !ok {
			b.Fatalf("%s: not in the maps 30 s later", cmd)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	slices.Sort(cmds)
	b.ReportMetric(float64(cmds[len(cmds)/2].Microseconds())/1e3, "command-ms")
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1e3, "change-ms")
	b.ReportMetric(float64(times[len(times)-1].Microseconds())/1e3, "change-max-ms")
	b.ReportMetric(float64(f.suspensions.Load()-suspended), "suspensions")
	b.ReportMetric(float64(entries), "entries")
}

// millionRoutes returns 1,000,000 `route add` lines of random /24s
// outside 10/8 and 192/8 via 192.168.2.10 in VRF red.
func millionRoutes() []string {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(7, 7))
	script := make([]string, 0, n)
	seen := make(map[[3]byte]bool, n)
	for len(script) < n {
		x := r.Uint32()
		k := [3]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8)}
		if k[0] == 10 || k[0] == 0 || k[0] == 127 || k[0] >= 224 || k[0] == 192 || seen[k] {
			continue
		}
		seen[k] = true
		script = append(script, fmt.Sprintf("route add %d.%d.%d.0/24 via 192.168.2.10 vrf red", k[0], k[1], k[2]))
	}
	return script
}
