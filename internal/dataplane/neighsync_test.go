package dataplane

import (
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/sim"
)

// routerSolicits counts the ARP requests and Neighbor Solicitations the
// router sent h.
func routerSolicits(h *sim.Host, router header.MAC) int {
	n := 0
	for _, p := range frames(h, header.EtherTypeARP) {
		if a := header.ARP(p); a.Op() == header.ARPRequest && a.SenderMAC() == router {
			n++
		}
	}
	for _, p := range frames(h, header.EtherTypeIPv6) {
		if ip6 := header.IPv6(p); ip6.NextHeader() == header.ProtoICMPv6 && len(ip6.Payload()) > 0 &&
			ip6.Payload()[0] == header.ICMPv6NeighborSolicit {
			n++
		}
	}
	return n
}

// TestConfiguredNeighbor: a configured PERMANENT neighbour is installed
// into its port's cache and used without resolution, in both families; a
// wrong MAC in it sends the traffic to nobody; it outlives garbage
// collection; and the port going down flushes it from the cache and the
// configuration, as Linux's neigh_ifdown does.
func TestConfiguredNeighbor(t *testing.T) {
	s := newSeed(t, Config{})
	router := s.mac("ra2")
	cache := s.dp.Neighbors(s.index("ra2"))
	set := func(mac header.MAC, st neigh.State, addrs ...string) {
		t.Helper()
		for _, a := range addrs {
			if err := s.ctl.SetNeighbor("ra2", neigh.Static{Addr: ip(a), MAC: mac, State: st}); err != nil {
				t.Fatal(err)
			}
		}
	}
	set(s.a2.MAC(), neigh.StatePermanent, "192.168.2.10", "2001:db8:2::10")
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		if _, err := s.a1.Ping(ip(dst), sim.Opts{}); err != nil {
			t.Fatalf("a1.Ping(%s) with a permanent neighbour: %v", dst, err)
		}
	}
	if n := routerSolicits(s.a2, router); n != 0 {
		t.Errorf("the router solicited %d times on ra2 despite permanent neighbours", n)
	}
	for _, a := range []string{"192.168.2.10", "2001:db8:2::10"} {
		if e, ok := cache.Get(ip(a)); !ok || e.State != neigh.StatePermanent || e.MAC != s.a2.MAC() {
			t.Errorf("ra2's cache holds %+v, %v for %s, want PERMANENT at %v", e, ok, a, s.a2.MAC())
		}
	}

	wrong := header.MAC{2, 0xee, 0, 0, 0, 1}
	set(wrong, neigh.StateNoARP, "192.168.2.10")
	if r, err := s.a1.Ping(ip("192.168.2.10"), sim.Opts{}); err == nil {
		t.Errorf("a1.Ping(192.168.2.10) through a NOARP entry at a wrong MAC = %q, want no answer", r)
	}
	s.net.Run(10 * time.Minute) // gc_stale_time many times over
	for _, a := range []string{"192.168.2.10", "2001:db8:2::10"} {
		if e, ok := cache.Get(ip(a)); !ok || !control.IsConfigured(e.State) {
			t.Errorf("after ten minutes ra2's cache holds %+v, %v for %s, want the configured entry", e, ok, a)
		}
	}

	if err := s.ctl.DelNeighbor("ra2", ip("192.168.2.10")); err != nil {
		t.Fatal(err)
	}
	s.a2.ResetCapture()
	if _, err := s.a1.Ping(ip("192.168.2.10"), sim.Opts{}); err != nil {
		t.Fatalf("a1.Ping(192.168.2.10) after neigh del: %v", err)
	}
	if n := routerSolicits(s.a2, router); n == 0 {
		t.Errorf("after neigh del the router reached 192.168.2.10 without ARP")
	}

	s.run("link set dev ra2 down", "link set dev ra2 up")
	s.net.Settle()
	if got := s.ctl.Snapshot().LinkByName("ra2").Neighbors; len(got) != 0 {
		t.Errorf("after ra2 went down its configured neighbours are %v, want none", got)
	}
	if e, ok := cache.Get(ip("2001:db8:2::10")); ok {
		t.Errorf("after ra2 went down its cache holds %+v, want nothing", e)
	}
	checkBalance(t, s.dp.Stats())
}
