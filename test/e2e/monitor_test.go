package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
)

// TestIntegrationMonitorNeigh runs `govrf monitor neigh` against govrfd
// while A1 first pings A2: the monitor shows R resolving A2 on ra2, as
// `ip monitor neigh` shows the kernel's neighbours, and no IPv4
// neighbour of company B's ports.
func TestIntegrationMonitorNeigh(t *testing.T) {
	tp := newTopo(t)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var lines []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		api.CallStream(ctx, tp.sock, []string{"monitor", "neigh"}, func(r api.Response) {
			mu.Lock()
			lines = append(lines, r.Stdout)
			mu.Unlock()
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	time.Sleep(200 * time.Millisecond) // the stream is open before the traffic

	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "2", "192.168.2.10"); !ok {
		t.Fatalf("ping A1 → A2:\n%s", out)
	}
	want := "192.168.2.10 dev ra2 lladdr " + tp.hostMAC("A2") + " REACHABLE"
	var got string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		got = strings.Join(lines, "")
		mu.Unlock()
		if strings.Contains(got, want) {
			break
		}
	}
	if !strings.Contains(got, "192.168.2.10 dev ra2 INCOMPLETE") || !strings.Contains(got, want) {
		t.Errorf("govrf monitor neigh printed:\n%s\nwant R resolving A2: INCOMPLETE, then %q", got, want)
	}
	// B's hosts may solicit routers on their own (IPv6); no IPv4
	// neighbour of theirs moves while only A pings.
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "192.168.") && strings.Contains(l, " dev rb") {
			t.Errorf("govrf monitor neigh shows company B's IPv4 neighbours while only A pinged: %q", l)
		}
	}
}
