package control

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

var (
	pfx  = netip.MustParsePrefix
	addr = netip.MustParseAddr
)

// port adds an up dummy link with addresses.
func port(t *testing.T, c *Control, name string, addrs ...string) {
	t.Helper()
	must(t, c.AddLink(LinkSpec{Name: name, Kind: KindDummy}))
	must(t, c.SetLink(name, LinkChange{Up: ptr(true)}))
	for _, a := range addrs {
		must(t, c.AddAddr(name, Addr{Prefix: pfx(a)}, false))
	}
}

// vrf adds an up VRF device bound to table.
func vrf(t *testing.T, c *Control, name string, table fib.TableID) {
	t.Helper()
	must(t, c.AddLink(LinkSpec{Name: name, Kind: KindVRF, Table: table}))
	must(t, c.SetLink(name, LinkChange{Up: ptr(true)}))
}

func enslave(t *testing.T, c *Control, port, master string) {
	t.Helper()
	must(t, c.SetLink(port, LinkChange{Master: ptr(master)}))
}

// has reports whether table id holds a route of type typ for prefix p.
func has(c *Control, id fib.TableID, typ fib.Type, p string) bool {
	t := c.Snapshot().Table(id)
	if t == nil {
		return false
	}
	for _, r := range t.Get(pfx(p)) {
		if r.Type == typ {
			return true
		}
	}
	return false
}

func get(c *Control, q RouteQuery) (RouteAnswer, error) { return c.RouteGet(q) }

func idx(c *Control, name string) int { return c.Snapshot().LinkByName(name).Index }

func TestEnslaveMovesRoutes(t *testing.T) {
	c := New()
	port(t, c, "d0", "10.0.0.1/24")
	must(t, c.AddRoute(fib.Route{Prefix: pfx("10.9.0.0/16"), Proto: fib.ProtoBoot,
		Nexthops: []fib.Nexthop{{Gateway: addr("10.0.0.2")}}}, fib.OpAdd))
	vrf(t, c, "blue", 10)
	enslave(t, c, "d0", "blue")

	for _, tc := range []struct {
		table fib.TableID
		typ   fib.Type
		p     string
		want  bool
	}{
		{10, fib.TypeUnicast, "10.0.0.0/24", true},
		{10, fib.TypeLocal, "10.0.0.1/32", true},
		{10, fib.TypeBroadcast, "10.0.0.255/32", true},
		{fib.TableMain, fib.TypeUnicast, "10.0.0.0/24", false},
		{fib.TableLocal, fib.TypeLocal, "10.0.0.1/32", false},
		{fib.TableMain, fib.TypeUnicast, "10.9.0.0/16", false}, // static routes through it go
		{10, fib.TypeUnicast, "10.9.0.0/16", false},
	} {
		if got := has(c, tc.table, tc.typ, tc.p); got != tc.want {
			t.Errorf("after enslave: table %v has %v %s = %v, want %v", tc.table, tc.typ, tc.p, got, tc.want)
		}
	}

	must(t, c.SetLink("d0", LinkChange{Master: ptr("")}))
	for _, tc := range []struct {
		table fib.TableID
		typ   fib.Type
		p     string
		want  bool
	}{
		{fib.TableMain, fib.TypeUnicast, "10.0.0.0/24", true},
		{fib.TableLocal, fib.TypeLocal, "10.0.0.1/32", true},
		{10, fib.TypeUnicast, "10.0.0.0/24", false},
		{10, fib.TypeLocal, "10.0.0.1/32", false},
	} {
		if got := has(c, tc.table, tc.typ, tc.p); got != tc.want {
			t.Errorf("after nomaster: table %v has %v %s = %v, want %v", tc.table, tc.typ, tc.p, got, tc.want)
		}
	}
}

func TestEnslaveRefusals(t *testing.T) {
	c := New()
	port(t, c, "d0")
	port(t, c, "d1")
	vrf(t, c, "blue", 10)
	vrf(t, c, "red", 20)
	for _, tc := range []struct {
		port, master string
		want         string
	}{
		{"lo", "blue", "Error: Can not enslave loopback device to a VRF."},
		{"red", "blue", "Error: Can not enslave an L3 master device to a VRF."},
		{"d0", "d1", "RTNETLINK answers: Operation not supported"},
	} {
		gen := c.Snapshot().Gen()
		err := c.SetLink(tc.port, LinkChange{Master: ptr(tc.master)})
		if err == nil || ipText(err) != tc.want {
			t.Errorf("set %s master %s = %v, want %q", tc.port, tc.master, err, tc.want)
		}
		if c.Snapshot().Gen() != gen {
			t.Errorf("set %s master %s: refused command changed the state", tc.port, tc.master)
		}
	}
	// A port moves between VRFs in one command (do_set_master).
	enslave(t, c, "d0", "blue")
	enslave(t, c, "d0", "red")
	if m := c.Snapshot().LinkByName("d0").Master; m != idx(c, "red") {
		t.Errorf("d0 master = %d, want red", m)
	}
}

