package dataplane

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port/mem"
)

// rig is a router forwarding between two ports of VRF a, driven directly
// through the far ends of their mem pairs: no simulated hosts, for
// allocation tests and benchmarks. 64 VRFs are configured; VRF a's table
// holds the routes the flows use.
type rig struct {
	dp        *Plane
	ctl       *control.Control
	clock     *neigh.ManualClock
	src, sink *mem.Port  // the far ends of ra1 and ra2
	batches   [][][]byte // batches of frames into ra1, one per flow, sent in turn
	next      int        // the batch step sends
	bufs      [][]byte
	sizes     []int

	in      header.MAC // ra1's MAC
	from    netip.Addr // the flows' source
	v6      bool
	nroutes int
}

const rigBatch = 64

var sinkMAC = header.MAC{0x02, 0, 0, 0, 0, 0xee}

// newRig builds the rig with n routes of the family of v6 in VRF a,
// each via the host behind ra2, and flows to rigBatch of them.
func newRig(tb testing.TB, v6 bool, n int) *rig {
	tb.Helper()
	ctl := control.New()
	release := ctl.Hold()
	must := func(err error) {
		if err != nil {
			tb.Helper()
			tb.Fatal(err)
		}
	}
	up := true
	vrfPort := func(vrf string, table fib.TableID, port string, addrs ...string) {
		if err := ctl.AddLink(control.LinkSpec{Name: vrf, Kind: control.KindVRF, Table: table}); err == nil {
			must(ctl.SetLink(vrf, control.LinkChange{Up: &up}))
		}
		must(ctl.AddLink(control.LinkSpec{Name: port, Kind: control.KindDummy}))
		must(ctl.SetLink(port, control.LinkChange{Master: &vrf, Up: &up}))
		for _, a := range addrs {
			must(ctl.AddAddr(port, control.Addr{Prefix: netip.MustParsePrefix(a)}, false))
		}
	}
	vrfPort("a", 10, "ra1", "192.168.1.1/24", "2001:db8:1::1/64")
	vrfPort("a", 10, "ra2", "192.168.2.1/24", "2001:db8:2::1/64")
	for i := 1; i < 64; i++ {
		vrfPort(fmt.Sprintf("v%d", i), fib.TableID(100+i), fmt.Sprintf("p%d", i), "192.168.1.1/24")
	}
	must(ctl.SetSysctl("net.ipv4.ip_forward", "1"))
	must(ctl.SetSysctl("net.ipv6.conf.all.forwarding", "1"))
	gw, src := ip("192.168.2.10"), ip("192.168.1.10")
	if v6 {
		gw, src = ip("2001:db8:2::10"), ip("2001:db8:1::10")
	}
	release() // publish the links, then load the routes in one batch
	release = ctl.Hold()
	dev := ctl.Snapshot().LinkByName("ra2").Index
	hop := []fib.Nexthop{{Gateway: gw, Dev: dev}}
	for i := range n {
		must(ctl.AddRoute(fib.Route{Table: 10, Prefix: rigPrefix(v6, i), Proto: fib.ProtoStatic, Nexthops: hop}, fib.OpAdd))
	}
	release()
	if got := ctl.Snapshot().Table(10).Len(); got < n {
		tb.Fatalf("table 10 holds %d routes, want at least %d", got, n)
	}

	clock := neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	r := &rig{dp: New(ctl, clock, Config{}), ctl: ctl, clock: clock}
	s := ctl.Snapshot()
	attach := func(name string) *mem.Port {
		l := s.LinkByName(name)
		near, far := mem.Pair(mem.Config{Name: name, MAC: header.MAC(l.MAC)}, mem.Config{Name: "far-" + name, MAC: sinkMAC})
		must(r.dp.Attach(l.Index, near))
		return far
	}
	r.src, r.sink = attach("ra1"), attach("ra2")
	must(r.dp.Neighbors(dev).Add(neigh.Static{Addr: gw, MAC: sinkMAC, State: neigh.StatePermanent}))
	clock.Advance(time.Second)
	r.dp.Poll() // the cache shows the entry to lookups from its next Tick

	r.in, r.from, r.v6, r.nroutes = header.MAC(s.LinkByName("ra1").MAC), src, v6, n
	r.batches = [][][]byte{r.flows(0)}
	r.bufs = make([][]byte, rigBatch)
	for i := range r.bufs {
		r.bufs[i] = make([]byte, 2048)
	}
	r.sizes = make([]int, rigBatch)
	// Warm up: every slot of the mem ports' rings gets its buffer.
	for range 2 * mem.DefaultQueueLen / rigBatch {
		if n := r.step(); n != rigBatch {
			tb.Fatalf("%d frames out of %d forwarded", n, rigBatch)
		}
	}
	return r
}

// rigPrefix returns the i-th route prefix: /24s from 16.0.0.0, or /48s
// from 2400::.
func rigPrefix(v6 bool, i int) netip.Prefix {
	if v6 {
		return netip.PrefixFrom(netip.AddrFrom16([16]byte{0x24, 0, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}), 48)
	}
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(16 + i>>16), byte(i >> 8), byte(i), 0}), 24)
}

// flows returns the batch of flows first to first+rigBatch-1: flow i
// goes to a host of route i*7919 mod the routes, from port 40000+i mod
// 65536.
func (r *rig) flows(first int) [][]byte {
	batch := make([][]byte, rigBatch)
	for j := range batch {
		i := first + j
		dst := rigPrefix(r.v6, i*7919%r.nroutes).Addr().Next()
		batch[j] = datagram(r.in, sinkMAC, r.from, dst, uint16(i))
	}
	return batch
}

// spread makes the rig send n batches of distinct flows in turn instead
// of one batch again and again: more flows than a worker's route cache
// holds, so that nearly every packet takes the full lookup.
func (r *rig) spread(n int) {
	r.batches = r.batches[:0]
	for k := range n {
		r.batches = append(r.batches, r.flows(k*rigBatch))
	}
}

// step sends one batch through the router and returns how many frames
// came out.
func (r *rig) step() int {
	r.src.Write(r.batches[r.next], 0)
	r.next = (r.next + 1) % len(r.batches)
	r.dp.Poll()
	n, _ := r.sink.TryRead(r.bufs, r.sizes, 0)
	return n
}
