package control

import (
	"fmt"
	"slices"
	"testing"

	"github.com/govrf/govrf/internal/fib"
)

// stackLab is the seed router: VRF a with ports ra1 (192.168.1.1/24,
// 2001:db8:1::1/64) and ra2 (192.168.2.1/24), VRF c with rc1
// (10.3.0.1/24), and eth0 (198.51.100.1/24) in the default VRF.
func stackLab(t *testing.T) *Control {
	c := New()
	vrf(t, c, "a", 10)
	vrf(t, c, "c", 30)
	for _, p := range []struct{ name, vrf string }{{"ra1", "a"}, {"ra2", "a"}, {"rc1", "c"}, {"eth0", ""}} {
		port(t, c, p.name)
		if p.vrf != "" {
			// Before the addresses: enslaving cycles the link, which
			// flushes IPv6 addresses as in Linux.
			enslave(t, c, p.name, p.vrf)
		}
	}
	for _, a := range []struct{ dev, prefix string }{{"ra1", "192.168.1.1/24"}, {"ra1", "2001:db8:1::1/64"},
		{"ra2", "192.168.2.1/24"}, {"rc1", "10.3.0.1/24"}, {"eth0", "198.51.100.1/24"}} {
		must(t, c.AddAddr(a.dev, Addr{Prefix: pfx(a.prefix)}, false))
	}
	return c
}

// stackRoutes renders StackRoutes as "prefix type src metric" lines.
func stackRoutes(t *testing.T, c *Control, vrf string, limit int) ([]string, bool) {
	t.Helper()
	s := c.Snapshot()
	idx := 0
	if vrf != "" {
		idx = s.LinkByName(vrf).Index
	}
	rs, complete := s.StackRoutes(idx, limit)
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%v %v %v %d", r.Prefix, r.Type, r.Src, r.Metric))
	}
	return out, complete
}

