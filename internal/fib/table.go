package fib

import (
	"encoding/binary"
	"iter"
	"net/netip"
	"sync/atomic"
	"syscall"

	"github.com/gaissmai/bart"

	"github.com/govrf/govrf/internal/rterr"
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
	// hash is the 31-bit multipath hash (Query.Hash >> 1), as
	// fib_multipath_hash hands it to nexthop_path_fib_result. ok is false
	// when no path of the object is usable; it is not looked at for a
	// blackhole object.
	Resolve(id uint32, hash uint32, oif int) (nh Nexthop, typ Type, ok bool)
}

// Query is one FIB lookup (a flowi4/flowi6 as fib_table_lookup sees it).
type Query struct {
	Dst netip.Addr
	Tos uint8 // IPv4 dsfield; routes with a non-zero tos must equal it
	// Scope skips routes whose scope is below it (fi->fib_scope <
	// flowi4_scope): ScopeLink admits only link and host routes. IPv4
	// only; IPv6 lookups have no scope.
	Scope Scope
	// Oif, when non-zero, admits only nexthops through this link. For IPv6
	// the lookup is then strict (RT6_LOOKUP_F_IFACE), as an output lookup
	// with an oif and no source address is (ip6_route_output_flags).
	Oif     int
	Hash    uint32  // flow hash for multipath selection; the top 31 bits are used
	Objects Objects // resolves NHID routes; may be nil when none exist
	// Hasher, when set, gives the flow hash instead of Hash, and is asked
	// only when a route has several paths or a nexthop object: the hash
	// is computed only when needed, as fib_select_path does.
	Hasher Hasher
}

// Hasher computes a flow's multipath hash on demand; MultipathHash
// returns the value Query.Hash would hold (fib_multipath_hash before its
// final shift).
type Hasher interface {
	MultipathHash() uint32
}

// hash31 is the 31-bit hash that path selection compares with the upper
// bounds.
func (q *Query) hash31() int32 {
	if q.Hasher != nil {
		return hash31(q.Hasher.MultipathHash())
	}
	return hash31(q.Hash)
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
	// Paths is the number of paths of the route: its nexthops (IPv4), its
	// ECMP siblings (IPv6), 1 for a nexthop object, 0 for error types.
	Paths int
	// SameMetric is, for an IPv6 route, how many routes of its prefix
	// share its metric, siblings included: more than Paths means a route
	// that is no sibling of it ties with it (rt6_select's choice). 0 for
	// IPv4.
	SameMetric int
}

// Table is one routing table holding IPv4 and IPv6 routes in a bart trie
// keyed by prefix, each prefix holding its routes in kernel order in
// compact form (store.go). A table is writable until Freeze; Mutable forks
// a frozen table cheaply (snapshot.go). Only the single control-plane
// writer may write a writable table; a frozen one is read by anyone. The
// zero Table is not usable: use NewTable.
type Table struct {
	id    TableID
	trie  *bart.Table[entry]
	pool  *pool        // shared by the table and its forks
	paths []pathSet    // this table's view of pool.paths
	addrs []netip.Addr // this table's view of pool.addrs
	last  lastPaths    // the writer's last interned set
	n     int          // routes, as All yields them

	frozen     bool
	shared     bool // trie shared with a frozen table: write persistently
	forkWrites int  // persistent writes since the fork

	serial, parent uint64                    // this table's and its parent's number (touched.go)
	trackForks     atomic.Bool               // forks record what they touch
	touched        map[netip.Prefix]struct{} // prefixes written since the fork; nil: unknown
}

// NewTable returns an empty writable table.
func NewTable(id TableID) *Table {
	p := newPool()
	return &Table{id: id, trie: newTrie(), pool: p, paths: p.paths, addrs: p.addrs, serial: newSerial()}
}

// ID returns the table's number.
func (t *Table) ID() TableID { return t.id }

