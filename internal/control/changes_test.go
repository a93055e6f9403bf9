package control

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// pair is one publication as Subscribe delivers it.
type pair struct{ old, new *Snapshot }

// record subscribes to c and returns the publications seen so far.
func record(t *testing.T, c *Control) func() []pair {
	var pairs []pair
	cancel := c.Subscribe(func(old, new *Snapshot) { pairs = append(pairs, pair{old, new}) })
	t.Cleanup(cancel)
	return func() []pair {
		c.mu.Lock()
		defer c.mu.Unlock()
		return slices.Clone(pairs)
	}
}

// changeKey describes a change for comparison with the brute-force diff.
func changeKey(ch *Change) string {
	op := "new"
	if ch.Op == OpDel {
		op = "del"
	}
	switch ch.Object {
	case ObjectLink:
		return op + " link " + linkKey(ch.Link)
	case ObjectAddr:
		return fmt.Sprintf("%s addr %d %+v", op, ch.Link.Index, *ch.Addr)
	case ObjectRoute:
		return op + " route " + routeKey(ch.Route)
	case ObjectRule:
		return fmt.Sprintf("%s rule %d %+v", op, ch.Family, *ch.Rule)
	case ObjectNexthop:
		return fmt.Sprintf("%s nexthop %+v", op, *ch.Nexthop)
	}
	return "unknown change"
}

func linkKey(l *Link) string {
	return fmt.Sprintf("%d %s %v %v %v %d %v %d %d %d %s", l.Index, l.Name, l.Kind, l.Flags,
		l.MAC, l.MTU, l.Up, l.Master, l.Table, l.Group, l.Parent)
}

func routeKey(r *fib.Route) string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %d %v %v %v %v metric %d tos %d src %v nhid %d", r.Table, r.Type,
		r.Prefix, r.Proto, r.Scope, r.Metric, r.Tos, r.Src, r.NHID)
	for _, h := range r.Nexthops {
		fmt.Fprintf(&b, " [%v %d %d %v %v %v]", h.Gateway, h.Dev, max(h.Weight, 1), h.Onlink, h.Dead, h.HostScope)
	}
	return b.String()
}

// bruteDiff compares everything two snapshots hold, the obvious way, and
// returns the sorted keys of the changes.
func bruteDiff(old, new *Snapshot) []string {
	var out []string
	// Links and addresses, by index and by address identity.
	for i := 1; i < max(len(old.links), len(new.links)); i++ {
		a, b := old.Link(i), new.Link(i)
		switch {
		case b != nil && (a == nil || linkKey(a) != linkKey(b)):
			out = append(out, "new link "+linkKey(b))
		case a != nil && b == nil:
			out = append(out, "del link "+linkKey(a))
		}
		addrs := func(l *Link) map[string]string {
			m := map[string]string{}
			if l != nil {
				for _, x := range l.Addrs {
					m[x.Prefix.String()] = fmt.Sprintf("addr %d %+v", i, x)
				}
			}
			return m
		}
		was, now := addrs(a), addrs(b)
		for id, k := range was {
			if now[id] == "" {
				out = append(out, "del "+k)
			}
		}
		for id, k := range now {
			if was[id] != k {
				out = append(out, "new "+k)
			}
		}
	}
	// Routes as multisets over all tables.
	routes := func(s *Snapshot) map[string]int {
		m := map[string]int{}
		for _, t := range s.tables {
			for r := range t.All() {
				m[routeKey(&r)]++
			}
		}
		return m
	}
	out = append(out, multisetDiff("route ", routes(old), routes(new))...)
	for _, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		rules := func(s *Snapshot) map[string]int {
			m := map[string]int{}
			for _, r := range s.Rules(f) {
				m[fmt.Sprintf("%d %+v", f, r)]++
			}
			return m
		}
		out = append(out, multisetDiff("rule ", rules(old), rules(new))...)
	}
	for id, nh := range new.nexthops {
		if o := old.nexthops[id]; o == nil || fmt.Sprintf("%+v", *o) != fmt.Sprintf("%+v", *nh) {
			out = append(out, fmt.Sprintf("new nexthop %+v", *nh))
		}
	}
	for id, nh := range old.nexthops {
		if new.nexthops[id] == nil {
			out = append(out, fmt.Sprintf("del nexthop %+v", *nh))
		}
	}
	slices.Sort(out)
	return out
}

