package daemon

import (
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/port/mem"
)

// changeDaemon returns a daemon with no configuration file and fake
// ports, with a tap d0 (10.0.0.1/24, up) and n routes
// A.B.C.0/24 via 10.0.0.2 in main, loaded through the control plane in
// one batch.
func changeDaemon(b *testing.B, n int) *Daemon {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	f := &fakePorts{opened: map[string]*mem.Port{}}
	d, err := newDaemon(Config{Socket: filepath.Join(b.TempDir(), "s.sock")}, f.open)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.ln.Close(); releaseLocks(d.locks) })
	for _, cmd := range []string{"link add d0 type tap", "addr add 10.0.0.1/24 dev d0", "link set dev d0 up"} {
		if resp := d.handle(api.Request{Argv: strings.Fields(cmd)}); resp.Code != 0 {
			b.Fatalf("%s: %+v", cmd, resp)
		}
	}
	gw := []fib.Nexthop{{Gateway: netip.MustParseAddr("10.0.0.2"), Dev: d.ctl.Snapshot().LinkByName("d0").Index}}
	release := d.ctl.Hold()
	defer release()
	for i := range n {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(11 + i>>16), byte(i >> 8), byte(i), 0}), 24)
		if err := d.ctl.AddRoute(fib.Route{Table: fib.TableMain, Prefix: p, Proto: fib.ProtoBoot, Nexthops: gw}, fib.OpAdd); err != nil {
			b.Fatal(err)
		}
	}
	return d
}

// BenchmarkChange measures one `route add` and one `route del` request
// in the daemon, command line parsing to host stacks (off here), with
// no configuration file to save, with 1,000 and 1,000,000 routes in the
// table. With a feed, a subscriber diffs each publication as a monitor
// client's feed does, within the timed request.
func BenchmarkChange(b *testing.B) {
	for _, n := range []int{1000, 1_000_000} {
		for _, feed := range []bool{false, true} {
			b.Run(fmt.Sprintf("routes=%d/feed=%v", n, feed), func(b *testing.B) {
				d := changeDaemon(b, n)
				if feed {
					b.Cleanup(d.ctl.Subscribe(func(old, new *control.Snapshot) { control.Diff(old, new) }))
				}
				add := strings.Fields("route add 192.0.2.0/24 via 10.0.0.2 dev d0")
				del := strings.Fields("route del 192.0.2.0/24 via 10.0.0.2 dev d0")
				for b.Loop() {
					for _, argv := range [][]string{add, del} {
						if resp := d.handle(api.Request{Argv: argv}); resp.Code != 0 {
							b.Fatalf("%v: %+v", argv, resp)
						}
					}
				}
			})
		}
	}
}
