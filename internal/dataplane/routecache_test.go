package dataplane

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/rule"
)

// TestRouteCacheChanges forwards the rig's 64 flows, whose input routes
// are then cached, and changes what decides them: each change must show
// in the next batch.
func TestRouteCacheChanges(t *testing.T) {
	r := newRig(t, false, 16)
	for { // frames the ports announced themselves with
		if n, _ := r.sink.TryRead(r.bufs, r.sizes, 0); n == 0 {
			break
		}
	}
	run := func(lines ...string) {
		t.Helper()
		for _, l := range lines {
			if err := runLine(r.ctl, l); err != nil {
				t.Fatal(err)
			}
		}
	}
	forwarded := func(want int) {
		t.Helper()
		for range 2 { // the second batch runs on cached routes
			if n := r.step(); n != want {
				t.Fatalf("%d frames out of %d forwarded, want %d", n, rigBatch, want)
			}
		}
	}
	forwarded(rigBatch)

	// A route: 16.0.3.0/24 takes 4 of the 64 flows.
	run("route replace blackhole 16.0.3.0/24 table 10")
	forwarded(rigBatch - 4)
	run("route replace 16.0.3.0/24 via 192.168.2.10 table 10")
	forwarded(rigBatch)

	// A rule ahead of the l3mdev rule.
	run("rule add pref 100 iif ra1 prohibit")
	forwarded(0)
	run("rule del pref 100")
	forwarded(rigBatch)

	// A neighbour: the next hop's new MAC is used at once.
	gw, dev := ip("192.168.2.10"), r.ctl.Snapshot().LinkByName("ra2").Index
	moved := header.MAC{0x02, 0, 0, 0, 0, 0x77}
	if err := r.dp.Neighbors(dev).Replace(neigh.Static{Addr: gw, MAC: moved, State: neigh.StatePermanent}); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	r.dp.Poll() // the neighbour's view is published on the tick
	forwarded(rigBatch)
	if got := header.Ethernet(r.bufs[0]).Dst(); got != moved {
		t.Fatalf("frame sent to %v, want the neighbour's new MAC %v", got, moved)
	}

	// A link: the ingress port leaves the VRF, and its flows look up the
	// default VRF's tables, which have no route for them.
	run("link set dev ra1 nomaster")
	forwarded(0)
}

// TestRouteCacheDifferential checks the cached input route against the
// router's own decision for random flows through rules of every kind,
// multipath and error routes, martian and local addresses, in two VRFs
// and the default one, while the configuration changes between rounds.
func TestRouteCacheDifferential(t *testing.T) {
	l := newLab(t, Config{})
	l.run("link add name a type vrf table 10", "link set dev a up",
		"link add name b type vrf table 20", "link set dev b up",
		"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1")
	for i := 1; i <= 3; i++ {
		l.run(vrfPort(fmt.Sprintf("ra%d", i), "a", fmt.Sprintf("192.168.%d.1/24", i), fmt.Sprintf("2001:db8:%d::1/64", i))...)
	}
	l.run(vrfPort("rb1", "b", "192.168.1.1/24", "2001:db8:1::1/64")...)
	l.run("link add name d1 type dummy", "link set dev d1 up", "addr add 172.16.0.1/24 dev d1")
	l.run("route add 10.0.0.0/8 via 192.168.2.10 vrf a",
		"route add 10.1.0.0/16 vrf a nexthop via 192.168.2.10 nexthop via 192.168.3.10",
		"route add blackhole 10.2.0.0/16 vrf a",
		"route add unreachable 10.3.0.0/16 vrf a",
		"route add prohibit 10.4.0.0/16 vrf a",
		"route add 10.0.0.0/8 via 192.168.1.10 vrf b",
		"route add 10.0.0.0/8 via 172.16.0.10",
		"route add 10.5.0.0/16 via 192.168.3.10 dev ra3 table 30",
		"route add 2001:db8:99::/48 via 2001:db8:2::10 vrf a",
		"route add 2001:db8:98::/48 vrf a nexthop via 2001:db8:2::10 nexthop via 2001:db8:3::10",
		"rule add pref 50 ipproto tcp dport 80 table 30",
		"rule add pref 60 from 192.168.1.99 prohibit",
		"rule add pref 70 tos 0x10 table 30",
		"rule add pref 80 iif ra3 unreachable")
	changes := []string{
		"route replace blackhole 10.0.0.0/8 vrf a",
		"rule add pref 40 to 10.1.0.0/16 blackhole",
		"sysctl -w net.ipv4.fib_multipath_hash_policy=1",
		"link set dev ra2 down",
		"rule del pref 60",
		"addr add 10.0.0.1/8 dev ra1",
	}
	srcs := []string{"192.168.1.10", "192.168.1.99", "192.168.2.10", "192.168.1.1", "10.9.9.9", "0.0.0.0",
		"127.0.0.1", "224.0.0.5", "172.16.0.10", "2001:db8:1::10", "2001:db8:2::10", "fe80::1", "::"}
	dsts := []string{"10.0.0.7", "10.1.2.3", "10.1.9.9", "10.2.0.1", "10.3.0.1", "10.4.0.1", "10.5.0.1", "192.168.2.10",
		"192.168.1.1", "255.255.255.255", "224.0.0.1", "8.8.8.8", "10.0.0.1",
		"2001:db8:99::1", "2001:db8:98::5", "2001:db8:98::6", "2001:db8:2::10", "2001:db8:1::1", "2001:db9::1"}
	iifs := []int{l.index("ra1"), l.index("ra2"), l.index("ra3"), l.index("rb1"), l.index("d1")}
	rnd := rand.New(rand.NewPCG(1, 2))
	w := newWorker(l.dp)
	pk := &packet{}
	hits := 0
	for round := range len(changes) + 1 {
		if round > 0 {
			l.run(changes[round-1])
		}
		for range 400 {
			src, dst := ip(srcs[rnd.IntN(len(srcs))]), ip(dsts[rnd.IntN(len(dsts))])
			if src.Is4() != dst.Is4() {
				continue
			}
			f := rule.Flow{Src: src, Dst: dst, Iif: iifs[rnd.IntN(len(iifs))], Tos: []uint8{0, 0x10, 0x20}[rnd.IntN(3)],
				IPProto: []uint8{header.ProtoUDP, header.ProtoTCP}[rnd.IntN(2)],
				Sport:   uint16(1000 + rnd.IntN(4)), Dport: []uint16{80, 53}[rnd.IntN(2)]}
			for try := range 2 {
				// The data path leaves an IPv6 flow label out of the
				// flow: only the multipath hash reads it, in the packet.
				pkt := flowPacket(&f, rnd.Uint32()&0xfffff)
				w.snap = l.ctl.Snapshot()
				want, fw := control.Input{}, f
				var r control.Router
				r.Input(w.snap, &fw, pkt, &want)
				fc := f
				if got := *w.routeInput(pk, &fc, pkt); got != want {
					t.Fatalf("round %d, try %d: cached input route of %+v = %+v, want %+v", round, try, f, got, want)
				}
				if try == 1 && !r.PacketBound() && cached(w, &f) {
					hits++
				}
			}
		}
	}
	if hits == 0 {
		t.Fatal("no flow was answered from the cache")
	}
}