func TestVRFTableRequired(t *testing.T) {
	c := New()
	err := c.AddLink(LinkSpec{Name: "blue", Kind: KindVRF})
	if err == nil || ipText(err) != "Error: Invalid VRF table id." {
		t.Fatalf("link add blue type vrf = %v, want Invalid VRF table id", err)
	}
}

func l3mdevRules(c *Control, f fib.Family) int {
	n := 0
	for _, r := range c.Snapshot().Rules(f) {
		if r.L3mdev {
			n++
		}
	}
	return n
}

func TestL3mdevRuleAddedOnce(t *testing.T) {
	c := New()
	for _, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		if n := l3mdevRules(c, f); n != 0 {
			t.Fatalf("IPv%d l3mdev rules before any VRF = %d", f, n)
		}
	}
	vrf(t, c, "blue", 10)
	vrf(t, c, "red", 20)
	for _, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		if n := l3mdevRules(c, f); n != 1 {
			t.Fatalf("IPv%d l3mdev rules after two VRFs = %d, want 1", f, n)
		}
		must(t, c.DelRule(f, rule.Rule{Pref: 1000, SuppressPrefixlen: -1, SuppressIfgroup: -1}, true))
	}
	vrf(t, c, "green", 30)
	for _, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		if n := l3mdevRules(c, f); n != 0 {
			t.Errorf("IPv%d l3mdev rule re-added after deletion: %d", f, n)
		}
	}
}

func TestStrictMode(t *testing.T) {
	c := New()
	vrf(t, c, "blue", 10)
	vrf(t, c, "blue2", 10) // shared tables are fine without strict mode
	if err := c.SetSysctl("net.vrf.strict_mode", "1"); err == nil {
		t.Fatal("strict_mode=1 with a shared table succeeded")
	}
	must(t, c.DelLink("blue2"))
	must(t, c.SetSysctl("net.vrf.strict_mode", "1"))
	err := c.AddLink(LinkSpec{Name: "blue3", Kind: KindVRF, Table: 10})
	if !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("VRF on a used table in strict mode = %v, want EBUSY", err)
	}
	must(t, c.AddLink(LinkSpec{Name: "red", Kind: KindVRF, Table: 20}))
}

// seedVRF builds blue (table 10) with port d0 10.0.0.1/24, and a default
// VRF port d1 10.1.0.1/24 with 172.16.0.0/16 via 10.1.0.2 in main.
func seedVRF(t *testing.T) *Control {
	c := New()
	port(t, c, "d0", "10.0.0.1/24")
	port(t, c, "d1", "10.1.0.1/24")
	vrf(t, c, "blue", 10)
	enslave(t, c, "d0", "blue")
	must(t, c.AddRoute(fib.Route{Prefix: pfx("172.16.0.0/16"), Proto: fib.ProtoBoot,
		Nexthops: []fib.Nexthop{{Gateway: addr("10.1.0.2")}}}, fib.OpAdd))
	return c
}

func TestVRFMissFallsThroughToMain(t *testing.T) {
	c := seedVRF(t)
	q := RouteQuery{Dst: addr("172.16.1.1"), Oif: idx(c, "blue")}
	a, err := get(c, q)
	if err != nil || a.Dev != idx(c, "d1") || a.Table != fib.TableMain {
		t.Fatalf("route get 172.16.1.1 vrf blue = %+v, %v; want the kernel's fall-through to main via d1", a, err)
	}
	must(t, c.AddRoute(fib.Route{Table: 10, Prefix: pfx("0.0.0.0/0"), Type: fib.TypeUnreachable,
		Metric: 4278198272}, fib.OpAdd))
	_, err = get(c, q)
	if err == nil || ipText(err) != "RTNETLINK answers: No route to host" {
		t.Fatalf("route get with unreachable default = %v, want No route to host", err)
	}
	// The default VRF is not affected.
	if a, err := get(c, RouteQuery{Dst: addr("172.16.1.1")}); err != nil || a.Dev != idx(c, "d1") {
		t.Fatalf("route get 172.16.1.1 = %+v, %v", a, err)
	}
}

