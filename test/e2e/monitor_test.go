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
	mon := tp.monitor("neigh")
	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "2", "192.168.2.10"); !ok {
		t.Fatalf("ping A1 → A2:\n%s", out)
	}
	want := "192.168.2.10 dev ra2 lladdr " + tp.hostMAC("A2") + " REACHABLE"
	got := mon.until(want, 3*time.Second)
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

// monitorLog is what a `govrf monitor` stream against the topology's
// daemon has printed so far.
type monitorLog struct {
	mu    sync.Mutex
	lines []string
}

// monitor opens `govrf monitor OBJECTS...` against the daemon, closed
// when the test ends, and returns once the stream is listening.
func (tp *topo) monitor(objects ...string) *monitorLog {
	m := &monitorLog{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		api.CallStream(ctx, tp.sock, append([]string{"monitor"}, objects...), func(r api.Response) {
			m.mu.Lock()
			m.lines = append(m.lines, r.Stdout)
			m.mu.Unlock()
		})
	}()
	tp.t.Cleanup(func() { cancel(); <-done })
	time.Sleep(200 * time.Millisecond) // the stream is open before what it must hear
	return m
}

// until waits up to limit for the printed text to contain want, and
// returns the text.
func (m *monitorLog) until(want string, limit time.Duration) string {
	var got string
	for deadline := time.Now().Add(limit); ; time.Sleep(50 * time.Millisecond) {
		m.mu.Lock()
		got = strings.Join(m.lines, "")
		m.mu.Unlock()
		if strings.Contains(got, want) || time.Now().After(deadline) {
			return got
		}
	}
}
