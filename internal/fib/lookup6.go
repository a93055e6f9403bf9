package fib

import "net/netip"

// IPv6 lookups follow net/ipv6/route.c (ip6_pol_route: fib6_table_lookup,
// then fib6_select_path) where it differs from IPv4:
//
//   - rt6_select/find_rr_leaf scan the routes of the first metric, and only
//     when none of them qualifies, all the remaining routes; a route
//     qualifies when its nexthop is not dead and, under strict oif
//     matching, goes through the oif (rt6_score_route). Without router
//     preferences or neighbour checks (a forwarding router's lookup) every
//     qualifying route scores the same, so the first wins.
//   - A route with a blackhole nexthop object answers as soon as the scan
//     reaches it, even after another route qualified (__find_rr_leaf).
//   - A reject route's nexthop is the loopback device, so a strict oif
//     lookup passes over it unless the oif is loopback.
//   - A prefix where nothing qualifies backtracks to the next shorter one
//     (fib6_backtrack); there is no same-key skip as in IPv4.
//   - tos and scope play no part.
//   - Multipath routes are ECMP siblings; fib6_select_path keeps the
//     matched route when the hash is within its bound, else takes the first
//     sibling after it whose bound covers the hash, unless that sibling
//     fails the oif. route.c compares the
//     unsigned hash with a dead sibling's bound of -1 as unsigned and so
//     would take a dead sibling; govrf skips dead siblings, as IPv4 does.

// match6 is rt6_select and fib6_select_path on the routes of one prefix.
func (t *Table) match6(p netip.Prefix, e *entry, q *Query, res *Result) outcome {
	end := 1
	for end < e.len() && e.at(end).metric == e.first.metric {
		end++
	}
	i, nh, blackhole := t.scan6(e, 0, end, q)
	if i < 0 && !blackhole && end < e.len() {
		i, nh, blackhole = t.scan6(e, end, e.len(), q)
	}
	if i < 0 {
		return next
	}
	r := e.at(i)
	switch {
	case blackhole:
		t.fill(res, p, r)
		res.Type = TypeBlackhole
	case r.typ.IsError():
		t.fill(res, p, r)
	case t.paths[r.paths].nhid != 0:
		t.fill(res, p, r)
		res.Nexthop, res.Paths = nh, 1
	default:
		j, n := t.selectSibling(e, i, q)
		t.fill(res, p, e.at(j))
		res.Nexthop, res.Paths = t.paths[e.at(j).paths].nexthops()[0], n
	}
	res.SameMetric = sameMetric(e, r.metric)
	return hit
}

// sameMetric counts the routes of e whose metric is metric.
func sameMetric(e *entry, metric uint32) int {
	n := 0
	for j := range e.len() {
		if e.at(j).metric == metric {
			n++
		}
	}
	return n
}

// scan6 is __find_rr_leaf over routes [from, to) of e: the first route
// that qualifies, with the path of its nexthop object, or the first route
// with a blackhole object, which ends the scan. i is -1 when none
// qualifies.
func (t *Table) scan6(e *entry, from, to int, q *Query) (i int, nh Nexthop, blackhole bool) {
	i = -1
	for j := from; j < to; j++ {
		r := e.at(j)
		ps := &t.paths[r.paths]
		if ps.nhid == 0 {
			if i < 0 && t.usable6(r, q.Oif) {
				i, nh = j, Nexthop{}
			}
			continue
		}
		if q.Objects == nil {
			continue
		}
		h, typ, ok := q.Objects.Resolve(ps.nhid, uint32(q.hash31()), q.Oif)
		if typ == TypeBlackhole {
			return j, Nexthop{}, true
		}
		if ok && i < 0 {
			i, nh = j, h
		}
	}
	return i, nh, false
}

// usable6 is find_match for a route's own nexthop: not dead, and through
// oif when one is given (strict: RT6_LOOKUP_F_IFACE).
func (t *Table) usable6(r *rec, oif int) bool {
	return !t.paths[r.paths].nexthops()[0].Dead && (oif == 0 || t.dev6(r) == oif)
}

// selectSibling is fib6_select_path for route i of e: it returns the
// route carrying the flow and the number of siblings in the group.
func (t *Table) selectSibling(e *entry, i int, q *Query) (sel, n int) {
	m := e.at(i).metric
	if !t.ecmp6(e.at(i)) {
		return i, 1
	}
	var total uint64
	for j := range e.len() {
		if r := e.at(j); r.metric == m && t.ecmp6(r) {
			n++
			if h := t.hops(r)[0]; !h.Dead {
				total += uint64(weight(h))
			}
		}
	}
	if n < 2 {
		return i, n
	}
	// Siblings before the match cannot carry the flow: they are dead, or
	// fail the oif, so the kernel's wrap-around search stops on them.
	hash := q.hash31()
	var w uint64
	mine, after := int32(-1), -1
	for j := range e.len() {
		r := e.at(j)
		if r.metric != m || !t.ecmp6(r) {
			continue
		}
		h := t.hops(r)[0]
		if h.Dead {
			continue
		}
		w += uint64(weight(h))
		switch b := upperBound(w, total); {
		case j == i:
			mine = b
		case j > i && hash <= b && after < 0:
			after = j
		}
	}
	if hash <= mine || after < 0 || q.Oif != 0 && t.dev6(e.at(after)) != q.Oif {
		return i, n
	}
	return after, n
}
