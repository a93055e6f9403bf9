package e2e

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
)

// kill sends govrfd SIGKILL, as a crash would end it, and waits for it
// to die.
func (tp *topo) kill() {
	d, exited := tp.daemon, tp.exited
	tp.daemon = nil
	d.Process.Kill()
	<-exited
}

// TestIntegrationKillDuringChanges kills govrfd with SIGKILL in the middle
// of a burst of route changes, then starts a new govrfd on the same
// configuration file and journal: it has every change govrfd
// acknowledged and at most the one it was making, and the file it
// compacted at start is its running configuration.
func TestIntegrationKillDuringChanges(t *testing.T) {
	tp := newTopo(t)
	const total, killAt = 200, 60
	route := func(i int) string { return fmt.Sprintf("10.%d.%d.0/24", 10+i/100, i%100) }
	var acked atomic.Int32
	done := make(chan error, 1)
	go func() {
		for i := 0; i < total; i++ {
			r, err := api.Call(tp.sock, strings.Fields("route add "+route(i)+" via 192.168.2.10 vrf a"))
			if err != nil {
				done <- err
				return
			}
			if r.Code != 0 {
				done <- fmt.Errorf("route add %s: exit %d: %s", route(i), r.Code, r.Stderr)
				return
			}
			acked.Add(1)
		}
		done <- nil
	}()
	for acked.Load() < killAt {
		select {
		case err := <-done:
			t.Fatalf("the changes ended before the kill after %d acknowledged: %v", acked.Load(), err)
		case <-time.After(time.Millisecond):
		}
	}
	tp.kill()
	if err := <-done; err == nil {
		t.Fatalf("all %d changes were acknowledged: the kill came too late", total)
	}
	n := int(acked.Load())

	tp.start()
	file, err := os.ReadFile(tp.conf)
	if err != nil {
		t.Fatalf("reading the configuration file after the restart: %v", err)
	}
	if got := tp.govrf("show running-config"); got != string(file) {
		t.Errorf("show running-config after the restart differs from the file it compacted:\nfile:\n%s\nrunning-config:\n%s", file, got)
	}
	routes := map[string]bool{}
	for _, l := range strings.Split(string(file), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[0] == "route" {
			routes[f[2]] = true
		}
	}
	in := 0
	for i := 0; i < total; i++ {
		if routes[route(i)] {
			in++
		} else if i < n {
			t.Errorf("the configuration after the kill lacks acknowledged route %s", route(i))
		}
	}
	if in != n && in != n+1 {
		t.Errorf("the configuration after the kill holds %d of the routes, want %d acknowledged or one more", in, n)
	}
	t.Logf("killed after %d acknowledged changes; the restart has %d", n, in)
}
