package fib

import "net/netip"

// SetDevDead marks every nexthop through link dev dead (dead true) or
// alive again (false), as fib_sync_down_dev and fib_sync_up do when a link
// goes down or comes up (rt6_sync_down_dev and rt6_sync_up for IPv6).
// Lookups skip dead nexthops, and a route whose nexthops are all dead.
//
// It returns how many routes (as All counts them) changed as a whole:
// with dead, those that lost their last live path, which the kernel then
// flushes (fib_flush) and the control plane should delete; without, those
// that have a live path again. IPv4 host-scope routes (local addresses)
// keep their nexthop, as fib_sync_down_dev leaves nexthops of scope
// RT_SCOPE_NOWHERE alone. Routes with a nexthop object are left to the
// object.
func (t *Table) SetDevDead(dev int, dead bool) int {
	t.mustWrite()
	t.reclaim()
	marked := map[uint32]uint32{}
	changed := 0
	var edits []edit
	t.walk(func(p netip.Prefix, e *entry) {
		var now []rec
		for i := range e.len() {
			r := e.at(i)
			if p.Addr().Is4() && r.scope == ScopeHost {
				continue
			}
			m, ok := marked[r.paths]
			if !ok {
				m = t.markDev(r.paths, dev, dead)
				marked[r.paths] = m
			}
			if m != r.paths {
				if now == nil {
					now = e.recs()
				}
				now[i].paths = m
			}
		}
		if now != nil {
			old := e.recs()
			changed += abs(t.liveCount(p, now) - t.liveCount(p, old))
			edits = append(edits, edit{p, t.viewCount(p, old), now})
		}
	})
	t.apply(edits)
	return changed
}

// markDev returns the index of set i with the nexthops through dev marked
// dead or alive; i itself when none changes.
func (t *Table) markDev(i uint32, dev int, dead bool) uint32 {
	ps := &t.paths[i]
	var hops []Nexthop
	for j, h := range ps.hops {
		if h.Dev == dev && h.Dead != dead {
			if hops == nil {
				hops = append([]Nexthop(nil), ps.hops...)
			}
			hops[j].Dead = dead
		}
	}
	if hops == nil {
		return i
	}
	var m uint32
	m, t.paths = t.pool.internPaths(ps.nhid, hops)
	return m
}

// liveCount returns how many of the routes of p (as view shows them) have
// a live path; an IPv6 multipath route has one while any sibling does.
func (t *Table) liveCount(p netip.Prefix, rs []rec) int {
	n := 0
	for i := range rs {
		r := &rs[i]
		if p.Addr().Is4() || !t.ecmp6(r) {
			if t.paths[r.paths].live > 0 {
				n++
			}
			continue
		}
		if t.hasEarlierSibling(rs, i) {
			continue
		}
		for j := i; j < len(rs); j++ {
			if rs[j].metric == r.metric && t.ecmp6(&rs[j]) && t.paths[rs[j].paths].live > 0 {
				n++
				break
			}
		}
	}
	return n
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