func TestMoveLocalRule(t *testing.T) {
	c := seedVRF(t)
	check := func(step string) {
		t.Helper()
		a, err := get(c, RouteQuery{Dst: addr("10.1.0.1")})
		if err != nil || a.Type != fib.TypeLocal {
			t.Fatalf("%s: route get 10.1.0.1 = %+v, %v; want local", step, a, err)
		}
		a, err = get(c, RouteQuery{Dst: addr("10.0.0.1"), Oif: idx(c, "blue")})
		if err != nil || a.Type != fib.TypeLocal || a.Dev != idx(c, "blue") {
			t.Fatalf("%s: route get 10.0.0.1 vrf blue = %+v, %v; want local dev blue", step, a, err)
		}
	}
	check("initially")
	must(t, c.AddRule(fib.IPv4, rule.Rule{Pref: 32765, Action: rule.ActionTable, Table: fib.TableLocal,
		Mask: 0, SuppressPrefixlen: -1, SuppressIfgroup: -1}, true))
	check("after adding pref 32765 table local")
	must(t, c.DelRule(fib.IPv4, rule.Rule{Pref: 0, SuppressPrefixlen: -1, SuppressIfgroup: -1}, true))
	check("after deleting pref 0")
	// A VRF table miss still falls through to the moved local rule, as in
	// the kernel; the documented unreachable default stops it.
	must(t, c.AddRoute(fib.Route{Table: 10, Prefix: pfx("0.0.0.0/0"), Type: fib.TypeUnreachable,
		Metric: 4278198272}, fib.OpAdd))
	check("after adding the VRF's unreachable default")
	if a, err := get(c, RouteQuery{Dst: addr("10.1.0.1"), Oif: idx(c, "blue")}); err == nil {
		t.Fatalf("route get 10.1.0.1 vrf blue = %+v, want unreachable once the local rule moved", a)
	}
}

func TestNexthopValidatedInPortVRF(t *testing.T) {
	c := seedVRF(t)
	if _, err := c.AddNexthop(Nexthop{ID: 10, Gateway: addr("10.0.0.2"), Dev: idx(c, "d0")}, false); err != nil {
		t.Fatalf("nexthop via 10.0.0.2 dev d0 (in blue) = %v", err)
	}
	_, err := c.AddNexthop(Nexthop{ID: 11, Gateway: addr("10.1.0.2"), Dev: idx(c, "d0")}, false)
	if err == nil || ipText(err) != "Error: Nexthop has invalid gateway." {
		t.Fatalf("nexthop via 10.1.0.2 dev d0 = %v, want invalid gateway", err)
	}
	// Routes in any table may use it: leak (c) of docs/architecture.md, "VRF semantics".
	must(t, c.AddRoute(fib.Route{Prefix: pfx("192.0.2.0/24"), Proto: fib.ProtoBoot, NHID: 10}, fib.OpAdd))
	a, err := get(c, RouteQuery{Dst: addr("192.0.2.1")})
	if err != nil || a.Dev != idx(c, "d0") || a.Gateway != addr("10.0.0.2") {
		t.Fatalf("route get 192.0.2.1 = %+v, %v; want via 10.0.0.2 dev d0", a, err)
	}
	must(t, c.DelNexthop(10))
	if _, err := get(c, RouteQuery{Dst: addr("192.0.2.1")}); err == nil {
		t.Fatal("route using a deleted nexthop object still answers")
	}
}

