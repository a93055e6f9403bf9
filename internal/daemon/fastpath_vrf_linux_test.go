package daemon

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/netnstest"
)

// TestIntegrationFastPathPerVRF runs the fast path's compiler on VRFs
// red and blue, each with a port attached (tc, on veths), and checks
// that address and link changes of blue reach the maps by rebuilding
// blue alone, without emptying them or rebuilding red, as does a new
// neighbour of blue's port (its host entry); and that a batch of routes
// in red, published whole, reaches them key by key.
func TestIntegrationFastPathPerVRF(t *testing.T) {
	ctl, f := startFastPathBlue(t, "route add 172.16.0.0/16 via 192.168.2.10 vrf red")
	b1 := ctl.Snapshot().LinkByName("b1")
	run := func(args ...string) {
		t.Helper()
		var out bytes.Buffer
		if code := cli.Run(ctl, args, &out, &out); code != 0 {
			t.Fatalf("%s: %s", strings.Join(args, " "), out.String())
		}
	}
	current := func(what string) {
		t.Helper()
		if _, ok := f.waitCurrent(ctl, 5*time.Second); !ok {
			t.Fatalf("%s: the maps do not hold the current snapshot 5 s later", what)
		}
	}
	current("attached")
	red := func() string { // the identity of red's compiled trie
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, tr := range f.compiled.VRFs {
			if tr.VRF == ctl.Snapshot().LinkByName("red").Index {
				return fmt.Sprintf("%p", tr.Routes[0])
			}
		}
		t.Fatal("red is not compiled")
		return ""
	}
	redBefore := red()
	suspended, steps, rebuilds := f.suspensions.Load(), f.vrf.steps.Load(), f.vrf.rebuilds.Load()
	for i := range 20 {
		verb := []string{"add", "del"}[i%2]
		cmd := fmt.Sprintf("addr %s 192.168.3.%d/32 dev b1", verb, 100+i/2)
		run(strings.Fields(cmd)...)
		current(cmd)
	}
	run("link", "set", "b1", "down")
	current("b1 down")
	run("link", "set", "b1", "up")
	current("b1 up")
	if n := f.suspensions.Load() - suspended; n != 0 {
		t.Errorf("changes of blue emptied the maps %d times, want none", n)
	}
	if n := f.vrf.steps.Load() - steps; n != 22 {
		t.Errorf("%d of 22 changes of blue applied per VRF", n)
	}
	if f.vrf.rebuilds.Load() == rebuilds {
		t.Errorf("blue never rebuilt")
	}
	if r := red(); r != redBefore {
		t.Errorf("red rebuilt by blue's changes (%v, then %v)", redBefore, r)
	}
	// A new neighbour on blue's connected subnet gets its host entry from
	// a rebuild of blue alone.
	rebuilds = f.vrf.rebuilds.Load()
	f.mu.Lock()
	nc := f.ports[b1.Index].Neigh
	f.mu.Unlock()
	host := netip.MustParseAddr("192.168.3.77")
	if err := nc.Add(neigh.Static{Addr: host, MAC: header.MAC{2, 0, 0, 0, 0, 77}, State: neigh.StatePermanent}); err != nil {
		t.Fatal(err)
	}
	f.neighChanged(b1.Index, neigh.Event{Addr: host, State: neigh.StatePermanent})
	deadline := time.Now().Add(5 * time.Second)
	for !f.hasEntry(netip.PrefixFrom(host, 32)) {
		if time.Now().After(deadline) {
			t.Fatal("no host entry for blue's new neighbour 5 s later")
		}
		time.Sleep(time.Millisecond)
	}
	if f.vrf.rebuilds.Load() == rebuilds || red() != redBefore || f.suspensions.Load() != suspended {
		t.Errorf("a new neighbour of blue: %d rebuilds, red rebuilt %v, %d suspensions; want blue rebuilt alone",
			f.vrf.rebuilds.Load()-rebuilds, red() != redBefore, f.suspensions.Load()-suspended)
	}
	var batch []string
	for i := range 10 {
		batch = append(batch, fmt.Sprintf("route add 10.%d.0.0/16 via 192.168.2.10 vrf red", i))
	}
	path := filepath.Join(t.TempDir(), "routes.batch")
	if err := os.WriteFile(path, []byte(strings.Join(batch, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	incremental, rebuilds := f.incremental.Load(), f.vrf.rebuilds.Load()
	run("-batch", path)
	current("batch")
	if n := f.suspensions.Load() - suspended; n != 0 {
		t.Errorf("a batch of routes emptied the maps %d times, want none", n)
	}
	if n := f.incremental.Load() - incremental; n < 1 {
		t.Errorf("a batch of routes was not applied key by key")
	}
	if n := f.vrf.rebuilds.Load() - rebuilds; n != 0 {
		t.Errorf("a batch of routes rebuilt VRFs %d times, want none", n)
	}
	t.Logf("the batch of 10 routes: %d publications applied key by key", f.incremental.Load()-incremental)
}

// startFastPathBlue is startFastPathOn with a VRF blue too, whose port
// b1 (192.168.3.1/24) is attached to a veth of its own.
func startFastPathBlue(tb testing.TB, script ...string) (*control.Control, *fastPath) {
	tb.Helper()
	ctl, f := startFastPathOn(tb, append(script, "link add blue type vrf table 20", "link set blue up",
		"link add b1 type dummy", "link set b1 master blue", "link set b1 up", "addr add 192.168.3.1/24 dev b1",
		"route add 172.17.0.0/16 via 192.168.3.10 vrf blue")...)
	if out, err := netnstest.TryIP("link", "add", "fpb0", "type", "veth", "peer", "name", "fpb1"); err != nil {
		tb.Fatal(out, err)
	}
	ni, err := net.InterfaceByName("fpb0")
	if err != nil {
		tb.Fatal(err)
	}
	b1 := ctl.Snapshot().LinkByName("b1")
	if err := f.attach(b1.Index, "fpb0", ni.Index, header.MAC(b1.MAC), 1500, neigh.New(neigh.DefaultConfig(), neigh.SystemClock{})); err != nil {
		tb.Fatal(err)
	}
	return ctl, f
}

// BenchmarkFastpathAddrChange1M measures, with 1,000,000 IPv4 routes in
// VRF red's trie, how long an address change of VRF blue's port takes
// from the command's start (in the daemon's process: no socket) to the
// maps holding it, blue's trie rebuilt, the changes 100 ms apart, past
// the compiler's wait after a rebuild (change-ms: median,
// change-max-ms: the slowest; command-ms: the median of the command
// alone), and that no change empties the maps or rebuilds red
// (suspensions, red-rebuilt).
func BenchmarkFastpathAddrChange1M(b *testing.B) {
	ctl, f := startFastPathBlue(b, millionRoutes()...)
	if _, ok := f.waitCurrent(ctl, 60*time.Second); !ok {
		b.Fatal("the first compilation is not applied 60 s later")
	}
	f.mu.Lock()
	red := fmt.Sprintf("%p", f.compiled.VRFs[0].Routes[0])
	f.mu.Unlock()
	suspended := f.suspensions.Load()
	var times, cmds []time.Duration
	i := 0
	for b.Loop() {
		time.Sleep(100 * time.Millisecond) // past the compiler's wait after the last rebuild
		cmd := fmt.Sprintf("addr %s 192.168.3.%d/32 dev b1", []string{"add", "del"}[i%2], 100+i/2%100)
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
	f.mu.Lock()
	rebuilt := fmt.Sprintf("%p", f.compiled.VRFs[0].Routes[0]) != red
	f.mu.Unlock()
	slices.Sort(times)
	slices.Sort(cmds)
	b.ReportMetric(float64(cmds[len(cmds)/2].Microseconds())/1e3, "command-ms")
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1e3, "change-ms")
	b.ReportMetric(float64(times[len(times)-1].Microseconds())/1e3, "change-max-ms")
	b.ReportMetric(float64(f.suspensions.Load()-suspended), "suspensions")
	b.ReportMetric(map[bool]float64{true: 1}[rebuilt], "red-rebuilt")
}

// hasEntry reports whether the compilation applied has an entry for p
// with a nexthop.
func (f *fastPath) hasEntry(p netip.Prefix) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.compiled == nil {
		return false
	}
	for _, tr := range f.compiled.VRFs {
		for _, e := range tr.Routes[0] {
			if e.Prefix == p && e.Nexthop() != 0 {
				return true
			}
		}
	}
	return false
}

// TestIntegrationFastPathPortlessVRFs adds 500 VRFs with no attached
// port (each made and brought up, a publication each) and drops 100 of
// them, beside red and blue, whose ports are attached: no change may
// empty the maps, suspend or rebuild a VRF, or compile in full (red's
// trie stays the one compiled first), and the maps must hold each
// snapshot.
func TestIntegrationFastPathPortlessVRFs(t *testing.T) {
	ctl, f := startFastPathBlue(t)
	if _, ok := f.waitCurrent(ctl, 5*time.Second); !ok {
		t.Fatal("the maps do not hold the first snapshot 5 s later")
	}
	f.mu.Lock()
	red := fmt.Sprintf("%p", f.compiled.VRFs[0].Routes[0])
	f.mu.Unlock()
	suspended, steps, rebuilds := f.suspensions.Load(), f.vrf.steps.Load(), f.vrf.rebuilds.Load()
	run := func(line string) {
		t.Helper()
		var out bytes.Buffer
		if code := cli.Run(ctl, strings.Fields(line), &out, &out); code != 0 {
			t.Fatalf("%s: %s", line, out.String())
		}
	}
	for i := range 500 {
		run(fmt.Sprintf("link add t%d type vrf table %d", i, 1000+i))
		run(fmt.Sprintf("link set t%d up", i))
	}
	for i := range 100 {
		run(fmt.Sprintf("link del t%d", i))
	}
	if _, ok := f.waitCurrent(ctl, 10*time.Second); !ok {
		t.Fatal("the maps do not hold the last snapshot 10 s later")
	}
	f.mu.Lock()
	again := fmt.Sprintf("%p", f.compiled.VRFs[0].Routes[0])
	owed, vrfs := len(f.vrf.owed), len(f.compiled.VRFs)
	f.mu.Unlock()
	if n := f.suspensions.Load() - suspended; n != 0 {
		t.Errorf("port-less VRFs emptied the maps %d times, want none", n)
	}
	if n := f.vrf.rebuilds.Load() - rebuilds; n != 0 || owed != 0 {
		t.Errorf("port-less VRFs rebuilt VRFs %d times, %d owed; want none", n, owed)
	}
	if again != red {
		t.Errorf("port-less VRFs compiled red again (%s, then %s)", red, again)
	}
	if vrfs != 2 {
		t.Errorf("%d domains compiled, want red and blue", vrfs)
	}
	t.Logf("%d publications applied per VRF", f.vrf.steps.Load()-steps)
}
