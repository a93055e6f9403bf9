package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
)

// usage is what a process holds, as /proc tells it.
type usage struct {
	threads, fds int
	rssKiB       int
}

func (u usage) String() string {
	return fmt.Sprintf("%d threads, %d fds, %d KiB resident", u.threads, u.fds, u.rssKiB)
}

// daemonUsage reads govrfd's threads, open files and resident memory
// from /proc.
func (tp *topo) daemonUsage() usage {
	tp.t.Helper()
	pid := tp.daemon.Process.Pid
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tp.t.Fatal(err)
	}
	var u usage
	for _, l := range strings.Split(string(status), "\n") {
		if f := strings.Fields(l); len(f) >= 2 {
			switch f[0] {
			case "Threads:":
				fmt.Sscan(f[1], &u.threads)
			case "VmRSS:":
				fmt.Sscan(f[1], &u.rssKiB)
			}
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		tp.t.Fatal(err)
	}
	u.fds = len(fds)
	return u
}

// settledUsage waits up to 5 s for govrfd's open files to come down to
// at most fds, and returns its usage then.
func (tp *topo) settledUsage(fds int) usage {
	tp.t.Helper()
	u := tp.daemonUsage()
	for deadline := time.Now().Add(5 * time.Second); u.fds > fds && time.Now().Before(deadline); u = tp.daemonUsage() {
		time.Sleep(50 * time.Millisecond)
	}
	return u
}

// flood starts `ping -f` from host to dst, and returns a function that
// stops it and returns its summary. (With a deadline, -w, ping would end
// at the first ICMP error.)
func (tp *topo) flood(host, dst string) (stop func() string) {
	tp.t.Helper()
	c := tp.in(host, "ping", "-f", "-q", dst)
	var out strings.Builder
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		tp.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	stop = func() string {
		c.Process.Signal(os.Interrupt)
		<-done
		return lastLines(out.String(), 2)
	}
	tp.t.Cleanup(func() { c.Process.Kill(); <-done })
	return stop
}

// recreateVRFa makes VRF a again as the seed configuration has it, its
// ports enslaved and numbered and its unreachable defaults in place.
func (tp *topo) recreateVRFa() {
	tp.t.Helper()
	tp.configure("link add name a type vrf table 10", "link set dev a up")
	for _, p := range []struct{ port, net string }{{"ra1", "1"}, {"ra2", "2"}} {
		tp.configure("link set dev "+p.port+" master a", "link set dev "+p.port+" up",
			"addr replace 192.168."+p.net+".1/24 dev "+p.port, "addr replace 2001:db8:"+p.net+"::1/64 dev "+p.port)
	}
	// The unreachable defaults have no device to go with: they stay in
	// table 10 without the VRF.
	tp.configure("route replace unreachable default metric 4278198272 vrf a",
		"-6 route replace unreachable default metric 4278198272 vrf a")
}

// routes returns the routes of every table, both families.
func (tp *topo) routes() string {
	tp.t.Helper()
	return tp.govrf("route show table all") + tp.govrf("-6 route show table all")
}

// TestIntegrationVRFDeletedUnderFlood floods VRF a from A1 (`ping -f`
// to the router's address and to A2 behind it) while VRF a is deleted
// and made again, ports re-enslaved and addresses re-added, ten times,
// its host stack asked for each time. govrfd stays up, nothing reaches
// company B's B2, replies come back once VRF a is whole again, the
// routes are as before, and govrfd's open files come back to what they
// were, its threads and resident memory near it.
func TestIntegrationVRFDeletedUnderFlood(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	routes := tp.routes()
	before := tp.daemonUsage()
	_, b2 := tp.echoCounts("B2")
	b2v4, _ := tp.echoCounts("B2")

	stopRouter := tp.flood("A1", "192.168.1.1")
	stopHost := tp.flood("A1", "2001:db8:2::10")
	const cycles = 10
	for i := range cycles {
		time.Sleep(100 * time.Millisecond) // the flood meets each state
		if r, err := api.Call(tp.sock, []string{"vrf", "pids", "a"}); err != nil || r.Code != 0 {
			t.Fatalf("cycle %d: govrf vrf pids a = %+v, %v", i, r, err)
		}
		tp.govrf("link del dev a")
		time.Sleep(100 * time.Millisecond)
		tp.recreateVRFa()
	}
	for _, dst := range []string{"192.168.1.1", "192.168.2.10", "2001:db8:2::10"} {
		if !tp.reachesWithin("A1", dst, 3*time.Second) {
			t.Errorf("ping %s from A1 failed for 3 s after VRF a was made again", dst)
		}
	}
	t.Logf("ping -f A1 → 192.168.1.1: %s", stopRouter())
	t.Logf("ping -f A1 → 2001:db8:2::10: %s", stopHost())
	select {
	case <-tp.exited:
		t.Fatal("govrfd exited under the flood")
	default:
	}
	if v4, v6 := tp.echoCounts("B2"); v4 != b2v4 || v6 != b2 {
		t.Errorf("B2 received %d IPv4 and %d IPv6 echo requests while only company A pinged", v4-b2v4, v6-b2)
	}
	if got := tp.routes(); got != routes {
		t.Errorf("the routes after VRF a was made again:\n%s\nwant as before:\n%s", got, routes)
	}
	after := tp.settledUsage(before.fds)
	t.Logf("govrfd before: %v; after %d cycles: %v", before, cycles, after)
	if after.fds > before.fds {
		t.Errorf("govrfd holds %d files after %d cycles of VRF a, %d before", after.fds, cycles, before.fds)
	}
	if after.threads > before.threads+8 {
		t.Errorf("govrfd runs %d threads after %d cycles of VRF a, %d before", after.threads, cycles, before.threads)
	}
	// The collector keeps some of the churn's garbage for a while (13
	// MiB after ten cycles, 21 MiB after eighty); a port's buffers (4
	// MiB) leaked per cycle would be 40 MiB. The race detector
	// multiplies memory beyond such a bound.
	if !raceEnabled && after.rssKiB > before.rssKiB+24<<10 {
		t.Errorf("govrfd's resident memory grew from %d KiB to %d KiB over %d cycles of VRF a", before.rssKiB, after.rssKiB, cycles)
	}
}

// lastLines returns the last n lines of s, joined by "; ".
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "; ")
}
