package fib

import (
	"cmp"
	"net/netip"
	"slices"
)

// dumpOrder sorts prefixes as the kernel's dumps list them: IPv4 by
// address, longest first among equal addresses; IPv6 in post-order, by the
// last address covered, longest first among equal ones.
func dumpOrder(a, b netip.Prefix) int {
	if a.Addr().Is4() != b.Addr().Is4() {
		if a.Addr().Is4() {
			return -1
		}
		return 1
	}
	ka, kb := a.Addr(), b.Addr()
	if !a.Addr().Is4() {
		ka, kb = lastAddr(a), lastAddr(b)
	}
	return cmp.Or(ka.Compare(kb), cmp.Compare(b.Bits(), a.Bits()))
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	for i := p.Bits(); i < 128; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom16(b)
}

// view returns the routes as `ip route` shows them, IPv6 siblings merged.
func (m *refTable) view() []Route {
	var ps []netip.Prefix
	for _, r := range m.rs {
		if !slices.Contains(ps, r.Prefix) {
			ps = append(ps, r.Prefix)
		}
	}
	slices.SortFunc(ps, dumpOrder)
	var out []Route
	for _, p := range ps {
		var group []Route
		for _, i := range m.of(p) {
			group = append(group, m.rs[i])
		}
		for k, x := range group {
			x.Table = m.id
			x.Nexthops = slices.Clone(x.Nexthops)
			if p.Addr().Is4() || !refECMP(x) {
				out = append(out, x)
				continue
			}
			if slices.ContainsFunc(group[:k], func(y Route) bool { return y.Metric == x.Metric && refECMP(y) }) {
				continue
			}
			for _, y := range group[k+1:] {
				if y.Metric == x.Metric && refECMP(y) {
					x.Nexthops = append(x.Nexthops, y.Nexthops...)
				}
			}
			out = append(out, x)
		}
	}
	return out
}

// setDevDead marks nexthops through dev and counts the routes of the view
// whose liveness changed.
func (m *refTable) setDevDead(dev int, dead bool) int {
	before := m.live()
	for i := range m.rs {
		r := &m.rs[i]
		if r.Prefix.Addr().Is4() && r.Scope == ScopeHost {
			continue
		}
		r.Nexthops = slices.Clone(r.Nexthops)
		for j := range r.Nexthops {
			if r.Nexthops[j].Dev == dev {
				r.Nexthops[j].Dead = dead
			}
		}
	}
	after := m.live()
	if after > before {
		return after - before
	}
	return before - after
}

// live counts the routes of the view with a live nexthop.
func (m *refTable) live() int {
	n := 0
	for _, r := range m.view() {
		if slices.ContainsFunc(r.Nexthops, func(h Nexthop) bool { return !h.Dead }) {
			n++
		}
	}
	return n
}

// deleteFunc removes routes (IPv6: one nexthop each) in dump order.
func (m *refTable) deleteFunc(del func(*Route) bool) []Route {
	var out []Route
	order := slices.Clone(m.rs)
	slices.SortStableFunc(order, func(a, b Route) int { return dumpOrder(a.Prefix, b.Prefix) })
	for _, r := range order {
		r.Table = m.id
		x := r
		x.Nexthops = slices.Clone(r.Nexthops)
		if del(&x) {
			out = append(out, x)
			i := slices.IndexFunc(m.rs, func(y Route) bool { return sameRef(y, r) })
			m.rs = slices.Delete(m.rs, i, i+1)
		}
	}
	return out
}

// sameRef reports whether two reference routes are the same entry.
func sameRef(a, b Route) bool {
	return a.Prefix == b.Prefix && a.Type == b.Type && a.Proto == b.Proto && a.Scope == b.Scope &&
		a.Metric == b.Metric && a.Tos == b.Tos && a.Src == b.Src && a.NHID == b.NHID &&
		slices.Equal(a.Nexthops, b.Nexthops)
}
