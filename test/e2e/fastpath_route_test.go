package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// routeChangeTable is how many routes TestIntegrationFastPathRouteChange
// loads into VRF a first: enough that a full compilation takes a good
// part of a second, during which emptied maps would show.
const routeChangeTable = 200_000

// TestIntegrationFastPathRouteChange runs the seed topology with
// -fastpath tc and routeChangeTable routes in VRF a, and checks that
// route changes reach the fast path's maps key by key, without emptying
// them: right after 50 route changes in
// VRF a, and 200 ms after a route to a new prefix behind A2, pings from
// A1 to A2 and to that prefix cross the router with govrfd stopped
// (SIGSTOP), where only the fast path forwards, and its counters count
// them.
func TestIntegrationFastPathRouteChange(t *testing.T) {
	tp := buildTopo(t, false, "-fastpath", "tc")
	tp.warm()
	tp.waitReachable("ra1", "192.168.1.10")
	tp.waitReachable("ra2", "192.168.2.10")
	for _, h := range []struct{ host, addr, port string }{{"A1", "192.168.1.1", "ra1"}, {"A2", "192.168.2.1", "ra2"}} {
		tp.must("ip", "-n", tp.ns(h.host), "neigh", "replace", h.addr, "lladdr", tp.linkMAC(h.port), "dev", "eth0", "nud", "permanent")
	}
	tp.must("ip", "-n", tp.ns("A2"), "addr", "add", "10.99.0.1/32", "dev", "lo")
	file := filepath.Join(t.TempDir(), "routes.batch")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range routeChangeTable {
		fmt.Fprintf(w, "route add %d.%d.%d.0/24 via 192.168.2.10 vrf a\n", 20+i>>16, i>>8&0xff, i&0xff)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out, err := exec.Command(filepath.Join(binaries(t), "govrf"), "-socket", tp.sock, "-batch", file).CombinedOutput(); err != nil {
		t.Fatalf("govrf -batch: %v\n%s", err, out)
	}
	// The batch emptied the maps; their full compilation of the table
	// takes a while on a loaded machine, and only while govrfd runs:
	// wait, govrfd running, until the fast path forwards A1→A2 again.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		c := tp.fastCounters("tc")
		tp.ping("A1", "-c", "1", "-W", "1", "192.168.2.10")
		if tp.fastCounters("tc").RxPackets >= c.RxPackets+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fast path did not forward A1→A2 within 30 s of a %d-route batch", routeChangeTable)
		}
	}
	// stopped pings dst from A1 with govrfd stopped, after the compiler
	// had a moment (a compilation that takes a neighbour in may be under
	// way at first), and reports whether it was answered.
	stopped := func(dst string) (string, bool) {
		var out string
		ok := false
		for try := 0; try < 5 && !ok; try++ {
			if try > 0 {
				time.Sleep(300 * time.Millisecond)
			}
			tp.daemon.Process.Signal(syscall.SIGSTOP)
			out, ok = tp.ping("A1", "-c", "1", "-W", "1", dst)
			tp.daemon.Process.Signal(syscall.SIGCONT)
		}
		return out, ok
	}
	if out, ok := stopped("192.168.2.10"); !ok {
		t.Fatalf("ping A1→A2 with govrfd stopped, before any change: not answered:\n%s", out)
	}

	for i := range 50 {
		tp.govrf(fmt.Sprintf("route add 10.100.%d.0/24 via 192.168.2.10 vrf a", i))
	}
	before := tp.fastCounters("tc")
	tp.daemon.Process.Signal(syscall.SIGSTOP)
	out, ok := tp.ping("A1", "-c", "3", "-i", "0.2", "-W", "1", "192.168.2.10")
	tp.daemon.Process.Signal(syscall.SIGCONT)
	if !ok {
		t.Errorf("ping A1→A2 with govrfd stopped right after 50 route changes: not answered (the maps were emptied):\n%s", out)
	}
	if after := tp.fastCounters("tc"); after.RxPackets < before.RxPackets+6 {
		t.Errorf("the fast path forwarded %d packets during 3 pings, want 6", after.RxPackets-before.RxPackets)
	}

	tp.govrf("route add 10.99.0.0/16 via 192.168.2.10 vrf a")
	time.Sleep(200 * time.Millisecond)
	tp.daemon.Process.Signal(syscall.SIGSTOP)
	out, ok = tp.ping("A1", "-c", "1", "-W", "1", "10.99.0.1")
	tp.daemon.Process.Signal(syscall.SIGCONT)
	if !ok {
		t.Errorf("ping A1→10.99.0.1 with govrfd stopped, 200 ms after its route was added: not answered:\n%s", out)
	}
}