// TestStackAddrs: a host stack carries its domain's addresses, the VRF
// device's included, never another domain's, lo's or link-local ones.
func TestStackAddrs(t *testing.T) {
	c := stackLab(t)
	must(t, c.AddAddr("a", Addr{Prefix: pfx("10.255.0.1/32")}, false))
	s := c.Snapshot()
	for _, tc := range []struct {
		vrf  int
		want []string
	}{
		{s.LinkByName("a").Index, []string{"10.255.0.1/32", "192.168.1.1/24", "2001:db8:1::1/64", "192.168.2.1/24"}},
		{s.LinkByName("c").Index, []string{"10.3.0.1/24"}},
		{0, []string{"198.51.100.1/24"}},
	} {
		var got []string
		for _, p := range s.StackAddrs(tc.vrf) {
			got = append(got, p.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("StackAddrs(%d) = %q, want %q", tc.vrf, got, tc.want)
		}
	}
}

// TestStackRoutes: the mirror holds the VRF table's routes a socket can
// end on, with the source Linux selects — the nexthop link's address
// for the gateway's subnet, the prefsrc when given, the VRF's own
// address through a leak — error routes as they are, and the catch-all.
func TestStackRoutes(t *testing.T) {
	c := stackLab(t)
	for _, r := range []fib.Route{
		{Table: 10, Prefix: pfx("172.16.0.0/12"), Nexthops: []fib.Nexthop{{Gateway: addr("192.168.2.10")}}},
		{Table: 10, Prefix: pfx("172.31.0.0/16"), Src: addr("192.168.1.1"), Nexthops: []fib.Nexthop{{Gateway: addr("192.168.2.10")}}},
		{Table: 10, Prefix: pfx("10.3.0.0/24"), Nexthops: []fib.Nexthop{{Dev: c.Snapshot().LinkByName("c").Index}}},
		{Table: 10, Prefix: pfx("0.0.0.0/0"), Type: fib.TypeUnreachable, Metric: 4278198272},
		{Table: 10, Prefix: pfx("2001:db8:99::/48"), Type: fib.TypeProhibit},
	} {
		if r.Type == 0 {
			r.Type = fib.TypeUnicast
		}
		r.Proto = fib.ProtoStatic
		must(t, c.AddRoute(r, fib.OpAdd))
	}
	got, complete := stackRoutes(t, c, "a", 100)
	want := []string{
		"0.0.0.0/0 unreachable invalid IP 4278198272",
		"10.3.0.0/24 unicast 192.168.1.1 0",
		"172.16.0.0/12 unicast 192.168.2.1 0",
		"172.31.0.0/16 unicast 192.168.1.1 0",
		"192.168.1.0/24 unicast 192.168.1.1 0",
		"192.168.2.0/24 unicast 192.168.2.1 0",
		"2001:db8:1::/64 unicast 2001:db8:1::1 256",
		"2001:db8:99::/48 prohibit invalid IP 1024",
		"0.0.0.0/0 unicast invalid IP 4294967295",
		"::/0 unicast invalid IP 4294967295",
	}
	if !complete || !slices.Equal(got, want) {
		t.Errorf("StackRoutes(a) = %q, %v\nwant %q, true", got, complete, want)
	}

	// Over the limit: connected and default routes only, incomplete.
	got, complete = stackRoutes(t, c, "a", 3)
	want = []string{
		"0.0.0.0/0 unreachable invalid IP 4278198272",
		"192.168.1.0/24 unicast 192.168.1.1 0",
		"192.168.2.0/24 unicast 192.168.2.1 0",
		"2001:db8:1::/64 unicast 2001:db8:1::1 256",
		"0.0.0.0/0 unicast invalid IP 4294967295",
		"::/0 unicast invalid IP 4294967295",
	}
	if complete || !slices.Equal(got, want) {
		t.Errorf("StackRoutes(a, limit 3) = %q, %v\nwant %q, false", got, complete, want)
	}

	// The default VRF mirrors main.
	got, _ = stackRoutes(t, c, "", 100)
	want = []string{"198.51.100.0/24 unicast 198.51.100.1 0", "0.0.0.0/0 unicast invalid IP 4294967295", "::/0 unicast invalid IP 4294967295"}
	if !slices.Equal(got, want) {
		t.Errorf("StackRoutes(default) = %q\nwant %q", got, want)
	}
	s := c.Snapshot()
	if d := s.StackDomains(); !slices.Equal(d, []int{0, s.LinkByName("a").Index, s.LinkByName("c").Index}) {
		t.Errorf("StackDomains() = %v", d)
	}
}

// TestAcceptAddrs: with l3mdev accept, the default stack carries every
// VRF's addresses as host addresses, once each, but not those the
// default VRF has itself or routes elsewhere; without it, none.
func TestAcceptAddrs(t *testing.T) {
	c := stackLab(t)
	render := func() []string {
		var out []string
		for _, p := range c.Snapshot().AcceptAddrs() {
			out = append(out, p.String())
		}
		return out
	}
	if got := render(); got != nil {
		t.Errorf("AcceptAddrs() with both sysctls 0 = %q, want none", got)
	}
	must(t, c.SetSysctl("net.ipv4.udp_l3mdev_accept", "1"))
	want := []string{"192.168.1.1/32", "2001:db8:1::1/128", "192.168.2.1/32", "10.3.0.1/32"}
	if got := render(); !slices.Equal(got, want) {
		t.Errorf("AcceptAddrs() = %q, want %q", got, want)
	}

	eth0 := c.Snapshot().LinkByName("eth0").Index
	must(t, c.AddAddr("rc1", Addr{Prefix: pfx("192.168.1.1/24")}, false)) // also VRF a's
	must(t, c.AddAddr("eth0", Addr{Prefix: pfx("192.168.2.1/32")}, false))
	for _, p := range []string{"0.0.0.0/0", "10.3.0.0/16"} {
		must(t, c.AddRoute(fib.Route{Table: fib.TableMain, Prefix: pfx(p), Type: fib.TypeUnicast, Proto: fib.ProtoStatic,
			Nexthops: []fib.Nexthop{{Gateway: addr("198.51.100.2"), Dev: eth0}}}, fib.OpAdd))
	}
	want = []string{"192.168.1.1/32", "2001:db8:1::1/128"}
	if got := render(); !slices.Equal(got, want) {
		t.Errorf("AcceptAddrs() = %q, want %q", got, want)
	}
	s := c.Snapshot()
	for _, tc := range []struct {
		a    string
		want bool
	}{{"192.168.1.1", true}, {"10.3.0.1", false}, {"2001:db8:1::1", true}, {"198.51.100.1", false}} {
		if got := s.AcceptTarget(addr(tc.a)); got != tc.want {
			t.Errorf("AcceptTarget(%s) = %v, want %v", tc.a, got, tc.want)
		}
	}
}

// BenchmarkStackRoutes is what govrfd spends on a host stack's mirror
// after a change: a 4,000-route VRF table mirrored whole, and a
// 1,000,000-route one in part, which must not walk the table.
func BenchmarkStackRoutes(b *testing.B) {
	for _, n := range []int{4000, 1_000_000} {
		c, _ := vrfRouter(b, n)
		s := c.Snapshot()
		vrf := s.LinkByName("vrf0").Index
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if rs, _ := s.StackRoutes(vrf, 4096); len(rs) < 3 {
					b.Fatalf("StackRoutes = %d routes", len(rs))
				}
			}
		})
	}
}

