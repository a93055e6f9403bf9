package fib

import (
	"iter"
	"net/netip"
)

// Op says how Add treats routes already present for the same prefix, as
// the netlink flags iproute2 sends for each verb.
type Op uint8

// Add operations.
const (
	OpAdd     Op = iota // `route add`: NLM_F_CREATE|NLM_F_EXCL
	OpReplace           // `route replace`: NLM_F_CREATE|NLM_F_REPLACE
	OpChange            // `route change`: NLM_F_REPLACE
	OpAppend            // `route append`: NLM_F_CREATE|NLM_F_APPEND
	OpPrepend           // `route prepend`: NLM_F_CREATE
)

// Objects resolves nexthop objects for routes that carry an NHID
// (net/ipv4/nexthop.c). It is implemented by the control plane.
type Objects interface {
	// Resolve picks the path of object id for a flow with this hash,
	// honouring oif (0: any). typ is TypeBlackhole for a blackhole object.
	Resolve(id uint32, hash uint32, oif int) (nh Nexthop, typ Type, ok bool)
}

// Query is one FIB lookup (a flowi4/flowi6 as fib_table_lookup sees it).
type Query struct {
	Dst     netip.Addr
	Tos     uint8   // IPv4 dsfield; routes with a non-zero tos must equal it
	Scope   Scope   // routes with a narrower scope than this are skipped
	Oif     int     // non-zero: only nexthops through this link
	Hash    uint32  // flow hash for multipath selection
	Objects Objects // resolves NHID routes; may be nil when none exist
}

// Result is the route a lookup chose and the selected path.
type Result struct {
	Prefix  netip.Prefix
	Type    Type // an error type (IsError) for blackhole/unreachable/prohibit/throw
	Proto   Proto
	Scope   Scope
	Metric  uint32
	Tos     uint8
	Src     netip.Addr // the route's prefsrc, if any
	NHID    uint32
	Nexthop Nexthop // the selected path (zero for error types)
	Paths   int     // number of paths of the route
}

// Table is one routing table holding IPv4 and IPv6 routes.
//
// STUB: a linear list standing in until the trie-backed table lands; the
// exported API is the contract.
type Table struct {
	id     TableID
	frozen bool
	routes []Route
}

// NewTable returns an empty writable table.
func NewTable(id TableID) *Table { return &Table{id: id} }

// ID returns the table's number.
func (t *Table) ID() TableID { return t.id }

// Len returns the number of routes.
func (t *Table) Len() int { return len(t.routes) }

// Freeze marks t as published: it is never written again.
func (t *Table) Freeze() { t.frozen = true }

// Mutable returns t if it is writable, else a writable copy sharing its
// structure.
func (t *Table) Mutable() *Table {
	if !t.frozen {
		return t
	}
	return &Table{id: t.id, routes: append([]Route(nil), t.routes...)}
}

// Add inserts r according to op, with the kernel's duplicate rules.
func (t *Table) Add(r Route, op Op) error {
	t.routes = append(t.routes, r)
	return nil
}

// Delete removes the first route matching sel and returns it. Zero fields
// of sel match anything (Scope: ScopeNowhere matches anything); Prefix and
// Tos must be equal (fib_table_delete).
func (t *Table) Delete(sel Route) (Route, error) {
	for i, r := range t.routes {
		if r.Prefix == sel.Prefix {
			t.routes = append(t.routes[:i:i], t.routes[i+1:]...)
			return r, nil
		}
	}
	return Route{}, nil
}

// DeleteFunc removes every route for which del returns true and returns
// them.
func (t *Table) DeleteFunc(del func(*Route) bool) []Route {
	var out []Route
	keep := t.routes[:0:0]
	for _, r := range t.routes {
		if del(&r) {
			out = append(out, r)
		} else {
			keep = append(keep, r)
		}
	}
	t.routes = keep
	return out
}

// Get returns the routes for exactly p, in kernel order.
func (t *Table) Get(p netip.Prefix) []Route {
	var out []Route
	for _, r := range t.routes {
		if r.Prefix == p {
			out = append(out, r)
		}
	}
	return out
}

// All yields every route in `ip route show` order: IPv4 then IPv6.
func (t *Table) All() iter.Seq[Route] {
	return func(yield func(Route) bool) {
		for _, r := range t.routes {
			if !yield(r) {
				return
			}
		}
	}
}

// Lookup finds the route for q as fib_table_lookup does: longest prefix
// first, falling back to shorter prefixes when no route of a prefix
// qualifies (tos, scope, dead or oif-filtered nexthops). ok is false on a
// miss.
func (t *Table) Lookup(q *Query) (res Result, ok bool) {
	best := -1
	for i, r := range t.routes {
		if r.Prefix.Contains(q.Dst) && (best < 0 || r.Prefix.Bits() > t.routes[best].Prefix.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return res, false
	}
	r := t.routes[best]
	res = Result{Prefix: r.Prefix, Type: r.Type, Proto: r.Proto, Scope: r.Scope, Metric: r.Metric, Tos: r.Tos, Src: r.Src, NHID: r.NHID, Paths: len(r.Nexthops)}
	if len(r.Nexthops) > 0 {
		res.Nexthop = r.Nexthops[0]
	}
	return res, true
}