// Len returns the number of routes, counting an IPv6 multipath route
// (a group of ECMP siblings) once, as All does.
func (t *Table) Len() int { return t.n }

// Freeze marks t as published: it is never written again. Any number of
// goroutines may then read it without locks.
func (t *Table) Freeze() { t.frozen = true }

// Mutable returns t if it is writable, else a writable fork sharing its
// structure. Writes to the fork never change t.
func (t *Table) Mutable() *Table {
	if !t.frozen {
		return t
	}
	return &Table{id: t.id, trie: t.trie, pool: t.pool, paths: t.paths,
		addrs: t.addrs, n: t.n, shared: true,
		serial: newSerial(), parent: t.serial, touched: t.forkTouched()}
}

// Add inserts r according to op, with the kernel's duplicate rules:
// fib_table_insert for IPv4, fib6_add_rt2node (one route per nexthop,
// ip6_route_multipath_add) for IPv6. A change that leaves the table as it
// was (replacing a route with itself) succeeds.
func (t *Table) Add(r Route, op Op) error {
	t.mustWrite()
	t.reclaim()
	p, err := prefixOf(r.Prefix)
	if err != nil {
		return err
	}
	r.Prefix = p
	if r.Src.IsValid() && !t.pool.hasAddrRoom(r.Src) {
		return rterr.New(syscall.ENOBUFS, "")
	}
	// The routes of p, which add4 and add6 edit in place, are read into
	// buf: on the stack when they fit (most prefixes hold one or two).
	var buf [4]rec
	if !t.shared {
		// In place, the prefix is found once for reading and writing.
		t.trie.Modify(p, func(e entry, ok bool) (entry, bool) {
			old := buf[:0]
			if ok {
				old = e.appendRecs(old)
			}
			now, was, aerr := t.add(p, old, &r, op)
			if err = aerr; err != nil || now == nil {
				return e, !ok // as it was
			}
			t.noteStore(p, was, now)
			ne, keep := entryOf(now)
			return ne, !keep
		})
		return err
	}
	old := buf[:0]
	if e, ok := t.trie.Get(p); ok {
		old = e.appendRecs(old)
	}
	now, was, err := t.add(p, old, &r, op)
	if err == nil && now != nil {
		t.store(p, was, now)
	}
	return err
}

// add applies r to old, the routes of p, and returns them (nil if
// unchanged) and how many routes All showed for p before.
func (t *Table) add(p netip.Prefix, old []rec, r *Route, op Op) (now []rec, was int, err error) {
	was = t.viewCount(p, old)
	if p.Addr().Is4() {
		now, err = t.add4(old, r, op.flags())
	} else {
		now, err = t.add6(old, r, op.flags())
	}
	return now, was, err
}

// Delete removes the first route matching sel and returns it. Zero fields
// of sel match anything (Scope: ScopeNowhere matches anything); Prefix and
// Tos must be equal (fib_table_delete). For IPv6 the match is
// ip6_route_del's: metric, protocol, nhid, device and gateway; a selector
// without a gateway removes the route's ECMP siblings with it, and a
// selector with several nexthops removes one sibling per nexthop and
// reports the last failure, after removing what it could.
func (t *Table) Delete(sel Route) (Route, error) {
	t.mustWrite()
	t.reclaim()
	p, err := prefixOf(sel.Prefix)
	if err != nil {
		return Route{}, err
	}
	e, ok := t.trie.Get(p)
	if !ok {
		return Route{}, errNoRoute()
	}
	// delete4 and delete6 edit old in place.
	old := e.recs()
	n, was := len(old), t.viewCount(p, old)
	var now []rec
	var gone Route
	if p.Addr().Is4() {
		now, gone, err = t.delete4(p, old, &sel)
	} else {
		now, gone, err = t.delete6(p, old, &sel)
	}
	if len(now) != n {
		t.store(p, was, now)
	}
	return gone, err
}