// leakLab is the router of Linux's vrf_route_leaking.sh: VRFs blue
// (table 1101) and red (1102), 127.0.0.1/8 and ::1 on both VRF devices,
// port eth0 in blue on 172.16.1.0/24 and 2001:db8:16:1::/64, eth1 in red
// on 172.16.2.0/24 and 2001:db8:16:2::/64, each .253, and each VRF's
// subnets leaked into the other through the VRF device.
func leakLab(t *testing.T) *Control {
	c := New()
	vrf(t, c, "blue", 1101)
	vrf(t, c, "red", 1102)
	for _, v := range []string{"blue", "red"} {
		must(t, c.AddAddr(v, Addr{Prefix: pfx("127.0.0.1/8"), Scope: fib.ScopeHost}, false))
		must(t, c.AddAddr(v, Addr{Prefix: pfx("::1/128"), Scope: fib.ScopeHost, NoDAD: true}, false))
	}
	for _, p := range []struct{ name, vrf, net string }{{"eth0", "blue", "1"}, {"eth1", "red", "2"}} {
		port(t, c, p.name)
		enslave(t, c, p.name, p.vrf)
		must(t, c.AddAddr(p.name, Addr{Prefix: pfx("172.16." + p.net + ".253/24")}, false))
		must(t, c.AddAddr(p.name, Addr{Prefix: pfx("2001:db8:16:" + p.net + "::253/64"), NoDAD: true}, false))
	}
	s := c.Snapshot()
	blue, red := s.LinkByName("blue").Index, s.LinkByName("red").Index
	for _, r := range []struct {
		table  fib.TableID
		prefix string
		dev    int
	}{
		{1101, "172.16.2.0/24", red}, {1101, "2001:db8:16:2::/64", red},
		{1102, "172.16.1.0/24", blue}, {1102, "2001:db8:16:1::/64", blue},
	} {
		must(t, c.AddRoute(fib.Route{Table: r.table, Prefix: pfx(r.prefix), Type: fib.TypeUnicast, Proto: fib.ProtoStatic,
			Nexthops: []fib.Nexthop{{Dev: r.dev}}}, fib.OpAdd))
	}
	return c
}

