package fib

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/rterr"
)

// IPv6 routes of one prefix are the fib6_node's chain of fib6_info, one
// per nexthop: by metric ascending, and within a metric in insertion order,
// since fib6_add_rt2node always inserts behind the routes of its metric
// (NLM_F_APPEND changes nothing, so prepend appends too). Routes of one
// metric that qualify for ECMP (rt6_qualify_for_ecmp: a gateway and no
// nexthop object) are siblings, which `ip -6 route` shows as one multipath
// route. Routes learned from router advertisements (RTF_ADDRCONF), which
// never join siblings, are not modelled.

// loopbackDev is the loopback link's index (1 on Linux): IPv6 reject
// routes have it as their nexthop device (ip6_route_info_create), which
// matters to strict oif matching and to deletion by device.
const loopbackDev = 1

// ecmp6 reports whether r qualifies for ECMP.
func (t *Table) ecmp6(r *rec) bool {
	ps := &t.paths[r.paths]
	return ps.nhid == 0 && len(ps.hops) == 1 && ps.hops[0].Gateway.IsValid()
}

// dev6 returns the device of r's nexthop.
func (t *Table) dev6(r *rec) int {
	if r.typ.IsError() {
		return loopbackDev
	}
	return t.paths[r.paths].nexthops()[0].Dev
}

// gw6 returns the gateway of r's nexthop, invalid when it has none.
func (t *Table) gw6(r *rec) netip.Addr { return t.paths[r.paths].nexthops()[0].Gateway }

// dup6 is rt6_duplicate_nexthop: the same nexthop object, or the same
// device and gateway.
func (t *Table) dup6(a, b *rec) bool {
	na, nb := t.paths[a.paths].nhid, t.paths[b.paths].nhid
	if na != 0 || nb != 0 {
		return na == nb
	}
	return t.dev6(a) == t.dev6(b) && t.gw6(a) == t.gw6(b)
}

// add6 inserts r as ip6_route_add does, or, with several nexthops, as
// ip6_route_multipath_add: one route per nexthop, each of which must have
// a gateway, the first with op's flags and the others as plain creates,
// so that they join the first as siblings.
func (t *Table) add6(rs []rec, r *Route, f nlFlags) ([]rec, error) {
	if len(r.Nexthops) <= 1 {
		return t.add6One(rs, t.record(r, r.Nexthops), f)
	}
	nrs := make([]rec, len(r.Nexthops))
	for i := range r.Nexthops {
		nrs[i] = t.record(r, r.Nexthops[i:i+1])
		if !t.ecmp6(&nrs[i]) {
			return nil, rterr.New(syscall.EINVAL,
				"Device only routes can not be added for IPv6 using the multipath API")
		}
		for j := range i {
			if t.dup6(&nrs[j], &nrs[i]) {
				return nil, errExist() // ip6_route_info_append
			}
		}
	}
	var err error
	for _, nr := range nrs {
		// On a failure the kernel deletes the nexthops it added
		// (add_errout), leaving the table as it was: dropping rs does
		// that. A replace cannot fail after its first nexthop, which
		// removed the old siblings: no route of the metric is left with
		// a gateway to collide with.
		if rs, err = t.add6One(rs, nr, f); err != nil {
			return nil, err
		}
		f = f&^(fExcl|fReplace) | fCreate
	}
	return rs, nil
}

