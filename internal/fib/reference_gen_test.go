package fib

import (
	"math/rand/v2"
	"net/netip"
	"slices"
)

// fakeObjects resolves nexthop objects for tests: a blackhole object, or a
// list of nexthops of which a flow takes a live one through oif by hash.
type fakeObjects map[uint32]fakeObject

type fakeObject struct {
	blackhole bool
	hops      []Nexthop
}

func (o fakeObjects) Resolve(id, hash uint32, oif int) (Nexthop, Type, bool) {
	ob, ok := o[id]
	switch {
	case !ok:
		return Nexthop{}, TypeUnspec, false
	case ob.blackhole:
		return Nexthop{}, TypeBlackhole, true
	}
	good := func(h Nexthop) bool { return !h.Dead && (oif == 0 || h.Dev == oif) }
	n := 0
	for _, h := range ob.hops {
		if good(h) {
			n++
		}
	}
	if n == 0 {
		return Nexthop{}, TypeUnspec, false
	}
	k := int(hash % uint32(n))
	for _, h := range ob.hops {
		if good(h) {
			if k == 0 {
				return h, TypeUnicast, true
			}
			k--
		}
	}
	panic("unreachable")
}

var testObjects = fakeObjects{
	1: {hops: []Nexthop{{Gateway: netip.MustParseAddr("10.9.9.1"), Dev: 1}, {Gateway: netip.MustParseAddr("10.9.9.2"), Dev: 2}}},
	2: {hops: []Nexthop{{Gateway: netip.MustParseAddr("10.9.9.3"), Dev: 3, Dead: true}}},
	3: {blackhole: true},
}

// gen makes random routes, selectors and queries over a small address
// space, so that prefixes nest, share addresses and collide.
type gen struct{ r *rand.Rand }

func (g gen) pick(n int) int { return g.r.IntN(n) }

func (g gen) prefix(is4 bool) netip.Prefix {
	if is4 {
		bases := []string{"0.0.0.0", "10.0.0.0", "10.1.0.0", "10.1.2.0", "10.1.2.128", "192.168.0.0"}
		a := netip.MustParseAddr(bases[g.pick(len(bases))])
		lens := []int{0, 8, 16, 16, 20, 24, 24, 25, 30, 32, g.pick(33), g.pick(33)}
		return netip.PrefixFrom(a, lens[g.pick(len(lens))]).Masked()
	}
	bases := []string{"::", "2001:db8::", "2001:db8:1::", "2001:db8:1:2::", "fe80::"}
	a := netip.MustParseAddr(bases[g.pick(len(bases))])
	lens := []int{0, 32, 48, 48, 64, 64, 128, g.pick(129)}
	return netip.PrefixFrom(a, lens[g.pick(len(lens))]).Masked()
}

func (g gen) hop(is4 bool) Nexthop {
	gws4 := []string{"", "10.0.0.1", "10.0.0.2", "10.0.0.3"}
	gws6 := []string{"", "fe80::1", "fe80::2", "fe80::3", "2001:db8::1"}
	var h Nexthop
	if is4 {
		if s := gws4[g.pick(len(gws4))]; s != "" {
			h.Gateway = netip.MustParseAddr(s)
		}
	} else if s := gws6[g.pick(len(gws6))]; s != "" {
		h.Gateway = netip.MustParseAddr(s)
	}
	h.Dev = 1 + g.pick(4)
	h.Weight = uint16(g.pick(4))
	h.Dead = g.pick(6) == 0
	h.Onlink = g.pick(10) == 0
	return h
}

func (g gen) route(is4 bool) Route {
	r := Route{Prefix: g.prefix(is4), Type: TypeUnicast, Proto: []Proto{ProtoBoot, ProtoStatic, ProtoKernel}[g.pick(3)]}
	if g.pick(3) == 0 {
		r.Type = Type(1 + g.pick(int(TypeThrow)))
	}
	r.Scope = []Scope{ScopeUniverse, ScopeUniverse, ScopeSite, ScopeLink, ScopeHost}[g.pick(5)]
	if is4 {
		r.Tos = []uint8{0, 0, 0x10, 0x08}[g.pick(4)]
		r.Metric = []uint32{0, 0, 10, 20}[g.pick(4)]
	} else {
		r.Metric = []uint32{1024, 1024, 1024, 256, 10}[g.pick(5)]
	}
	if g.pick(3) == 0 {
		r.Src = []netip.Addr{netip.MustParseAddr("10.0.0.9"), netip.MustParseAddr("2001:db8::9")}[g.pick(2)]
	}
	switch {
	case r.Type.IsError():
	case g.pick(6) == 0:
		r.NHID = uint32(1 + g.pick(4))
	default:
		n := 1
		if g.pick(3) == 0 {
			n = 2 + g.pick(2)
		}
		for range n {
			r.Nexthops = append(r.Nexthops, g.hop(is4))
		}
	}
	return r
}

// selector derives a delete selector from a route, blanking fields and
// taking some from another route.
func (g gen) selector(r Route) Route {
	if g.pick(4) == 0 {
		o := g.route(r.Prefix.Addr().Is4())
		r.Type, r.Proto, r.Scope, r.Metric, r.Src = o.Type, o.Proto, o.Scope, o.Metric, o.Src
	}
	s := Route{Prefix: r.Prefix, Tos: r.Tos, Scope: ScopeNowhere}
	if g.pick(2) == 0 {
		s.Type = r.Type
	}
	if g.pick(2) == 0 {
		s.Proto = r.Proto
	}
	if g.pick(3) == 0 {
		s.Scope = r.Scope
	}
	if g.pick(2) == 0 {
		s.Metric = r.Metric
	}
	if g.pick(3) == 0 {
		s.Src = r.Src
	}
	if g.pick(3) == 0 {
		s.NHID = r.NHID
	}
	for _, h := range r.Nexthops {
		switch g.pick(4) {
		case 0:
			s.Nexthops = append(s.Nexthops, Nexthop{Dev: h.Dev})
		case 1:
			s.Nexthops = append(s.Nexthops, Nexthop{Gateway: h.Gateway})
		case 2:
			s.Nexthops = append(s.Nexthops, Nexthop{Gateway: h.Gateway, Dev: h.Dev})
		}
	}
	return s
}

func (g gen) query(m *refTable) Query {
	q := Query{Hash: g.r.Uint32(), Objects: testObjects}
	p := g.prefix(g.pick(2) == 0)
	if len(m.rs) > 0 && g.pick(4) != 0 {
		p = m.rs[g.pick(len(m.rs))].Prefix
	}
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		if g.pick(2) == 0 {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	q.Dst, _ = netip.AddrFromSlice(b)
	if g.pick(2) == 0 {
		q.Oif = 1 + g.pick(4)
	}
	q.Tos = []uint8{0, 0x10, 0x08, 0x04}[g.pick(4)]
	q.Scope = []Scope{ScopeUniverse, ScopeUniverse, ScopeLink, ScopeHost}[g.pick(4)]
	return q
}

func sameRoutes(a, b []Route) bool {
	return slices.EqualFunc(a, b, func(x, y Route) bool {
		return x.Table == y.Table && x.Prefix == y.Prefix && x.Type == y.Type && x.Proto == y.Proto &&
			x.Scope == y.Scope && x.Metric == y.Metric && x.Tos == y.Tos && x.Src == y.Src &&
			x.NHID == y.NHID && slices.Equal(x.Nexthops, y.Nexthops)
	})
}