// TestStackRoutesLeak: a socket of VRF blue sends through a leak from
// blue's own address, as Linux since 6.11 selects it (fib_select_path,
// ip6_route_get_saddr): never the other VRF's, whose address blue's
// stack does not have, nor 127.0.0.1 or ::1 on the VRF device — whether
// the leak goes through red's VRF device, a port of red, or nexthop
// objects, and even when the route names red's address as prefsrc.
// The routes to ::1 and 127.0.0.0/8 that the VRF devices' addresses
// make are left to the stack's own lo.
func TestStackRoutesLeak(t *testing.T) {
	c := leakLab(t)
	s := c.Snapshot()
	red, eth1 := s.LinkByName("red").Index, s.LinkByName("eth1").Index
	nhDev, err := c.AddNexthop(Nexthop{Dev: red, Family: fib.IPv4}, false)
	must(t, err)
	nhGw6, err := c.AddNexthop(Nexthop{Gateway: addr("2001:db8:16:2::2"), Dev: eth1, Family: fib.IPv6}, false)
	must(t, err)
	nhGroup, err := c.AddNexthop(Nexthop{Group: []GroupMember{{ID: nhGw6, Weight: 1}}}, false)
	must(t, err)
	for _, r := range []fib.Route{
		{Table: 1101, Prefix: pfx("10.20.0.0/16"), Nexthops: []fib.Nexthop{{Gateway: addr("172.16.2.2"), Dev: eth1}}},
		{Table: 1101, Prefix: pfx("10.30.0.0/16"), NHID: nhDev},
		{Table: 1101, Prefix: pfx("2001:db8:20::/48"), Src: addr("2001:db8:16:2::253"), Nexthops: []fib.Nexthop{{Gateway: addr("2001:db8:16:2::2"), Dev: eth1}}},
		{Table: 1101, Prefix: pfx("2001:db8:30::/48"), NHID: nhGroup},
	} {
		r.Type, r.Proto = fib.TypeUnicast, fib.ProtoStatic
		if r.Prefix.Addr().Is6() {
			r.Metric = 1024
		}
		must(t, c.AddRoute(r, fib.OpAdd))
	}
	got, complete := stackRoutes(t, c, "blue", 100)
	want := []string{
		"10.20.0.0/16 unicast 172.16.1.253 0",
		"10.30.0.0/16 unicast 172.16.1.253 0",
		"172.16.1.0/24 unicast 172.16.1.253 0",
		"172.16.2.0/24 unicast 172.16.1.253 0",
		"2001:db8:16:1::/64 unicast 2001:db8:16:1::253 256",
		"2001:db8:16:2::/64 unicast 2001:db8:16:1::253 1024",
		"2001:db8:20::/48 unicast 2001:db8:16:1::253 1024",
		"2001:db8:30::/48 unicast 2001:db8:16:1::253 1024",
		"0.0.0.0/0 unicast invalid IP 4294967295",
		"::/0 unicast invalid IP 4294967295",
	}
	if !complete || !slices.Equal(got, want) {
		t.Errorf("StackRoutes(blue) =\n%q\nwant\n%q", got, want)
	}
	got, _ = stackRoutes(t, c, "red", 100)
	want = []string{
		"172.16.1.0/24 unicast 172.16.2.253 0",
		"172.16.2.0/24 unicast 172.16.2.253 0",
		"2001:db8:16:1::/64 unicast 2001:db8:16:2::253 1024",
		"2001:db8:16:2::/64 unicast 2001:db8:16:2::253 256",
		"0.0.0.0/0 unicast invalid IP 4294967295",
		"::/0 unicast invalid IP 4294967295",
	}
	if !slices.Equal(got, want) {
		t.Errorf("StackRoutes(red) =\n%q\nwant\n%q", got, want)
	}
	for _, v := range []string{"blue", "red"} {
		idx := c.Snapshot().LinkByName(v).Index
		rs, _ := c.Snapshot().StackRoutes(idx, 100)
		if extra := c.Snapshot().StackSrcAddrs(idx, rs); len(extra) != 0 {
			t.Errorf("StackSrcAddrs(%s) = %v, want none: every source is the VRF's own", v, extra)
		}
	}
}

// TestStackSrcAddrs: the default VRF's sockets have no L3 master device,
// so a main-table route into VRF red sends from red's address (the
// nexthop link's, fib_result_prefsrc and ipv6_dev_get_saddr); the
// default stack carries it as a host address, once, and nothing of its
// own or loopback.
func TestStackSrcAddrs(t *testing.T) {
	c := leakLab(t)
	port(t, c, "eth2", "198.51.100.1/24")
	s := c.Snapshot()
	red, eth1 := s.LinkByName("red").Index, s.LinkByName("eth1").Index
	for _, r := range []fib.Route{
		{Prefix: pfx("172.16.2.0/24"), Nexthops: []fib.Nexthop{{Dev: red}}},
		{Prefix: pfx("10.20.0.0/16"), Nexthops: []fib.Nexthop{{Gateway: addr("172.16.2.2"), Dev: eth1}}},
		{Prefix: pfx("2001:db8:16:2::/64"), Metric: 1024, Nexthops: []fib.Nexthop{{Dev: red}}},
	} {
		r.Table, r.Type, r.Proto = fib.TableMain, fib.TypeUnicast, fib.ProtoStatic
		must(t, c.AddRoute(r, fib.OpAdd))
	}
	got, _ := stackRoutes(t, c, "", 100)
	want := []string{
		"10.20.0.0/16 unicast 172.16.2.253 0",
		"172.16.2.0/24 unicast 172.16.2.253 0",
		"198.51.100.0/24 unicast 198.51.100.1 0",
		"2001:db8:16:2::/64 unicast 2001:db8:16:2::253 1024",
		"0.0.0.0/0 unicast invalid IP 4294967295",
		"::/0 unicast invalid IP 4294967295",
	}
	if !slices.Equal(got, want) {
		t.Errorf("StackRoutes(default) =\n%q\nwant\n%q", got, want)
	}
	s = c.Snapshot()
	rs, _ := s.StackRoutes(0, 100)
	var extra []string
	for _, p := range s.StackSrcAddrs(0, rs) {
		extra = append(extra, p.String())
	}
	if want := []string{"172.16.2.253/32", "2001:db8:16:2::253/128"}; !slices.Equal(extra, want) {
		t.Errorf("StackSrcAddrs(default) = %q, want %q", extra, want)
	}
}
