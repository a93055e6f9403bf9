package fib

import "net/netip"

// outcome is what the routes of one prefix say about a lookup.
type outcome uint8

const (
	// next: no route of the prefix qualifies; try the next shorter one.
	next outcome = iota
	// missKey: a route with a nexthop object had no usable path. The
	// kernel then leaves the trie leaf (fib_table_lookup's "goto miss"),
	// which holds every prefix with this network address, so shorter
	// prefixes with the same address are skipped too.
	missKey
	// hit: the result is set.
	hit
)

// match runs the per-prefix step of the lookup for the family of p.
func (t *Table) match(p netip.Prefix, e *entry, q *Query, res *Result) outcome {
	if p.Addr().Is4() {
		return t.match4(p, e, q, res)
	}
	return t.match6(p, e, q, res)
}

// match4 is step 3 of fib_table_lookup, then fib_select_path: the
// prefix's routes in order; skip a tos mismatch and a scope narrower than
// the query's; an error type answers at once; otherwise the first live
// nexthop, through q.Oif if given, selects the route, and without an oif
// a multipath route picks its path by the flow hash.
func (t *Table) match4(p netip.Prefix, e *entry, q *Query, res *Result) outcome {
	for i := range e.len() {
		r := e.at(i)
		if r.tos != 0 && r.tos != q.Tos || r.scope < q.Scope {
			continue
		}
		if r.typ.IsError() {
			t.fill(res, p, r)
			return hit
		}
		ps := &t.paths[r.paths]
		if ps.nhid != 0 {
			return t.resolve(p, r, q, res)
		}
		hops := ps.nexthops()
		sel := -1
		for j := range hops {
			if !hops[j].Dead && (q.Oif == 0 || hops[j].Dev == q.Oif) {
				sel = j
				break
			}
		}
		if sel < 0 {
			continue
		}
		if q.Oif == 0 && ps.bound != nil {
			sel = q.pickPath4(ps.bound, hops, r.scope, sel)
		}
		t.fill(res, p, r)
		res.Nexthop = hops[sel]
		res.Paths = len(ps.hops)
		return hit
	}
	return next
}

// resolve answers for a route with a nexthop object: a blackhole object
// rejects (fib_props[RTN_BLACKHOLE]); an object without a usable path is
// a miss for the whole key; a lookup without objects cannot use the route.
func (t *Table) resolve(p netip.Prefix, r *rec, q *Query, res *Result) outcome {
	if q.Objects == nil {
		return missKey
	}
	nh, typ, ok := q.Objects.Resolve(t.paths[r.paths].nhid, uint32(q.hash31()), q.Oif)
	if typ == TypeBlackhole {
		t.fill(res, p, r)
		res.Type = TypeBlackhole
		return hit
	}
	if !ok {
		return missKey
	}
	t.fill(res, p, r)
	res.Nexthop = nh
	res.Paths = 1
	return hit
}

// fill sets res to route r of prefix p, without a path.
func (t *Table) fill(res *Result, p netip.Prefix, r *rec) {
	*res = Result{Prefix: p, Type: r.typ, Proto: r.proto, Scope: r.scope,
		Metric: r.metric, Tos: r.tos, Src: t.addrs[r.srcIx()], NHID: t.paths[r.paths].nhid}
}