// add6One inserts one route as fib6_add_rt2node does.
func (t *Table) add6One(rs []rec, nr rec, f nlFlags) ([]rec, error) {
	canECMP := t.ecmp6(&nr)
	ins, found, fallback := 0, -1, -1
	for i := range rs {
		it := &rs[i]
		if it.metric == nr.metric {
			if f&fExcl != 0 {
				return nil, errExist()
			}
			if f&fReplace != 0 {
				// Replace the first route of the metric that is as
				// ECMP-capable as the new one, else the first.
				if canECMP == t.ecmp6(it) {
					found = i
					break
				}
				if fallback < 0 {
					fallback = i
				}
				ins = i + 1
				continue
			}
			if t.dup6(it, &nr) {
				return nil, errExist()
			}
		}
		if it.metric > nr.metric {
			break
		}
		ins = i + 1
	}
	if found < 0 {
		found = fallback
	}
	if f&fReplace == 0 || found < 0 {
		if f&fCreate == 0 {
			return nil, errNoEntry()
		}
		return slices.Insert(rs, ins, nr), nil
	}
	// Replacing one of several siblings replaces them all.
	dropSiblings := t.ecmp6(&rs[found]) && t.siblings(rs, found) > 0
	rs[found] = nr
	if !dropSiblings {
		return rs, nil
	}
	out := rs[:found+1]
	for _, r := range rs[found+1:] {
		if r.metric != nr.metric || !t.ecmp6(&r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// siblings counts the ECMP routes other than rs[i] with its metric.
func (t *Table) siblings(rs []rec, i int) int {
	n := 0
	for j := range rs {
		if j != i && rs[j].metric == rs[i].metric && t.ecmp6(&rs[j]) {
			n++
		}
	}
	return n
}

// delete6 removes routes as inet6_rtm_delroute does: ip6_route_del for a
// selector with at most one nexthop, removing the matched route's
// siblings too unless a gateway was given; ip6_route_multipath_del, one
// ip6_route_del per nexthop, otherwise. gone merges what was removed.
func (t *Table) delete6(p netip.Prefix, rs []rec, sel *Route) ([]rec, Route, error) {
	if len(sel.Nexthops) <= 1 {
		var h Nexthop
		if len(sel.Nexthops) == 1 {
			h = sel.Nexthops[0]
		}
		return t.delete6One(p, rs, sel, h, true)
	}
	var gone Route
	var last error
	for _, h := range sel.Nexthops {
		var g Route
		var err error
		if rs, g, err = t.delete6One(p, rs, sel, h, false); err != nil {
			last = err
			continue
		}
		if gone.Prefix.IsValid() {
			gone.Nexthops = append(gone.Nexthops, g.Nexthops...)
		} else {
			gone = g
		}
	}
	return rs, gone, last
}

// delete6One is ip6_route_del: the first route passing the nhid, metric,
// protocol, device and gateway filters goes; with all and no gateway,
// its siblings go with it (fc_delete_all_nh). Type, scope and prefsrc
// are not compared.
func (t *Table) delete6One(p netip.Prefix, rs []rec, sel *Route, h Nexthop, all bool) ([]rec, Route, error) {
	for i := range rs {
		r := &rs[i]
		nhid := t.paths[r.paths].nhid
		if nhid != 0 && sel.NHID != 0 && nhid != sel.NHID ||
			sel.Metric != 0 && sel.Metric != r.metric ||
			sel.Proto != ProtoUnspec && sel.Proto != r.proto {
			continue
		}
		if nhid == 0 && (sel.NHID != 0 ||
			h.Dev != 0 && t.dev6(r) != h.Dev ||
			h.Gateway.IsValid() && t.gw6(r) != h.Gateway) {
			continue
		}
		gone := t.route(p, r, true)
		if nhid != 0 || h.Gateway.IsValid() || !all || !t.ecmp6(r) {
			return slices.Delete(rs, i, i+1), gone, nil
		}
		// The route and its siblings, listed from the matched one on as
		// rt6_fill_node reports them.
		order := append(slices.Clone(rs[i+1:]), rs[:i]...)
		for j := range order {
			if order[j].metric == r.metric && t.ecmp6(&order[j]) {
				gone.Nexthops = append(gone.Nexthops, t.hops(&order[j])...)
			}
		}
		m := r.metric
		return slices.DeleteFunc(rs, func(x rec) bool { return x.metric == m && t.ecmp6(&x) }), gone, nil
	}
	return rs, Route{}, errNoRoute()
}
