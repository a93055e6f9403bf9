package daemon

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/netnstest"
)

// TestIntegrationFastPathRouteChange runs the fast path's compiler on a
// VRF with a port attached (tc, on a veth) and checks that route
// changes with the fast path on reach the maps key by key, without
// emptying them, each within a bounded time; and that a change of more
// than routes (an address) still empties them until compiled again.
func TestIntegrationFastPathRouteChange(t *testing.T) {
	netnstest.Enter(t)
	netnstest.IP(t, "link", "add", "fpi0", "type", "veth", "peer", "name", "fpi1")
	ctl := control.New()
	run := func(l string) {
		t.Helper()
		var out bytes.Buffer
		if code := cli.Run(ctl, strings.Fields(l), &out, &out); code != 0 {
			t.Fatalf("%s: %s", l, out.String())
		}
	}
	for _, l := range []string{"link add red type vrf table 10", "link set red up", "link add r1 type dummy",
		"link set r1 master red", "link set r1 up", "addr add 192.168.2.1/24 dev r1", "sysctl -w net.ipv4.ip_forward=1",
		"route add 172.16.0.0/16 via 192.168.2.10 vrf red"} {
		run(l)
	}
	f, err := newFastPath(fastpath.TC, ctl)
	if err != nil {
		t.Skipf("the kernel refused the fast path: %v", err)
	}
	defer f.close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.run(ctx)
	ni, err := net.InterfaceByName("fpi0")
	if err != nil {
		t.Fatal(err)
	}
	r1 := ctl.Snapshot().LinkByName("r1")
	if err := f.attach(r1.Index, "fpi0", ni.Index, header.MAC(r1.MAC), 1500, neigh.New(neigh.DefaultConfig(), neigh.SystemClock{})); err != nil {
		t.Fatal(err)
	}
	// current waits until the maps hold the current snapshot, and
	// returns how long that took.
	current := func(what string) time.Duration {
		t.Helper()
		start := time.Now()
		want := ctl.Snapshot()
		for time.Since(start) < 5*time.Second {
			f.mu.Lock()
			ok := f.applied == want
			f.mu.Unlock()
			if ok {
				return time.Since(start)
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatalf("%s: the maps do not hold the current snapshot 5 s later", what)
		return 0
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
	if f.suspensions.Load() == suspended {
		t.Errorf("an address change did not empty the maps")
	}
}
