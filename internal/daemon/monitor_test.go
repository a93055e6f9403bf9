package daemon

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// monitor runs `govrf ARGV` against the daemon in the background and
// returns its events as they come, and a function that waits for the
// stream's last response. It returns once the daemon watches for it.
func monitor(t *testing.T, d *Daemon, argv ...string) (<-chan string, func() (api.Response, error)) {
	t.Helper()
	events := make(chan string, 100)
	done := make(chan struct{})
	var last api.Response
	var err error
	before := d.watchers()
	go func() {
		defer close(done)
		last, err = api.CallStream(context.Background(), d.cfg.Socket, argv, func(r api.Response) { events <- r.Stdout })
	}()
	for deadline := time.Now().Add(10 * time.Second); d.watchers() == before; {
		if time.Now().After(deadline) {
			t.Fatalf("govrf %s: not watching after 10s", strings.Join(argv, " "))
		}
		time.Sleep(time.Millisecond)
	}
	return events, func() (api.Response, error) { <-done; return last, err }
}

// watchers returns how many monitor clients the daemon has.
func (d *Daemon) watchers() int {
	d.feed.mu.Lock()
	defer d.feed.mu.Unlock()
	return len(d.feed.watchers)
}

// expect reads events until they add up to want.
func expect(t *testing.T, events <-chan string, after, want string) {
	t.Helper()
	var got strings.Builder
	for got.Len() < len(want) {
		select {
		case e := <-events:
			got.WriteString(e)
		case <-time.After(10 * time.Second):
			t.Fatalf("after govrf %s, monitor printed:\n%s\nwant:\n%s", after, got.String(), want)
		}
	}
	if got.String() != want {
		t.Fatalf("after govrf %s, monitor printed:\n%s\nwant:\n%s", after, got.String(), want)
	}
}

func TestMonitor(t *testing.T) {
	cfg := paths(t)
	d, stop := start(t, cfg, nil)
	events, wait := monitor(t, d, "monitor")
	routes, waitRoutes := monitor(t, d, "-4", "monitor", "route")
	if resp, err := api.CallStream(context.Background(), cfg.Socket, []string{"monitor", "bogus"}, func(api.Response) {}); err != nil || resp.Code != 255 {
		t.Errorf("govrf monitor bogus = %+v, %v; want exit 255", resp, err)
	}

	call(t, cfg.Socket, "link add blue type vrf table 10", 0)
	mac := d.ctl.Snapshot().LinkByName("blue").MAC.String()
	linkLine := func(flags, qdisc, state string) string {
		return "2: blue: <" + flags + "> mtu 65575 qdisc " + qdisc + " state " + state + " group default \n" +
			"    link/ether " + mac + " brd ff:ff:ff:ff:ff:ff\n"
	}
	addr := "2: blue    inet 10.0.0.1/32 scope global blue\n       valid_lft forever preferred_lft forever\n"
	local := "local 10.0.0.1 dev blue table 10 proto kernel scope host src 10.0.0.1 \n"
	unreachable := "unreachable default table 10 metric 4278198272 \n"
	multicast := "multicast ff00::/8 dev blue table 10 proto kernel metric 256 pref medium\n"
	rule := "100:\tfrom 192.0.2.0/24 lookup 10\n"
	expect(t, events, "link add", linkLine("NOARP,MASTER", "noop", "DOWN")+
		"1000:\tfrom all lookup [l3mdev-table]\n"+
		"1000:\tfrom all lookup [l3mdev-table]\n")
	for _, step := range []struct{ cmd, want, routes string }{
		{"link set dev blue up", linkLine("NOARP,MASTER,UP,LOWER_UP", "noqueue", "UP") + multicast, ""},
		{"addr add 10.0.0.1/32 dev blue", addr + local, local},
		{"route add unreachable default metric 4278198272 vrf blue", unreachable, unreachable},
		{"rule add from 192.0.2.0/24 table 10 pref 100", rule, ""},
		{"rule del pref 100", "Deleted " + rule, ""},
		{"route del unreachable default metric 4278198272 vrf blue", "Deleted " + unreachable, "Deleted " + unreachable},
		{"addr del 10.0.0.1/32 dev blue", "Deleted " + addr + "Deleted " + local, "Deleted " + local},
		{"link del blue", "Deleted " + multicast + "Deleted " + linkLine("NOARP,MASTER", "noop", "DOWN"), ""},
	} {
		call(t, cfg.Socket, step.cmd, 0)
		expect(t, events, step.cmd, step.want)
		expect(t, routes, step.cmd, step.routes)
	}
	stop()
	for _, w := range []func() (api.Response, error){wait, waitRoutes} {
		if last, err := w(); err != nil || last.Code != 0 || !strings.Contains(last.Stderr, "daemon is stopping") {
			t.Errorf("monitor's last response when the daemon stops = %+v, %v; want code 0 and a notice", last, err)
		}
	}
	select {
	case e := <-events:
		t.Errorf("monitor printed %q after the last command", e)
	default:
	}
}

// TestMonitorHangUp checks that a client going away ends its watch, and
// the subscription with the last one.
func TestMonitorHangUp(t *testing.T) {
	cfg := paths(t)
	d, _ := start(t, cfg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := api.CallStream(ctx, cfg.Socket, []string{"monitor"}, func(api.Response) {})
		done <- err
	}()
	for d.watchers() == 0 {
		time.Sleep(time.Millisecond)
	}
	call(t, cfg.Socket, "link add d0 type dummy", 0)
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("CallStream after cancel = %v, want %v", err, context.Canceled)
	}
	for deadline := time.Now().Add(10 * time.Second); d.watchers() > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("daemon still has %d watchers 10s after the client hung up", d.watchers())
		}
	}
	d.feed.mu.Lock()
	subscribed := d.feed.cancel != nil
	d.feed.mu.Unlock()
	if subscribed {
		t.Errorf("feed still subscribed with no watcher")
	}
	call(t, cfg.Socket, "link del d0", 0)
}

// TestFeedBoundsWrites: publications waiting to be diffed are bounded by
// their table writes, so that a bulk load does not pile up snapshots; a
// publication finding the queue empty is taken whatever its size.
func TestFeedBoundsWrites(t *testing.T) {
	ctl := control.New()
	f := newFeed(ctl)
	f.maxWrites = 3
	publish := func(routes int) {
		old := ctl.Snapshot()
		release := ctl.Hold()
		for i := range routes {
			r := fib.Route{Table: fib.TableMain, Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), 32),
				Type: fib.TypeBlackhole}
			if err := ctl.AddRoute(r, fib.OpReplace); err != nil {
				t.Fatal(err)
			}
		}
		release()
		f.push(old, ctl.Snapshot())
	}
	publish(5) // queued: nothing waits
	publish(1) // dropped: 5 writes wait
	if len(f.pairs) != 1 || f.lost.Load() != 1 {
		t.Fatalf("after 5 then 1 writes with a bound of 3: %d queued, %d lost; want 1, 1", len(f.pairs), f.lost.Load())
	}
	p := <-f.pairs
	f.taken(p[1])
	publish(2)
	publish(1)
	if len(f.pairs) != 2 || f.lost.Load() != 1 {
		t.Errorf("after 2 then 1 writes with a bound of 3: %d queued, %d lost; want 2, 1", len(f.pairs), f.lost.Load())
	}
}