// DeleteFunc removes every route for which del returns true and returns
// them, in All order. IPv6 routes are offered one nexthop at a time, as
// the kernel's fib6_clean_all walks fib6_info entries: del may remove one
// ECMP sibling and keep the others.
func (t *Table) DeleteFunc(del func(*Route) bool) []Route {
	t.mustWrite()
	t.reclaim()
	var out []Route
	var edits []edit
	t.walk(func(p netip.Prefix, e *entry) {
		old := e.recs()
		now := old[:0:0]
		for i := range old {
			r := t.route(p, &old[i], true)
			if del(&r) {
				out = append(out, r)
			} else {
				now = append(now, old[i])
			}
		}
		if len(now) != len(old) {
			edits = append(edits, edit{p, t.viewCount(p, old), now})
		}
	})
	t.apply(edits)
	return out
}

// Get returns the routes for exactly p, in kernel order.
func (t *Table) Get(p netip.Prefix) []Route {
	var out []Route
	if !p.IsValid() {
		return out
	}
	p = p.Masked()
	if e, ok := t.trie.Get(p); ok {
		t.view(p, &e, false, func(r Route) bool {
			out = append(out, r)
			return true
		})
	}
	return out
}

// All yields every route in `ip route show` order: IPv4 then IPv6 (see
// view.go).
func (t *Table) All() iter.Seq[Route] { return t.all(false) }

// AllShared is All for a reader that neither writes a route's nexthops
// nor keeps them past the yield: they may be the table's own, which
// saves a copy per route (a script of a million routes).
func (t *Table) AllShared() iter.Seq[Route] { return t.all(true) }

func (t *Table) all(shared bool) iter.Seq[Route] {
	return func(yield func(Route) bool) {
		t.walkOrdered(func(p netip.Prefix, e *entry) bool {
			return t.view(p, e, shared, yield)
		})
	}
}

// Lookup finds the route for q as fib_table_lookup does: longest prefix
// first, falling back to shorter prefixes when no route of a prefix
// qualifies (tos, scope, dead or oif-filtered nexthops). IPv6 follows
// fib6_table_lookup and fib6_select_path (lookup6.go). ok is false on a
// miss. An error type in res.Type ends the lookup: the caller maps it to
// the errno (unreachable EHOSTUNREACH, prohibit EACCES, blackhole EINVAL,
// throw: continue the rule walk). Lookup allocates nothing.
func (t *Table) Lookup(q *Query) (res Result, ok bool) {
	ok = t.LookupInto(q, &res)
	return res, ok
}

// LookupInto is Lookup writing the result into res, which it leaves
// undefined on a miss: the data path's form, saving a copy of Result.
func (t *Table) LookupInto(q *Query, res *Result) bool {
	if !q.Dst.IsValid() {
		return false
	}
	e, found := t.trie.Lookup(q.Dst)
	if !found {
		return false
	}
	p := masked(q.Dst, e.first.bits())
	o := t.match(p, &e, q, res)
	if o == hit || p.Bits() == 0 {
		return o == hit
	}
	missed := p.Addr()
	skip := o == missKey
	for p, e := range t.trie.Supernets(netip.PrefixFrom(q.Dst, p.Bits()-1)) {
		if skip && p.Addr() == missed {
			continue
		}
		switch t.match(p, &e, q, res) {
		case hit:
			return true
		case missKey:
			missed, skip = p.Addr(), true
		}
	}
	return false
}

// masked is netip.PrefixFrom(a, bits).Masked(), with a faster path for
// an IPv4 address: the lookup's matched prefix.
func masked(a netip.Addr, bits int) netip.Prefix {
	if !a.Is4() {
		return netip.PrefixFrom(a, bits).Masked()
	}
	b := a.As4()
	v := binary.BigEndian.Uint32(b[:]) &^ (^uint32(0) >> bits) // >> 32 is 0
	binary.BigEndian.PutUint32(b[:], v)
	return netip.PrefixFrom(netip.AddrFrom4(b), bits)
}
