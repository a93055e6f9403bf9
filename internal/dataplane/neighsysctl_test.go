package dataplane

import (
	"testing"
	"time"

	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/sim"
)

// TestNeighSysctls: the net.ipv{4,6}.neigh.default.* sysctls reach every
// port's cache, the ports there already and those attached later, one
// family at a time; a sysctl at Linux's default leaves the parameters the
// plane was configured with.
func TestNeighSysctls(t *testing.T) {
	custom := neigh.DefaultParams(neigh.IPv6)
	custom.RetransTime = 250 * time.Millisecond
	s := newSeed(t, Config{Neigh: neigh.Config{IPv6: custom}})
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	params := func(link string) (v4, v6 neigh.Params) {
		c := s.dp.binding(s.index(link)).neigh
		return c.Params(neigh.IPv4), c.Params(neigh.IPv6)
	}
	if v4, v6 := params("ra2"); v4 != neigh.DefaultParams(neigh.IPv4) || v6 != custom {
		t.Fatalf("before any sysctl: IPv4 %+v, IPv6 %+v; want Linux's defaults and the plane's own", v4, v6)
	}
	s.run("sysctl -w net.ipv4.neigh.default.base_reachable_time_ms=2000",
		"sysctl -w net.ipv4.neigh.default.locktime=50",
		"sysctl -w net.ipv6.neigh.default.ucast_solicit=5")
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	want4 := neigh.DefaultParams(neigh.IPv4)
	want4.BaseReachableTime, want4.Locktime = 2*time.Second, 500*time.Millisecond
	want6 := custom
	want6.UcastSolicit = 5
	for _, link := range []string{"ra1", "ra2", "rb1", "rb2"} {
		if v4, v6 := params(link); v4 != want4 || v6 != want6 {
			t.Errorf("%s after the sysctls: IPv4 %+v, IPv6 %+v; want %+v, %+v", link, v4, v6, want4, want6)
		}
	}
	s.run(vrfPort("ra3", "a", "192.168.3.1/24")...)
	s.host("ra3", hostCfg("a3", "3"))
	if v4, v6 := params("ra3"); v4 != want4 || v6 != want6 {
		t.Errorf("a port attached after the sysctls: IPv4 %+v, IPv6 %+v; want %+v, %+v", v4, v6, want4, want6)
	}
	s.run("sysctl -w net.ipv4.neigh.default.base_reachable_time_ms=30000")
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	if v4, _ := params("ra2"); v4.BaseReachableTime != 30*time.Second {
		t.Errorf("back at the default: base reachable time %v, want 30s", v4.BaseReachableTime)
	}
}
