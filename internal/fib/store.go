package fib

import (
	"net/netip"
	"slices"
)

// rec is one route as a table stores it: the fields of the kernel's
// fib_alias and fib_info (IPv4) or of one fib6_info (IPv6), with the
// nexthops and the preferred source interned in the table's pools. It is
// 16 bytes, so that a million routes fit in well under 64 bytes each
// together with the trie.
type rec struct {
	typ    Type
	proto  Proto
	scope  Scope
	tos    uint8
	metric uint32
	paths  uint32 // index into the path pool; 0: no nexthops
	// src packs the index into the address pool (low 24 bits; 0: no
	// prefsrc) with the prefix length (high 8 bits), so that a lookup can
	// rebuild the matched prefix from bart's plain Lookup, the fastest one.
	src uint32
}

// maxSrc bounds the address pool so that an index fits in 24 bits.
const maxSrc = 1 << 24

// srcIx returns the route's index into the address pool.
func (r *rec) srcIx() uint32 { return r.src & (maxSrc - 1) }

// bits returns the prefix length of the route's prefix.
func (r *rec) bits() int { return int(r.src >> 24) }

// entry is the trie's value for one prefix: its routes in kernel order
// (fib_alias list, fib6_node leaf chain). Most prefixes have one route,
// which is kept inline; more holds the others and is never modified once
// stored, because frozen tables and clones share it.
type entry struct {
	first rec
	more  *[]rec
}

// len returns the number of routes of the prefix.
func (e *entry) len() int {
	if e.more == nil {
		return 1
	}
	return 1 + len(*e.more)
}

// at returns route i of the prefix.
func (e *entry) at(i int) *rec {
	if i == 0 {
		return &e.first
	}
	return &(*e.more)[i-1]
}

// recs returns a copy of the prefix's routes, for a writer to edit.
func (e *entry) recs() []rec { return e.appendRecs(make([]rec, 0, e.len()+1)) }

// appendRecs appends the prefix's routes to rs.
func (e *entry) appendRecs(rs []rec) []rec {
	rs = append(rs, e.first)
	if e.more != nil {
		rs = append(rs, *e.more...)
	}
	return rs
}

// entryOf packs routes into an entry; ok is false when there are none.
func entryOf(rs []rec) (e entry, ok bool) {
	if len(rs) == 0 {
		return e, false
	}
	e.first = rs[0]
	if len(rs) > 1 {
		more := slices.Clone(rs[1:])
		e.more = &more
	}
	return e, true
}

// lastPaths is the set a table interned last, and its index: the routes
// of a bulk load share a few sets, found again without building the
// set's key and looking it up. An entry never changes while its pool
// maps it, and a table's pool is replaced only with the cache's key.
type lastPaths struct {
	pool  *pool
	nhid  uint32
	hops  []Nexthop
	paths uint32
}

// record interns r's nexthops and prefsrc and returns its compact form
// with the given nexthops (all of r's for IPv4, one of them for IPv6).
func (t *Table) record(r *Route, hops []Nexthop) rec {
	var paths, src uint32
	if l := &t.last; l.pool == t.pool && l.nhid == r.NHID && slices.Equal(l.hops, hops) {
		paths = l.paths
	} else {
		paths, t.paths = t.pool.internPaths(r.NHID, hops)
		*l = lastPaths{pool: t.pool, nhid: r.NHID, hops: append(l.hops[:0], hops...), paths: paths}
	}
	if r.Src.IsValid() { // index 0, the invalid address, is in every view
		src, t.addrs = t.pool.internAddr(r.Src)
	}
	tos := r.Tos
	if !r.Is4() {
		tos = 0
	}
	return rec{typ: r.Type, proto: r.Proto, scope: r.Scope, tos: tos,
		metric: r.Metric, paths: paths, src: src | uint32(r.Prefix.Bits())<<24}
}

// route expands a stored route. With copyHops the nexthops are copied;
// without, they are the pool's, shared by every table of the lineage,
// which must not be written.
func (t *Table) route(p netip.Prefix, r *rec, copyHops bool) Route {
	ps := &t.paths[r.paths]
	hops := ps.hops
	if copyHops {
		hops = slices.Clone(hops)
	}
	return Route{Table: t.id, Prefix: p, Type: r.typ, Proto: r.proto, Scope: r.scope,
		Metric: r.metric, Tos: r.tos, Src: t.addrs[r.srcIx()], NHID: ps.nhid,
		Nexthops: hops}
}

// hops returns the nexthops of a stored route.
func (t *Table) hops(r *rec) []Nexthop { return t.paths[r.paths].hops }
