package control

import (
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// loopbackIndex is the index of lo: the iif of locally originated flows.
const loopbackIndex = 1

// walker performs the table lookups of one rule walk (fib4_rule_action /
// fib6_rule_action) and keeps the result that ended it.
type walker struct {
	s     *Snapshot
	q     fib.Query
	res   fib.Result
	table fib.TableID
	// throwStops ends the walk at a throw route, as IPv6 gateway
	// validation does (fib6_lookup).
	throwStops bool
	// trace, when set, hears every table lookup (Router.Trace).
	trace func(TableStep)
	memo  tableMemo
}

// tableMemo remembers the last tables a router found in a frozen
// snapshot: walk after walk asks for the same one or two (local, then
// the VRF's), and the binary search over every table is dearer than the
// check. A working state's tables change under it, so it is never
// remembered.
type tableMemo struct {
	s  *Snapshot
	n  int
	id [2]fib.TableID
	t  [2]*fib.Table
}

// tableOf is s.hotTable(id) through the memo.
func (w *walker) tableOf(id fib.TableID) *fib.Table {
	m := &w.memo
	if m.s == w.s {
		for i := range m.n {
			if m.id[i] == id {
				return m.t[i]
			}
		}
	}
	t := w.s.hotTable(id)
	if w.s.hot == nil {
		return t
	}
	if m.s != w.s {
		m.s, m.n = w.s, 0
	}
	i := min(m.n, len(m.id)-1) // the first table asked for stays
	m.id[i], m.t[i], m.n = id, t, i+1
	return t
}

// TableStep is one table lookup of a rule walk, for a trace: the
// address looked up, the table, and the route found in it (Found false:
// none, the walk goes on).
type TableStep struct {
	Dst   netip.Addr
	Table fib.TableID
	Found bool
	Res   fib.Result
}

// Trace makes r report every rule its walks try to rules, and every
// table lookup to tables, until Trace(nil, nil): the rule walk as
// fib_rules_lookup runs it, for `govrf trace`.
func (r *Router) Trace(rules func(rule.Step), tables func(TableStep)) {
	r.rules, r.w.trace = rules, tables
}

// LookupTable implements rule.TableLookup.
func (w *walker) LookupTable(id fib.TableID) (int, int, error) {
	t := w.tableOf(id)
	if t == nil {
		if w.trace != nil {
			w.trace(TableStep{Dst: w.q.Dst, Table: id})
		}
		return 0, 0, syscall.EAGAIN
	}
	found := t.LookupInto(&w.q, &w.res)
	if w.trace != nil {
		w.trace(TableStep{Dst: w.q.Dst, Table: id, Found: found, Res: w.res})
	}
	if !found {
		return 0, 0, syscall.EAGAIN
	}
	res := &w.res
	w.table = id
	if res.Type == fib.TypeThrow && w.throwStops {
		return 0, 0, syscall.EHOSTUNREACH
	}
	if err := resultErr(res.Type); err != nil {
		return 0, 0, err
	}
	return res.Prefix.Bits(), res.Nexthop.Dev, nil
}

// L3Domain implements rule.Domains for l3mdev_update_flow.
func (s *Snapshot) L3Domain(index int) (vrf int, table fib.TableID, isVRF, ok bool) {
	l := s.Link(index)
	if l == nil {
		return 0, 0, false, false
	}
	if v := s.VRFOf(index); v != nil {
		return v.Index, v.Table, l.Kind == KindVRF, true
	}
	return 0, 0, false, true
}

// noOif asks lookup to ignore the flow's oif when choosing nexthops.
const noOif = -1

// Router performs route lookups for one goroutine of the data path. It
// holds the walk state so that a lookup allocates nothing; it is not safe
// for concurrent use. The zero value is ready.
type Router struct {
	w     walker
	mp    mpHasher
	rules func(rule.Step) // Trace's; nil but for a traced packet
}

// Forget drops what the router keeps of its last lookup, the snapshot
// among it, so that an idle router keeps no old state alive: a snapshot
// published midway through a bulk load holds a copy of its tables.
func (r *Router) Forget() { *r = Router{} }

// Lookup is fib_lookup for flow f on snapshot s: the l3mdev flow update,
// then the rule walk of the flow's family over the tables. It returns the
// route found and its table, or the walk's error (ENETUNREACH when no rule
// decided, EHOSTUNREACH / EACCES / EINVAL for error routes and actions).
func (r *Router) Lookup(s *Snapshot, f *rule.Flow) (fib.Result, fib.TableID, error) {
	return r.lookup(s, f, fib.ScopeUniverse, 0)
}

// lookup walks with a route scope. nhOif overrides the link nexthops
// must go through: 0 keeps the flow's oif, noOif lifts the restriction
// (IPv6 lookups where the oif is only a preference), a link index
// imposes it (IPv6 strict input lookups, RT6_LOOKUP_F_IFACE).
func (r *Router) lookup(s *Snapshot, f *rule.Flow, scope fib.Scope, nhOif int) (fib.Result, fib.TableID, error) {
	f.UpdateL3mdev(s)
	r.w.s, r.w.table = s, 0
	r.mp.set(s, f)
	r.w.q = fib.Query{Dst: f.Dst, Tos: f.Tos, Scope: scope, Oif: f.Oif, Hasher: &r.mp, Objects: s}
	switch {
	case nhOif == noOif:
		r.w.q.Oif = 0
	case nhOif != 0:
		r.w.q.Oif = nhOif
	}
	r.w.table = 0
	if f.Dst.Is4() && !s.customRules4 {
		return r.w.merged()
	}
	var v rule.Verdict
	if r.rules != nil {
		v = s.lists[famIdx(fib.FamilyOf(f.Dst))].Explain(f, &r.w, r.rules)
	} else {
		v = s.lists[famIdx(fib.FamilyOf(f.Dst))].Lookup(f, &r.w)
	}
	return r.w.res, r.w.table, v.Err
}

// merged is fib_lookup before any custom IPv4 rule: one lookup in main
// with the local table merged into it, then the default table if it
// exists, without a rule walk; the result is reported from main.
func (w *walker) merged() (fib.Result, fib.TableID, error) {
	_, _, err := w.lookupMerged()
	if err == nil {
		return w.res, fib.TableMain, nil
	}
	if w.tableOf(fib.TableDefault) != nil {
		if _, _, err = w.LookupTable(fib.TableDefault); err == nil {
			return w.res, w.table, nil
		}
	}
	if err == syscall.EAGAIN {
		err = syscall.ENETUNREACH
	}
	return w.res, fib.TableMain, err
}

// lookupMerged looks up main and local as the one trie the kernel keeps
// while they are merged: the longer prefix wins, and on a tie the order
// of the shared alias list (tos descending, then metric).
func (w *walker) lookupMerged() (int, int, error) {
	var best fib.Result
	found := false
	// fib_insert_alias orders a merged leaf by table, local first, so
	// main wins only with a longer prefix.
	for _, id := range [2]fib.TableID{fib.TableLocal, fib.TableMain} {
		t := w.tableOf(id)
		if t == nil {
			continue
		}
		res, ok := t.Lookup(&w.q)
		if ok && (!found || res.Prefix.Bits() > best.Prefix.Bits()) {
			best, found = res, true
		}
	}
	if !found {
		return 0, 0, syscall.EAGAIN
	}
	w.res, w.table = best, fib.TableMain
	return 0, 0, resultErr(best.Type)
}

// resultErr maps a route type to the error a lookup returns for it.
func resultErr(t fib.Type) error {
	switch t {
	case fib.TypeThrow:
		return syscall.EAGAIN
	case fib.TypeUnreachable:
		return syscall.EHOSTUNREACH
	case fib.TypeProhibit:
		return syscall.EACCES
	case fib.TypeBlackhole:
		return syscall.EINVAL
	}
	return nil
}

// fibLookup is Router.Lookup for the control path, with a route scope.
// IPv4 lookups hash the packet inet_rtm_getroute builds, as `route get`
// is its only caller.
func (s *Snapshot) fibLookup(f rule.Flow, scope fib.Scope) (fib.Result, fib.TableID, error) {
	var r Router
	r.mp.getroute4 = true
	return r.lookup(s, &f, scope, 0)
}

// isLocal4 reports whether a is a local address for routes of table
// (inet_addr_type_table on the table, then the local table).
func (s *Snapshot) isLocal4(a netip.Addr, table fib.TableID) bool {
	if table != fib.TableMain && table != fib.TableLocal {
		if t := s.tables[table]; t != nil {
			if r, ok := t.Lookup(&fib.Query{Dst: a}); ok && r.Type == fib.TypeLocal {
				return true
			}
		}
	}
	r, ok := s.localLookup4(a)
	return ok && r.Type == fib.TypeLocal
}

// localLookup4 looks a up in the local table as __ip_dev_find and
// inet_addr_type_table do: merged with main while no custom IPv4 rule
// has split them, so a local route added to main counts too.
func (s *Snapshot) localLookup4(a netip.Addr) (fib.Result, bool) {
	if !s.customRules4 {
		var w walker
		w.s, w.q = s, fib.Query{Dst: a}
		_, _, err := w.lookupMerged()
		return w.res, err != syscall.EAGAIN
	}
	if t := s.tables[fib.TableLocal]; t != nil {
		return t.Lookup(&fib.Query{Dst: a})
	}
	return fib.Result{}, false
}

// isLocal6 reports whether a is an address of any link (ipv6_chk_addr;
// dev 0 means any device).
func (s *Snapshot) isLocal6(a netip.Addr, dev int) bool {
	for l := range s.Links() {
		if l.findAddr(a, -1) >= 0 {
			return true
		}
	}
	return false
}

// checkGateway validates a route's gateway (fib_check_nh_v4_gw,
// ip6_route_check_nh). When the check looked the gateway up, found is
// set and g is gatewayLookup's answer, so that the caller need not look
// again.
func (s *Snapshot) checkGateway(table fib.TableID, scope fib.Scope, nh fib.Nexthop) (g fib.Result, found bool, err error) {
	gw := nh.Gateway
	if nh.Onlink {
		if nh.Dev == 0 {
			return g, false, errMsg(syscall.EINVAL, "Nexthop device required for onlink")
		}
		if !gw.Is4() {
			// ip6_route_check_nh_onlink: a non-default unicast route to
			// the gateway must go through the given device.
			// It looks in the device's L3 table, not the route's.
			if t := s.tables[s.l3Table(nh.Dev, fib.TableMain)]; t != nil {
				r, ok := t.Lookup(&fib.Query{Dst: gw, Objects: s})
				// ip6_nh_lookup_table passes the device as a non-strict
				// oif: among the routes of the prefix and metric found,
				// one through it wins (rt6_select's score).
				if ok && r.Nexthop.Dev != nh.Dev {
					if r2, ok2 := t.Lookup(&fib.Query{Dst: gw, Oif: nh.Dev, Objects: s}); ok2 && r2.Prefix == r.Prefix && r2.Metric == r.Metric {
						r = r2
					}
				}
				if ok && !r.Type.IsError() && r.Prefix.Bits() > 0 && (r.Type != fib.TypeUnicast || r.Nexthop.Dev != nh.Dev) {
					return g, false, errMsg(syscall.EINVAL, "Nexthop has invalid gateway or device mismatch")
				}
			}
			return g, false, nil
		}
		if scope >= fib.ScopeLink {
			return g, false, errMsg(syscall.EINVAL, "Nexthop has invalid scope")
		}
		if !s.Link(nh.Dev).Up {
			return g, false, errMsg(syscall.ENETDOWN, "Nexthop device is not up")
		}
		// inet_addr_type_dev_table: the gateway must be a plain unicast
		// address of the device's L3 domain, not one of ours.
		var w walker
		w.s, w.q = s, fib.Query{Dst: gw, Objects: s}
		id := s.l3Table(nh.Dev, fib.TableLocal)
		if id == fib.TableLocal && !s.customRules4 {
			_, _, err = w.lookupMerged()
		} else {
			_, _, err = w.LookupTable(id)
		}
		if err == nil && w.res.Type != fib.TypeUnicast || gw.IsMulticast() || gw == bcast4 {
			return g, false, errMsg(syscall.EINVAL, "Nexthop has invalid gateway")
		}
		return g, false, nil
	}
	if !gw.Is4() {
		if gw.IsLinkLocalUnicast() {
			if nh.Dev == 0 {
				return g, false, errMsg(syscall.EINVAL, "Egress device not specified")
			}
			return g, false, nil
		}
		if gw.IsMulticast() || gw.IsUnspecified() {
			return g, false, errMsg(syscall.EINVAL, "Invalid gateway address")
		}
	}
	res, ok := s.gatewayLookup(table, scope, nh)
	if !gw.Is4() {
		if !ok || res.Nexthop.Gateway.IsValid() || res.Type.IsError() || nh.Dev != 0 && res.Nexthop.Dev != nh.Dev {
			return g, false, errMsg(syscall.EHOSTUNREACH, "")
		}
		if l := s.Link(res.Nexthop.Dev); l != nil && l.Kind == KindLoopback {
			return g, false, errMsg(syscall.EINVAL, "Egress device can not be loopback device for this route")
		}
		return res, true, nil
	}
	if !ok || res.Type != fib.TypeUnicast && res.Type != fib.TypeLocal {
		return g, false, errMsg(syscall.EINVAL, "Nexthop has invalid gateway")
	}
	l := s.Link(res.Nexthop.Dev)
	if l == nil {
		return g, false, errMsg(syscall.EINVAL, "No egress device for nexthop gateway")
	}
	if !l.Up {
		return g, false, errMsg(syscall.ENETDOWN, "")
	}
	return res, true, nil
}

// gatewayLookup finds the route to a gateway: in the route's table if it
// is not main, else (or on a miss) by a full lookup from lo with the
// nexthop device as oif, which lands in that device's VRF.
func (s *Snapshot) gatewayLookup(table fib.TableID, scope fib.Scope, nh fib.Nexthop) (fib.Result, bool) {
	lscope := scope + 1
	if !nh.Gateway.Is4() {
		lscope = 0
	}
	v4 := nh.Gateway.Is4()
	if table == fib.TableLocal && v4 && !s.customRules4 {
		table = fib.TableMain // the merged trie: the full lookup below covers it
	}
	// IPv4 looks in a table other than main first; IPv6 in the route's
	// table whatever it is, and takes only an on-link answer there.
	if t := s.tables[table]; t != nil && (table != fib.TableMain || !v4) {
		if res, ok := t.Lookup(&fib.Query{Dst: nh.Gateway, Scope: lscope, Oif: nh.Dev, Objects: s}); ok && !res.Type.IsError() &&
			(v4 || !res.Nexthop.Gateway.IsValid()) {
			return res, true
		}
	}
	r := s.scratchRouter()
	r.w.throwStops = !v4 // fib6_lookup takes a throw route as an answer
	f := rule.Flow{Dst: nh.Gateway, Iif: loopbackIndex, Oif: nh.Dev}
	res, _, err := r.lookup(s, &f, lscope, 0)
	return res, err == nil
}
