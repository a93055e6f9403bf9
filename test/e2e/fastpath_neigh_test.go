package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/fastpath"
)

// TestIntegrationFastPathNeighbours sends pings from A1 to A2 every
// 20 ms for 15 s, longer than any reachable time Linux draws from a 4 s
// base (net.ipv4.neigh.default.base_reachable_time_ms=4000, with a 2 s
// DELAY), through govrfd's tc fast path, and samples the
// router's neighbour A2 every 200 ms. The neighbour must go round as
// Linux's does under traffic nothing confirms (REACHABLE, STALE until
// the next packet, DELAY, PROBE, REACHABLE again), never FAILED or
// INCOMPLETE and never STALE for a second; every ping must come back;
// and the fast path, not the Go data path, must forward nearly all of
// them, DELAY and PROBE included.
func TestIntegrationFastPathNeighbours(t *testing.T) {
	tp := buildTopo(t, false, "-fastpath", "tc")
	tp.govrf("sysctl -w net.ipv4.neigh.default.base_reachable_time_ms=4000")
	tp.govrf("sysctl -w net.ipv4.neigh.default.delay_first_probe_time=2")
	tp.warm()
	tp.waitReachable("ra1", "192.168.1.10")
	tp.waitReachable("ra2", "192.168.2.10")
	before, err := fastpath.CountersOf(tp.daemon.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	const count = 750
	ping := tp.in("A1", "ping", "-q", "-c", strconv.Itoa(count), "-i", "0.02", "-W", "1", "192.168.2.10")
	var out strings.Builder
	ping.Stdout, ping.Stderr = &out, &out
	if err := ping.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ping.Wait() }()
	var seen []string // states sampled, repeats folded
	staleSince := time.Time{}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var perr error
sample:
	for {
		select {
		case perr = <-done:
			break sample
		case <-tick.C:
		}
		st := neighState(tp.govrf("neigh show dev ra2"), "192.168.2.10")
		if len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		switch st {
		case "REACHABLE", "DELAY", "PROBE":
			staleSince = time.Time{}
		case "STALE":
			if staleSince.IsZero() {
				staleSince = time.Now()
			} else if time.Since(staleSince) > time.Second {
				t.Errorf("A2 STALE for over a second under traffic (states %v)", seen)
			}
		default:
			t.Errorf("A2 %s under traffic (states %v)", st, seen)
		}
	}
	after, err := fastpath.CountersOf(tp.daemon.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("A2's states, sampled every 200 ms: %v", seen)
	if perr != nil || !strings.Contains(out.String(), strconv.Itoa(count)+" received") {
		t.Errorf("ping -c %d -i 0.02 A1→A2: want every one answered (%v):\n%s", count, perr, out.String())
	}
	fast := after.RxPackets - before.RxPackets
	t.Logf("the fast path forwarded %d of the %d packets of the pings, the Go data path at most %d", fast, 2*count, 2*count-int(fast))
	if fast < 2*count*98/100 {
		t.Errorf("the fast path forwarded %d of %d packets: want at least 98%%", fast, 2*count)
	}
	if !strings.Contains(strings.Join(seen, " "), "DELAY") {
		t.Errorf("A2 never DELAY in 15 s of traffic: its reachable time never ended? (states %v)", seen)
	}
}

// neighState returns addr's state in `govrf neigh show` output, or
// "none".
func neighState(out, addr string) string {
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(addr) + ` .* ([A-Z]+)$`)
	for _, l := range strings.Split(out, "\n") {
		if m := re.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			return m[1]
		}
	}
	return "none"
}
