package fib

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/rterr"
)

// refTable is the slow reference the Table is checked against: one flat
// list of routes, scanned in full for every operation and lookup, written
// straight from the kernel functions without the table's compact storage,
// pools, trie or precomputed bounds. Routes of one prefix keep their
// kernel order as their order in the list. IPv6 routes carry at most one
// nexthop each: one per fib6_info.
type refTable struct {
	id TableID
	rs []Route
}

// of returns the list indexes of p's routes, in order.
func (m *refTable) of(p netip.Prefix) []int {
	var idx []int
	for i, r := range m.rs {
		if r.Prefix == p {
			idx = append(idx, i)
		}
	}
	return idx
}

// insert puts r in position k among the routes of its prefix.
func (m *refTable) insert(k int, r Route) {
	idx := m.of(r.Prefix)
	at := len(m.rs)
	if k < len(idx) {
		at = idx[k]
	} else if len(idx) > 0 {
		at = idx[len(idx)-1] + 1
	}
	m.rs = slices.Insert(m.rs, at, r)
}

func refErr(errno syscall.Errno, msg string) error { return rterr.New(errno, msg) }

// refSameHops compares nexthops as nh_comp does: Dead ignored, weight 0
// is 1.
func refSameHops(a, b []Nexthop) bool {
	return slices.EqualFunc(a, b, func(x, y Nexthop) bool {
		return x.Gateway == y.Gateway && x.Dev == y.Dev && x.Onlink == y.Onlink && weight(x) == weight(y)
	})
}

// add4 is fib_table_insert.
func (m *refTable) add4(r Route, op Op) error {
	idx := m.of(r.Prefix)
	pos := len(idx)
	for k, i := range idx {
		if x := m.rs[i]; x.Tos < r.Tos || x.Tos == r.Tos && x.Metric >= r.Metric {
			pos = k
			break
		}
	}
	var key []int // positions of routes with r's (tos, metric)
	for k := pos; k < len(idx) && m.rs[idx[k]].Tos == r.Tos && m.rs[idx[k]].Metric == r.Metric; k++ {
		key = append(key, k)
	}
	if len(key) == 0 {
		if op == OpChange {
			return refErr(syscall.ENOENT, "")
		}
		m.insert(pos, r)
		return nil
	}
	if op == OpAdd {
		return refErr(syscall.EEXIST, "")
	}
	match := -1
	for _, k := range key {
		x := m.rs[idx[k]]
		if x.Type == r.Type && x.Proto == r.Proto && x.Scope == r.Scope && x.Src == r.Src &&
			x.NHID == r.NHID && refSameHops(x.Nexthops, r.Nexthops) {
			match = k
			break
		}
	}
	switch {
	case (op == OpReplace || op == OpChange) && match == key[0]:
		return nil
	case match >= 0:
		return refErr(syscall.EEXIST, "")
	case op == OpReplace || op == OpChange:
		m.rs[idx[key[0]]] = r
	case op == OpAppend:
		m.insert(key[len(key)-1]+1, r)
	default:
		m.insert(key[0], r)
	}
	return nil
}

// del4 is fib_table_delete with fib_nh_match.
func (m *refTable) del4(sel Route) (Route, error) {
	for _, i := range m.of(sel.Prefix) {
		x := m.rs[i]
		if x.Tos != sel.Tos ||
			sel.Type != 0 && x.Type != sel.Type ||
			sel.Scope != ScopeNowhere && x.Scope != sel.Scope ||
			sel.Src.IsValid() && x.Src != sel.Src ||
			sel.Proto != 0 && x.Proto != sel.Proto ||
			sel.Metric != 0 && x.Metric != sel.Metric ||
			!refNHMatch4(x, sel) {
			continue
		}
		m.rs = slices.Delete(m.rs, i, i+1)
		return x, nil
	}
	return Route{}, refErr(syscall.ESRCH, "")
}

func refNHMatch4(x, sel Route) bool {
	if sel.NHID != 0 {
		return x.NHID == sel.NHID
	}
	hops := x.Nexthops
	if len(hops) == 0 {
		hops = []Nexthop{{}}
	}
	same := func(h, s Nexthop) bool {
		return (s.Dev == 0 || s.Dev == h.Dev) && (!s.Gateway.IsValid() || s.Gateway == h.Gateway)
	}
	switch {
	case len(sel.Nexthops) == 0, len(sel.Nexthops) == 1 && sel.Nexthops[0].Dev == 0 && !sel.Nexthops[0].Gateway.IsValid():
		return true
	case x.NHID != 0:
		return false
	case len(sel.Nexthops) == 1:
		return same(hops[0], sel.Nexthops[0])
	case len(hops) > len(sel.Nexthops):
		return false
	}
	for i := range hops {
		if !same(hops[i], sel.Nexthops[i]) {
			return false
		}
	}
	return true
}

// ecmp is rt6_qualify_for_ecmp.
func refECMP(r Route) bool {
	return r.NHID == 0 && len(r.Nexthops) == 1 && r.Nexthops[0].Gateway.IsValid()
}