func TestRouteLeakThroughVRFDevice(t *testing.T) {
	c := seedVRF(t)
	port(t, c, "d2", "10.2.0.1/24")
	vrf(t, c, "red", 20)
	enslave(t, c, "d2", "red")
	must(t, c.AddRoute(fib.Route{Table: 10, Prefix: pfx("10.2.0.0/24"), Proto: fib.ProtoBoot, Scope: fib.ScopeLink,
		Nexthops: []fib.Nexthop{{Dev: idx(c, "red")}}}, fib.OpAdd))
	a, err := get(c, RouteQuery{Dst: addr("10.2.0.5"), Oif: idx(c, "blue")})
	// fib_select_path: blue's flow leaving by red's domain is sourced
	// from blue's own address, not red's.
	if err != nil || a.Dev != idx(c, "red") || a.Table != 10 || a.PrefSrc != addr("10.0.0.1") {
		t.Fatalf("route get 10.2.0.5 vrf blue = %+v, %v; want dev red table 10 src 10.0.0.1", a, err)
	}
	// The same through red's port.
	must(t, c.AddRoute(fib.Route{Table: 10, Prefix: pfx("10.3.0.0/24"), Proto: fib.ProtoBoot,
		Nexthops: []fib.Nexthop{{Gateway: addr("10.2.0.9"), Dev: idx(c, "d2")}}}, fib.OpAdd))
	a, err = get(c, RouteQuery{Dst: addr("10.3.0.5"), Oif: idx(c, "blue")})
	if err != nil || a.Dev != idx(c, "d2") || a.PrefSrc != addr("10.0.0.1") {
		t.Fatalf("route get 10.3.0.5 vrf blue = %+v, %v; want dev d2 src 10.0.0.1", a, err)
	}
}

func TestRefusedCommandChangesNothing(t *testing.T) {
	c := seedVRF(t)
	gen := c.Snapshot().Gen()
	for _, err := range []error{
		c.AddLink(LinkSpec{Name: "d0", Kind: KindDummy}),
		c.AddRoute(fib.Route{Prefix: pfx("10.0.0.1/24"), Nexthops: []fib.Nexthop{{Dev: idx(c, "d1")}}}, fib.OpAdd),
		c.AddRoute(fib.Route{Prefix: pfx("10.8.0.0/16"), Nexthops: []fib.Nexthop{{Gateway: addr("10.7.0.1")}}}, fib.OpAdd),
		c.DelAddr("d0", pfx("10.3.3.3/24")),
		c.DelLink("nosuch"),
	} {
		if err == nil {
			t.Fatal("a bad command succeeded")
		}
	}
	if c.Snapshot().Gen() != gen {
		t.Fatal("refused commands changed the published state")
	}
}

func TestRouterLookupAllocatesNothing(t *testing.T) {
	c := seedVRF(t)
	s := c.Snapshot()
	f0 := rule.Flow{Src: addr("10.0.0.2"), Dst: addr("10.0.0.7"), Iif: idx(c, "d0")}
	var r Router
	allocs := testing.AllocsPerRun(1000, func() {
		f := f0
		if _, _, err := r.Lookup(s, &f); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Router.Lookup allocates %v times per lookup, want 0", allocs)
	}
}

func TestDeletePrimaryTakesSecondaries(t *testing.T) {
	c := New()
	port(t, c, "d0", "10.0.0.1/24", "10.0.0.2/24")
	must(t, c.DelAddr("d0", pfx("10.0.0.1/24")))
	for _, p := range []string{"10.0.0.1/32", "10.0.0.2/32", "10.0.0.255/32"} {
		if len(c.Snapshot().Table(fib.TableLocal).Get(pfx(p))) != 0 {
			t.Errorf("route for %s left in table local after deleting the primary", p)
		}
	}
	if len(c.Snapshot().LinkByName("d0").Addrs) != 1 { // the link-local address
		t.Errorf("d0 keeps %v", c.Snapshot().LinkByName("d0").Addrs)
	}
}

func TestPortKinds(t *testing.T) {
	c := New()
	must(t, c.AddLink(LinkSpec{Name: "p0", Kind: KindPacket, Parent: "veth9"}))
	must(t, c.AddLink(LinkSpec{Name: "p1", Kind: KindPacket}))
	must(t, c.AddLink(LinkSpec{Name: "t0", Kind: KindTap}))
	vrf(t, c, "blue", 10)
	for _, tc := range []struct{ name, parent string }{{"p0", "veth9"}, {"p1", "p1"}, {"t0", ""}} {
		enslave(t, c, tc.name, "blue")
		must(t, c.SetLink(tc.name, LinkChange{Up: ptr(true)}))
		l := c.Snapshot().LinkByName(tc.name)
		if l.Parent != tc.parent || !l.Kind.IsPort() {
			t.Errorf("%s: parent %q, port %v; want %q, true", tc.name, l.Parent, l.Kind.IsPort(), tc.parent)
		}
		if !has(c, 10, fib.TypeLocal, netip.PrefixFrom(linkLocal(l.MAC), 128).String()) {
			t.Errorf("%s: no link-local address in its VRF's table after coming up", tc.name)
		}
	}
}
