package fib

import (
	"net/netip"
	"slices"
)

// IPv4 routes of one prefix are the kernel's fib_alias list: ordered by
// tos descending, then priority (metric) ascending, and within one
// (tos, priority) key by the order of insertion as the netlink flags place
// it (net/ipv4/fib_trie.c fib_find_alias, fib_table_insert).

// findAlias4 returns where routes with key (tos, metric) start, or would
// be inserted: the first route with a lower tos, or the same tos and a
// metric at least as high (fib_find_alias).
func findAlias4(rs []rec, tos uint8, metric uint32) int {
	for i := range rs {
		if rs[i].tos < tos || rs[i].tos == tos && rs[i].metric >= metric {
			return i
		}
	}
	return len(rs)
}

// add4 inserts r into rs as fib_table_insert does. It returns the new
// routes, or nil when nothing changes.
func (t *Table) add4(rs []rec, r *Route, f nlFlags) ([]rec, error) {
	nr := t.record(r, r.Nexthops)
	i := findAlias4(rs, nr.tos, nr.metric)
	if i < len(rs) && rs[i].tos == nr.tos && rs[i].metric == nr.metric {
		if f&fExcl != 0 {
			return nil, errExist()
		}
		// Among the routes of this key, look for one equal to r (same
		// type and fib_info) and for the end of the key.
		first, match := i, -1
		for ; i < len(rs) && rs[i].tos == nr.tos && rs[i].metric == nr.metric; i++ {
			if t.same4(&rs[i], &nr) {
				match = i
				break
			}
		}
		if f&fReplace != 0 {
			switch match {
			case first:
				return nil, nil
			case -1:
				rs[first] = nr
				return rs, nil
			}
			return nil, errExist()
		}
		if match >= 0 {
			return nil, errExist()
		}
		if f&fAppend == 0 {
			i = first
		}
	}
	if f&fCreate == 0 {
		return nil, errNoEntry()
	}
	return slices.Insert(rs, i, nr), nil
}

// same4 reports whether two routes of one key are the same route: type
// and fib_info equal (fib_find_info: protocol, scope, prefsrc, priority,
// type, and nexthops compared by nh_comp, which ignores RTNH_F_DEAD).
func (t *Table) same4(a, b *rec) bool {
	return a.typ == b.typ && a.proto == b.proto && a.scope == b.scope &&
		a.metric == b.metric && a.src == b.src &&
		t.paths[a.paths].base == t.paths[b.paths].base
}

// delete4 removes the first route of rs matching sel, as fib_table_delete
// does: the routes with sel's tos, in order, filtered by type, scope,
// prefsrc, protocol and fib_nh_match.
func (t *Table) delete4(p netip.Prefix, rs []rec, sel *Route) ([]rec, Route, error) {
	for i := findAlias4(rs, sel.Tos, 0); i < len(rs) && rs[i].tos == sel.Tos; i++ {
		r := &rs[i]
		if sel.Type != TypeUnspec && r.typ != sel.Type ||
			sel.Scope != ScopeNowhere && r.scope != sel.Scope ||
			sel.Src.IsValid() && t.addrs[r.srcIx()] != sel.Src ||
			sel.Proto != ProtoUnspec && r.proto != sel.Proto ||
			!t.nhMatch4(r, sel) {
			continue
		}
		gone := t.route(p, r, true)
		return slices.Delete(rs, i, i+1), gone, nil
	}
	return rs, Route{}, errNoRoute()
}

// nhMatch4 is fib_nh_match: a zero metric matches any; an nhid must be
// the route's; a single nexthop is compared with the route's first (device
// and gateway where given); several are compared in order with the route's
// nexthops, of which there must be no more than sel gives. Weights are not
// compared.
func (t *Table) nhMatch4(r *rec, sel *Route) bool {
	if sel.Metric != 0 && sel.Metric != r.metric {
		return false
	}
	ps := &t.paths[r.paths]
	if sel.NHID != 0 {
		return ps.nhid == sel.NHID
	}
	given := len(sel.Nexthops) > 1 ||
		len(sel.Nexthops) == 1 && (sel.Nexthops[0].Dev != 0 || sel.Nexthops[0].Gateway.IsValid())
	if ps.nhid != 0 {
		return !given
	}
	hops := ps.nexthops()
	switch {
	case !given:
		return true
	case len(sel.Nexthops) == 1:
		return hopMatch(hops[0], sel.Nexthops[0])
	case len(hops) > len(sel.Nexthops):
		return false
	}
	for i, h := range hops {
		if !hopMatch(h, sel.Nexthops[i]) {
			return false
		}
	}
	return true
}

// hopMatch compares a route's nexthop with a selector's: device and
// gateway where the selector gives them.
func hopMatch(h, sel Nexthop) bool {
	return (sel.Dev == 0 || sel.Dev == h.Dev) &&
		(!sel.Gateway.IsValid() || sel.Gateway == h.Gateway)
}
