package fib

import "net/netip"

// The order of `ip route show` is the order of the kernel's dumps:
//
//   - IPv4 (fn_trie_dump_leaf): leaves by key, the prefix's network
//     address, ascending; a leaf's aliases by suffix length, so among
//     prefixes with the same address the longest comes first. Default
//     comes first.
//   - IPv6 (fib6_walk): the radix tree post-order, left before right
//     before the node itself: addresses ascending, and a prefix after every
//     prefix it covers. Default comes last.
//
// bart yields prefixes in CIDR order (address, then length, ascending:
// pre-order); a stack of pending covering prefixes turns that into either
// order.

// walkOrdered calls fn for every prefix in dump order until fn returns
// false.
func (t *Table) walkOrdered(fn func(netip.Prefix, *entry) bool) {
	type item struct {
		p netip.Prefix
		e entry
	}
	stack := make([]item, 0, 129)
	// flush emits the stacked prefixes that need not wait for p (all of
	// them when p is invalid); it returns false when fn asks to stop.
	flush := func(waits func(top, p netip.Prefix) bool, p netip.Prefix) bool {
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if p.IsValid() && waits(top.p, p) {
				return true
			}
			if !fn(top.p, &top.e) {
				return false
			}
			stack = stack[:len(stack)-1]
		}
		return true
	}
	// An IPv4 prefix waits for the longer ones with its address, an IPv6
	// prefix for the ones it covers.
	waits4 := func(top, p netip.Prefix) bool { return top.Addr() == p.Addr() }
	waits6 := func(top, p netip.Prefix) bool { return top.Contains(p.Addr()) }
	for _, fam := range []struct {
		all   func(yield func(netip.Prefix, entry) bool)
		waits func(top, p netip.Prefix) bool
	}{{t.trie.AllSorted4(), waits4}, {t.trie.AllSorted6(), waits6}} {
		for p, e := range fam.all {
			if !flush(fam.waits, p) {
				return
			}
			stack = append(stack, item{p, e})
		}
		if !flush(fam.waits, netip.Prefix{}) {
			return
		}
	}
}

// walk calls fn for every prefix in dump order.
func (t *Table) walk(fn func(netip.Prefix, *entry)) {
	t.walkOrdered(func(p netip.Prefix, e *entry) bool {
		fn(p, e)
		return true
	})
}

// view yields the routes of one prefix as `ip route` shows them: one per
// stored route for IPv4; for IPv6 the ECMP siblings of a metric merged
// into one multipath route where the first of them stands, as rt6_fill_node
// reports them (RTA_MULTIPATH, the first sibling's attributes). The kernel's
// dump then resumes after the last sibling and so never shows a
// non-sibling route standing between siblings (fib6_dump_node); govrf
// shows it, in its place.
// With shared, a route yielded with its own nexthops (every one but a
// merged multipath IPv6 route) has them in the table's pool, not copied.
func (t *Table) view(p netip.Prefix, e *entry, shared bool, yield func(Route) bool) bool {
	var buf [4]rec
	rs := e.appendRecs(buf[:0])
	for i := range rs {
		r := &rs[i]
		if p.Addr().Is4() || !t.ecmp6(r) {
			route := t.route(p, r, !shared)
			if !yield(route) {
				return false
			}
			continue
		}
		if t.hasEarlierSibling(rs, i) {
			continue
		}
		route := t.route(p, r, true) // the siblings' nexthops are appended
		for _, s := range rs[i+1:] {
			if s.metric == r.metric && t.ecmp6(&s) {
				route.Nexthops = append(route.Nexthops, t.hops(&s)...)
			}
		}
		if !yield(route) {
			return false
		}
	}
	return true
}

// viewCount returns how many routes view yields for rs.
func (t *Table) viewCount(p netip.Prefix, rs []rec) int {
	if p.Addr().Is4() {
		return len(rs)
	}
	n := 0
	for i := range rs {
		if !t.ecmp6(&rs[i]) || !t.hasEarlierSibling(rs, i) {
			n++
		}
	}
	return n
}

// hasEarlierSibling reports whether an ECMP route of the same metric
// precedes rs[i].
func (t *Table) hasEarlierSibling(rs []rec, i int) bool {
	for j := range i {
		if rs[j].metric == rs[i].metric && t.ecmp6(&rs[j]) {
			return true
		}
	}
	return false
}

// edit is a pending change to the routes of one prefix.
type edit struct {
	p   netip.Prefix
	was int // routes shown before
	now []rec
}

// apply stores edits collected during a walk, which must not write the
// trie it walks.
func (t *Table) apply(edits []edit) {
	for _, d := range edits {
		t.store(d.p, d.was, d.now)
	}
}