// refHop returns an IPv6 route's nexthop, the loopback for a reject route.
func refHop(r Route) Nexthop {
	var h Nexthop
	if len(r.Nexthops) > 0 {
		h = r.Nexthops[0]
	}
	if r.Type.IsError() {
		h.Dev = 1
	}
	return h
}

// add6 is inet6_rtm_newroute: ip6_route_add or ip6_route_multipath_add.
func (m *refTable) add6(r Route, op Op) error {
	if len(r.Nexthops) <= 1 {
		return m.add6One(r, op)
	}
	var one []Route
	for _, h := range r.Nexthops {
		x := r
		x.Nexthops = []Nexthop{h}
		if !refECMP(x) {
			return refErr(syscall.EINVAL, "Device only routes can not be added for IPv6 using the multipath API")
		}
		for _, y := range one {
			if refHop(y).Dev == h.Dev && refHop(y).Gateway == h.Gateway {
				return refErr(syscall.EEXIST, "")
			}
		}
		one = append(one, x)
	}
	saved := slices.Clone(m.rs)
	for i, x := range one {
		o := op
		if i > 0 {
			o = OpPrepend
		}
		if err := m.add6One(x, o); err != nil {
			m.rs = saved
			return err
		}
	}
	return nil
}

// add6One is fib6_add_rt2node.
func (m *refTable) add6One(r Route, op Op) error {
	idx := m.of(r.Prefix)
	end := 0 // position after the last route with a metric no higher
	var same []int
	for k, i := range idx {
		if m.rs[i].Metric <= r.Metric {
			end = k + 1
		}
		if m.rs[i].Metric == r.Metric {
			same = append(same, k)
		}
	}
	if len(same) > 0 && op == OpAdd {
		return refErr(syscall.EEXIST, "")
	}
	if op != OpReplace && op != OpChange {
		for _, k := range same {
			x := m.rs[idx[k]]
			if x.NHID != 0 || r.NHID != 0 {
				if x.NHID == r.NHID {
					return refErr(syscall.EEXIST, "")
				}
			} else if refHop(x).Dev == refHop(r).Dev && refHop(x).Gateway == refHop(r).Gateway {
				return refErr(syscall.EEXIST, "")
			}
		}
		m.insert(end, r)
		return nil
	}
	if len(same) == 0 {
		if op == OpChange {
			return refErr(syscall.ENOENT, "")
		}
		m.insert(end, r)
		return nil
	}
	target := same[0]
	for _, k := range same {
		if refECMP(m.rs[idx[k]]) == refECMP(r) {
			target = k
			break
		}
	}
	old := m.rs[idx[target]]
	siblings := 0
	for _, k := range same {
		if refECMP(m.rs[idx[k]]) {
			siblings++
		}
	}
	m.rs[idx[target]] = r
	if refECMP(old) && siblings > 1 {
		for _, k := range slices.Backward(same) {
			if k != target && refECMP(m.rs[idx[k]]) {
				m.rs = slices.Delete(m.rs, idx[k], idx[k]+1)
			}
		}
	}
	return nil
}

// del6 is inet6_rtm_delroute.
func (m *refTable) del6(sel Route) (Route, error) {
	if len(sel.Nexthops) <= 1 {
		var h Nexthop
		if len(sel.Nexthops) == 1 {
			h = sel.Nexthops[0]
		}
		return m.del6One(sel, h, true)
	}
	var gone Route
	var last error
	for _, h := range sel.Nexthops {
		g, err := m.del6One(sel, h, false)
		if err != nil {
			last = err
		} else if !gone.Prefix.IsValid() {
			gone = g
		} else {
			gone.Nexthops = append(gone.Nexthops, g.Nexthops...)
		}
	}
	return gone, last
}

// del6One is ip6_route_del.
func (m *refTable) del6One(sel Route, h Nexthop, all bool) (Route, error) {
	idx := m.of(sel.Prefix)
	for k, i := range idx {
		x := m.rs[i]
		if x.NHID != 0 && sel.NHID != 0 && x.NHID != sel.NHID ||
			sel.Metric != 0 && x.Metric != sel.Metric || sel.Proto != 0 && x.Proto != sel.Proto {
			continue
		}
		if x.NHID == 0 && (sel.NHID != 0 || h.Dev != 0 && refHop(x).Dev != h.Dev ||
			h.Gateway.IsValid() && refHop(x).Gateway != h.Gateway) {
			continue
		}
		if x.NHID != 0 || h.Gateway.IsValid() || !all || !refECMP(x) {
			m.rs = slices.Delete(m.rs, i, i+1)
			return x, nil
		}
		gone := x
		rot := append(slices.Clone(idx[k+1:]), idx[:k]...)
		for _, j := range rot {
			if y := m.rs[j]; y.Metric == x.Metric && refECMP(y) {
				gone.Nexthops = append(gone.Nexthops, y.Nexthops...)
			}
		}
		m.rs = slices.DeleteFunc(m.rs, func(y Route) bool {
			return y.Prefix == x.Prefix && y.Metric == x.Metric && refECMP(y)
		})
		return gone, nil
	}
	return Route{}, refErr(syscall.ESRCH, "")
}