// cached reports whether w's cache holds a decision for f on its
// snapshot.
func cached(w *worker, f *rule.Flow) bool {
	for _, e := range w.routes.sets[flowHash(f)>>(64-routeSetBits)].e {
		if e.gen == w.snap.Gen()+1 && sameFlow(&e.flow, f) {
			return true
		}
	}
	return false
}

// flowPacket returns an IP packet of flow f, with flow label label if
// it is IPv6: what the multipath hash reads.
func flowPacket(f *rule.Flow, label uint32) []byte {
	l4 := make([]byte, 20)
	l4[0], l4[1], l4[2], l4[3] = byte(f.Sport>>8), byte(f.Sport), byte(f.Dport>>8), byte(f.Dport)
	var frame []byte
	if f.Dst.Is4() {
		frame = ipv4Frame(header.MAC{}, header.MAC{}, header.IPv4Fields{Protocol: f.IPProto, TOS: f.Tos, Src: f.Src, Dst: f.Dst}, l4)
	} else {
		frame = ipv6Frame(header.MAC{}, header.MAC{}, header.IPv6Fields{NextHeader: f.IPProto, TrafficClass: f.Tos, FlowLabel: label, Src: f.Src, Dst: f.Dst}, l4)
	}
	return frame[header.EthernetLen:]
}

// TestRouteCacheHash spreads distinct flows over the cache's sets.
func TestRouteCacheHash(t *testing.T) {
	var used [1 << routeSetBits]int
	for i := range 1 << routeSetBits {
		f := rule.Flow{Src: ip("192.168.1.10"), Dst: netip.AddrFrom4([4]byte{16, 0, byte(i >> 8), byte(i) + 1}), Iif: 3, IPProto: header.ProtoUDP, Sport: 40000, Dport: 9}
		used[flowHash(&f)>>(64-routeSetBits)]++
	}
	empty := 0
	for _, n := range used {
		if n == 0 {
			empty++
		}
	}
	// Thrown at random, as many flows as sets leave about 1/e of the
	// sets empty (47 of 128); a poor hash leaves many more.
	if empty > len(used)*6/10 {
		t.Errorf("%d flows left %d of %d sets empty", len(used), empty, len(used))
	}
}

// TestSameFlow changes each field of a flow in turn: sameFlow must tell
// the flows apart, as == does.
func TestSameFlow(t *testing.T) {
	a := rule.Flow{Src: ip("192.168.1.10"), Dst: ip("10.0.0.1"), Iif: 3}
	typ := reflect.TypeFor[rule.Flow]()
	for i := range typ.NumField() {
		b := a
		v := reflect.ValueOf(&b).Elem().Field(i)
		switch v.Kind() {
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int:
			v.SetInt(v.Int() + 1)
		case reflect.Uint8, reflect.Uint16, reflect.Uint32:
			v.SetUint(v.Uint() + 1)
		case reflect.Struct: // netip.Addr
			v.Set(reflect.ValueOf(ip("10.0.0.2")))
		default:
			t.Fatalf("field %s of kind %v: teach TestSameFlow", typ.Field(i).Name, v.Kind())
		}
		if a == b || sameFlow(&a, &b) {
			t.Errorf("sameFlow ignores field %s", typ.Field(i).Name)
		}
	}
	if b := a; !sameFlow(&a, &b) {
		t.Error("sameFlow(f, copy of f) = false")
	}
}