func multisetDiff(what string, old, new map[string]int) []string {
	var out []string
	for k, n := range old {
		for range n - new[k] {
			out = append(out, "del "+what+k)
		}
	}
	for k, n := range new {
		for range n - old[k] {
			out = append(out, "new "+what+k)
		}
	}
	return out
}

// rank is the place of a change's kind in Diff's order.
func rank(ch *Change) int {
	type kind struct {
		op  ChangeOp
		obj Object
	}
	order := []kind{{OpNew, ObjectLink}, {OpNew, ObjectNexthop}, {OpDel, ObjectAddr},
		{OpNew, ObjectAddr}, {OpDel, ObjectRoute}, {OpNew, ObjectRoute}, {OpDel, ObjectRule},
		{OpNew, ObjectRule}, {OpDel, ObjectNexthop}, {OpDel, ObjectLink}}
	if ch.Object == ObjectRule {
		return 6 // deleted and new rules alternate by family
	}
	return slices.Index(order, kind{ch.Op, ch.Object})
}

// checkDiff compares Diff(old, new) with the brute-force diff and checks
// its order and its rule positions.
func checkDiff(t *testing.T, what string, old, new *Snapshot) {
	t.Helper()
	changes := Diff(old, new)
	var got []string
	last := 0
	for i := range changes {
		ch := &changes[i]
		got = append(got, changeKey(ch))
		if r := rank(ch); r < last {
			t.Errorf("%s: Diff puts %q after a change of a later kind", what, changeKey(ch))
		} else {
			last = r
		}
		if ch.Object == ObjectRule {
			s := new
			if ch.Op == OpDel {
				s = old
			}
			if rs := s.Rules(ch.Family); ch.Index >= len(rs) || rs[ch.Index] != *ch.Rule {
				t.Errorf("%s: rule change %q has index %d, not its position", what, changeKey(ch), ch.Index)
			}
		}
	}
	slices.Sort(got)
	if want := bruteDiff(old, new); !slices.Equal(got, want) {
		t.Errorf("%s: Diff(gen %d, gen %d) =\n\t%s\nwant\n\t%s", what, old.gen, new.gen,
			strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestDiffRandom applies random changes, one by one and in batches, and
// checks the diff of every publication, of the whole run and of a run
// whose tables were not tracked.
func TestDiffRandom(t *testing.T) {
	for seed := range uint64(4) {
		c := New()
		first := c.Snapshot()
		pairs := record(t, c)
		r := rand.New(rand.NewPCG(seed, 42))
		for range 250 {
			if r.IntN(8) == 0 {
				release := c.Hold()
				for range 1 + r.IntN(6) {
					randomChange(r, c)
				}
				release()
			} else {
				randomChange(r, c)
			}
		}
		ps := pairs()
		if len(ps) < 100 {
			t.Fatalf("seed %d: %d publications, want many", seed, len(ps))
		}
		for i, p := range ps {
			if i > 0 && p.old != ps[i-1].new {
				t.Fatalf("seed %d: publication %d does not follow the one before", seed, i)
			}
			checkDiff(t, fmt.Sprintf("seed %d publication %d", seed, i), p.old, p.new)
		}
		checkDiff(t, fmt.Sprintf("seed %d whole run", seed), first, c.Snapshot())
	}
	// Without a subscriber nothing tracks: Diff compares in full.
	c := New()
	r := rand.New(rand.NewPCG(9, 9))
	for range 100 {
		before := c.Snapshot()
		randomChange(r, c)
		checkDiff(t, "untracked", before, c.Snapshot())
	}
	// Two control planes that went their own ways, each watched: their
	// tables' records are not taken against each other's.
	a, b := New(), New()
	record(t, a)
	record(t, b)
	for range 100 {
		randomChange(r, a)
		randomChange(r, b)
		checkDiff(t, "unrelated", a.Snapshot(), b.Snapshot())
	}
}

// randomChange makes one random change, most of them valid, on a small
// namespace: dummies d0..d4, VRFs v0..v2 (tables 10..12).
func randomChange(r *rand.Rand, c *Control) {
	dummy := fmt.Sprintf("d%d", r.IntN(5))
	vrfName := fmt.Sprintf("v%d", r.IntN(3))
	anyLink := []string{dummy, vrfName, "lo"}[r.IntN(3)]
	tables := []fib.TableID{fib.TableMain, fib.TableMain, fib.TableLocal, 10, 11, 12}
	table := tables[r.IntN(len(tables))]
	v4 := func() netip.Addr {
		return netip.AddrFrom4([4]byte{10, byte(r.IntN(3)), byte(r.IntN(2)), byte(1 + r.IntN(3))})
	}
	v6 := func() netip.Addr { return netip.AddrFrom16([16]byte{0x20, 1, 0xd, 0xb8, 15: byte(1 + r.IntN(3))}) }
	dev := func() int {
		if l := c.Snapshot().LinkByName(dummy); l != nil {
			return l.Index
		}
		return 0
	}
	route := func() fib.Route {
		rt := fib.Route{Table: table, Proto: fib.ProtoStatic}
		if r.IntN(3) == 0 {
			rt.Prefix = netip.PrefixFrom(v6(), 64+r.IntN(2)*64).Masked()
		} else {
			rt.Prefix = netip.PrefixFrom(v4(), []int{8, 16, 24, 32}[r.IntN(4)]).Masked()
		}
		switch r.IntN(6) {
		case 0:
			rt.Type = fib.TypeBlackhole
		case 1:
			rt.NHID = uint32(1 + r.IntN(3))
		case 2:
			rt.Nexthops = []fib.Nexthop{{Dev: dev()}, {Dev: dev() + 1, Weight: 2}}
		default:
			rt.Nexthops = []fib.Nexthop{{Dev: dev()}}
		}
		rt.Metric = uint32(r.IntN(2) * 100)
		return rt
	}
	switch r.IntN(17) {
	case 0:
		c.AddLink(LinkSpec{Name: dummy, Kind: KindDummy})
	case 1:
		c.AddLink(LinkSpec{Name: vrfName, Kind: KindVRF, Table: fib.TableID(10 + r.IntN(3))})
	case 2, 3:
		c.SetLink(anyLink, LinkChange{Up: ptr(r.IntN(3) != 0)})
	case 4:
		m := vrfName
		if r.IntN(3) == 0 {
			m = ""
		}
		c.SetLink(dummy, LinkChange{Master: &m})
	case 5:
		if r.IntN(3) == 0 {
			c.DelLink(anyLink)
		} else {
			c.SetLink(anyLink, LinkChange{MTU: ptr(1280 + r.IntN(2)*120)})
		}
	case 6, 7:
		a := Addr{Prefix: netip.PrefixFrom(v4(), []int{24, 32, 16}[r.IntN(3)])}
		if r.IntN(3) == 0 {
			a.Prefix = netip.PrefixFrom(v6(), 64)
		}
		c.AddAddr(anyLink, a, r.IntN(4) == 0)
	case 8:
		if l := c.Snapshot().LinkByName(anyLink); l != nil && len(l.Addrs) > 0 {
			c.DelAddr(anyLink, l.Addrs[r.IntN(len(l.Addrs))].Prefix)
		}
	case 9, 10, 11:
		c.AddRoute(route(), []fib.Op{fib.OpAdd, fib.OpReplace, fib.OpAppend, fib.OpPrepend, fib.OpChange}[r.IntN(5)])
	case 12:
		sel := route()
		sel.Scope, sel.Proto, sel.Type, sel.Nexthops, sel.NHID = fib.ScopeNowhere, 0, 0, nil, 0
		c.DelRoute(sel)
	case 13:
		rl := rule.Rule{Pref: uint32(100 + r.IntN(3)), Action: rule.ActionTable,
			Table: tables[r.IntN(len(tables))], SuppressPrefixlen: -1, SuppressIfgroup: -1}
		f := []fib.Family{fib.IPv4, fib.IPv6}[r.IntN(2)]
		switch rs := c.Snapshot().Rules(f); r.IntN(3) {
		case 0:
			c.AddRule(f, rl, true)
		case 1:
			c.DelRule(f, rl, true)
		default:
			if len(rs) > 0 {
				c.DelRule(f, rs[r.IntN(len(rs))], true)
			}
		}
	case 14:
		nh := Nexthop{ID: uint32(1 + r.IntN(3)), Dev: dev(), Onlink: true}
		switch r.IntN(3) {
		case 0:
			nh = Nexthop{ID: nh.ID, Blackhole: true}
		case 1:
			nh.Gateway = v4()
		}
		c.AddNexthop(nh, r.IntN(2) == 0)
	case 15:
		if r.IntN(2) == 0 {
			c.DelNexthop(uint32(1 + r.IntN(3)))
		} else {
			c.AddNexthop(Nexthop{ID: uint32(4 + r.IntN(2)), Group: []GroupMember{{ID: 1}, {ID: 2, Weight: 3}}}, true)
		}
	case 16:
		c.SetSysctl([]string{"net.ipv6.conf.all.keep_addr_on_down", "net.ipv6.conf.all.forwarding"}[r.IntN(2)],
			fmt.Sprint(r.IntN(2)))
	}
}

// brief describes a change in a few words, for readable expectations.
func brief(ch *Change) string {
	op := "new"
	if ch.Op == OpDel {
		op = "del"
	}
	switch ch.Object {
	case ObjectLink:
		return fmt.Sprintf("%s link %s up=%v master=%d", op, ch.Link.Name, ch.Link.Up, ch.Link.Master)
	case ObjectAddr:
		return fmt.Sprintf("%s addr %v dev %s", op, ch.Addr.Prefix, ch.Link.Name)
	case ObjectRoute:
		return fmt.Sprintf("%s route %v %v table %v", op, ch.Route.Type, ch.Route.Prefix, ch.Route.Table)
	case ObjectRule:
		return fmt.Sprintf("%s rule -%d %d l3mdev=%v table %v", op, ch.Family, ch.Rule.Pref, ch.Rule.L3mdev, ch.Rule.Table)
	case ObjectNexthop:
		return fmt.Sprintf("%s nexthop %d", op, ch.Nexthop.ID)
	}
	return "?"
}

// TestDiffSideEffects checks the changes of commands whose side effects
// reach other objects.
func TestDiffSideEffects(t *testing.T) {
	mac := MAC{2, 0, 0, 0, 0, 1}
	d0 := func(t *testing.T, c *Control) {
		must(t, c.AddLink(LinkSpec{Name: "d0", Kind: KindDummy, MAC: &mac}))
		must(t, c.SetLink("d0", LinkChange{Up: ptr(true)}))
		must(t, c.AddAddr("d0", Addr{Prefix: pfx("10.0.0.1/24")}, false))
	}
	blue := func(t *testing.T, c *Control) { vrf(t, c, "blue", 10) }
	for _, tc := range []struct {
		name  string
		setup []func(*testing.T, *Control)
		do    func(*testing.T, *Control)
		want  []string
	}{
		{"vrf add", nil, func(t *testing.T, c *Control) {
			must(t, c.AddLink(LinkSpec{Name: "blue", Kind: KindVRF, Table: 10}))
		}, []string{
			"new link blue up=false master=0",
			"new rule -4 1000 l3mdev=true table 0",
			"new rule -6 1000 l3mdev=true table 0",
		}},
		{"addr add", []func(*testing.T, *Control){d0}, func(t *testing.T, c *Control) {
			must(t, c.AddAddr("d0", Addr{Prefix: pfx("10.1.0.1/16")}, false))
		}, []string{
			"new addr 10.1.0.1/16 dev d0",
			"new route unicast 10.1.0.0/16 table main",
			"new route local 10.1.0.1/32 table local",
			"new route broadcast 10.1.255.255/32 table local",
		}},
		{"link down", []func(*testing.T, *Control){d0, func(t *testing.T, c *Control) {
			must(t, c.AddRoute(fib.Route{Prefix: pfx("10.9.0.0/16"), Nexthops: []fib.Nexthop{{Gateway: addr("10.0.0.2")}}}, fib.OpAdd))
		}}, func(t *testing.T, c *Control) {
			must(t, c.SetLink("d0", LinkChange{Up: ptr(false)}))
		}, []string{
			"new link d0 up=false master=0",
			"del addr fe80::ff:fe00:1/64 dev d0", // IPv6 addresses go (keep_addr_on_down=0)
			"del route unicast 10.0.0.0/24 table main",
			"del route unicast 10.9.0.0/16 table main",
			"del route unicast fe80::/64 table main",
			"del route broadcast 10.0.0.255/32 table local", // the local route stays
			"del route local fe80::ff:fe00:1/128 table local",
			"del route multicast ff00::/8 table local",
		}},
		{"enslave", []func(*testing.T, *Control){d0, blue}, func(t *testing.T, c *Control) {
			enslave(t, c, "d0", "blue")
		}, []string{
			"new link d0 up=true master=3",
			"del route unicast 10.0.0.0/24 table main",
			"del route unicast fe80::/64 table main",
			"del route local 10.0.0.1/32 table local",
			"del route broadcast 10.0.0.255/32 table local",
			"del route local fe80::ff:fe00:1/128 table local",
			"del route multicast ff00::/8 table local",
			"new route unicast 10.0.0.0/24 table 10",
			"new route local 10.0.0.1/32 table 10",
			"new route broadcast 10.0.0.255/32 table 10",
			"new route unicast fe80::/64 table 10",
			"new route local fe80::ff:fe00:1/128 table 10",
			"new route multicast ff00::/8 table 10",
		}},
		{"vrf del", []func(*testing.T, *Control){d0, blue, func(t *testing.T, c *Control) { enslave(t, c, "d0", "blue") }},
			func(t *testing.T, c *Control) { must(t, c.DelLink("blue")) }, []string{
				"new link d0 up=true master=0",
				"del route unicast 10.0.0.0/24 table 10",
				"del route local 10.0.0.1/32 table 10",
				"del route broadcast 10.0.0.255/32 table 10",
				"del route unicast fe80::/64 table 10",
				"del route local fe80::ff:fe00:1/128 table 10",
				"del route multicast ff00::/8 table 10", // d0's
				"del route multicast ff00::/8 table 10", // blue's
				"new route unicast 10.0.0.0/24 table main",
				"new route unicast fe80::/64 table main",
				"new route local 10.0.0.1/32 table local",
				"new route broadcast 10.0.0.255/32 table local",
				"new route local fe80::ff:fe00:1/128 table local",
				"new route multicast ff00::/8 table local",
				"del link blue up=true master=0",
			}},
		{"rule add", nil, func(t *testing.T, c *Control) {
			must(t, c.AddRule(fib.IPv4, rule.Rule{Pref: 100, Action: rule.ActionTable, Table: 10, SuppressPrefixlen: -1, SuppressIfgroup: -1}, true))
		}, []string{"new rule -4 100 l3mdev=false table 10"}},
		{"rule del", nil, func(t *testing.T, c *Control) {
			rs := c.Snapshot().Rules(fib.IPv6)
			must(t, c.DelRule(fib.IPv6, rs[len(rs)-1], true))
		}, []string{"del rule -6 32766 l3mdev=false table main"}},
		{"nexthop del", []func(*testing.T, *Control){d0, func(t *testing.T, c *Control) {
			_, err := c.AddNexthop(Nexthop{ID: 1, Dev: 2}, false)
			must(t, err)
			must(t, c.AddRoute(fib.Route{Prefix: pfx("10.5.0.0/16"), NHID: 1}, fib.OpAdd))
		}}, func(t *testing.T, c *Control) { must(t, c.DelNexthop(1)) }, []string{
			"del route unicast 10.5.0.0/16 table main",
			"del nexthop 1",
		}},
	} {
		c := New()
		for _, f := range tc.setup {
			f(t, c)
		}
		before := c.Snapshot()
		pairs := record(t, c)
		tc.do(t, c)
		ps := pairs()
		if len(ps) != 1 || ps[0].old != before {
			t.Fatalf("%s: %d publications, want 1 after generation %d", tc.name, len(ps), before.gen)
		}
		p := ps[0]
		var got []string
		for _, ch := range Diff(p.old, p.new) {
			got = append(got, brief(&ch))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Diff =\n\t%s\nwant\n\t%s", tc.name, strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
		}
		checkDiff(t, tc.name, p.old, p.new)
	}
}

// TestSubscribe checks delivery order, cancellation, and that tables
// track their changes only while someone subscribes.
func TestSubscribe(t *testing.T) {
	c := New()
	port(t, c, "d0", "10.0.0.1/24")
	var gens []uint64
	var touched [][]netip.Prefix
	cancel := c.Subscribe(func(old, new *Snapshot) {
		gens = append(gens, old.Gen(), new.Gen())
		ps, all := new.Table(fib.TableMain).Touched(old.Table(fib.TableMain))
		if all {
			ps = nil
		}
		touched = append(touched, ps)
	})
	route := func(p string) {
		must(t, c.AddRoute(fib.Route{Prefix: pfx(p), Nexthops: []fib.Nexthop{{Gateway: addr("10.0.0.2")}}}, fib.OpAdd))
	}
	g := c.Snapshot().Gen()
	route("10.1.0.0/16")
	route("10.2.0.0/16")
	if want := []uint64{g, g + 1, g + 1, g + 2}; !slices.Equal(gens, want) {
		t.Errorf("subscriber saw generations %v, want %v", gens, want)
	}
	if want := fmt.Sprint([][]netip.Prefix{{pfx("10.1.0.0/16")}, {pfx("10.2.0.0/16")}}); fmt.Sprint(touched) != want {
		t.Errorf("main table touched %v, want %v", touched, want)
	}
	cancel()
	cancel() // a second cancel is harmless
	before := c.Snapshot()
	route("10.3.0.0/16")
	if len(gens) != 4 {
		t.Errorf("subscriber called after cancel: generations %v", gens)
	}
	if ps, all := c.Snapshot().Table(fib.TableMain).Touched(before.Table(fib.TableMain)); !all {
		t.Errorf("Touched() after the last cancel = %v, want all: nobody listens", ps)
	}
	checkDiff(t, "after cancel", before, c.Snapshot())
}

// TestSubscribeInBatch subscribes while a batch holds changes back: the
// tables forked before are not tracked, and Diff is exact all the same.
func TestSubscribeInBatch(t *testing.T) {
	c := New()
	port(t, c, "d0", "10.0.0.1/24")
	release := c.Hold()
	must(t, c.AddAddr("d0", Addr{Prefix: pfx("10.1.0.1/24")}, false))
	pairs := record(t, c)
	must(t, c.AddRoute(fib.Route{Table: 10, Prefix: pfx("10.9.0.0/16"), Nexthops: []fib.Nexthop{{Dev: 2}}}, fib.OpAdd))
	must(t, c.DelAddr("d0", pfx("10.0.0.1/24")))
	release()
	ps := pairs()
	if len(ps) != 1 {
		t.Fatalf("%d publications after the batch, want 1", len(ps))
	}
	checkDiff(t, "batch", ps[0].old, ps[0].new)
}

// BenchmarkDiff is what the change feed spends on one route added to a
// 1,000,000-route table: the touched prefix is compared, not the table.
func BenchmarkDiff(b *testing.B) {
	c, _ := vrfRouter(b, 1_000_000)
	cancel := c.Subscribe(func(old, new *Snapshot) {})
	defer cancel()
	old := c.Snapshot()
	r := fib.Route{Table: 100, Prefix: pfx("10.99.0.0/16"), Proto: fib.ProtoStatic, Nexthops: []fib.Nexthop{{Gateway: addr("10.0.0.2")}}}
	if err := c.AddRoute(r, fib.OpAdd); err != nil {
		b.Fatal(err)
	}
	cur := c.Snapshot()
	for b.Loop() {
		if ch := Diff(old, cur); len(ch) != 1 {
			b.Fatalf("Diff = %d changes, want 1", len(ch))
		}
	}
}
