package control

import (
	"maps"
	"net/netip"
	"reflect"
	"slices"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// subscriber is one Subscribe call.
type subscriber struct{ fn func(old, new *Snapshot) }

// Subscribe calls fn with the previous and the new snapshot after every
// publication, in order, under the writer's lock: fn must return quickly
// and must not call into c. A subscriber queues the pair and diffs it
// elsewhere (Diff). While anyone subscribes, tables record the prefixes
// each change touches, so that Diff of a published pair costs what the
// change did rather than a walk of every table. cancel ends the
// subscription; fn is not called once cancel has returned.
func (c *Control) Subscribe(fn func(old, new *Snapshot)) (cancel func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sub := &subscriber{fn}
	c.subs = append(c.subs, sub)
	c.trackTables(true)
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if i := slices.Index(c.subs, sub); i >= 0 {
			c.subs = slices.Delete(c.subs, i, i+1)
			c.trackTables(len(c.subs) > 0)
		}
	}
}

// trackTables sets whether forks of the current tables record what they
// touch. Tables created later are set when they are published.
func (c *Control) trackTables(on bool) {
	for _, s := range []*Snapshot{c.pub.Load(), c.work} {
		if s != nil {
			for _, t := range s.tables {
				t.TrackForks(on)
			}
		}
	}
}

// notify hands a publication to the subscribers; without any it costs
// one length check.
func (c *Control) notify(old, new *Snapshot) {
	if len(c.subs) == 0 {
		return
	}
	for _, t := range new.tables {
		t.TrackForks(true)
	}
	for _, sub := range c.subs {
		sub.fn(old, new)
	}
}

// At returns a control plane whose current state is s, so that code that
// reads a Control (the CLI's printers) can show a snapshot other than the
// latest: a monitor prints a deleted route with the link names it had.
// Changes made through it fork s and never reach the Control s came from.
func At(s *Snapshot) *Control {
	c := &Control{}
	c.pub.Store(s)
	return c
}

// ChangeOp says whether a Change reports an object that appeared or
// changed, or one that went away (RTM_NEW* and RTM_DEL* messages).
type ChangeOp uint8

// Change operations.
const (
	OpNew ChangeOp = iota
	OpDel
)

// Object names the kind of object a Change is about.
type Object uint8

// Objects, as `ip monitor` names its groups.
const (
	ObjectLink Object = iota + 1
	ObjectAddr
	ObjectRoute
	ObjectRule
	ObjectNexthop
)

var objectNames = [...]string{"", "link", "address", "route", "rule", "nexthop"}

// String returns the object's `ip monitor` keyword.
func (o Object) String() string {
	if int(o) < len(objectNames) {
		return objectNames[o]
	}
	return "object"
}

// Change is one difference between two snapshots. Its object is as the
// snapshot it comes from holds it: the new one for OpNew (a new or
// changed object, whole), the old one for OpDel.
type Change struct {
	Op     ChangeOp
	Object Object
	// Link is the link for ObjectLink (its flags, master, MTU, name,
	// address or group changed: everything but its addresses) and the
	// link an address is on for ObjectAddr.
	Link    *Link
	Addr    *Addr
	Route   *fib.Route // its Table says which table
	Rule    *rule.Rule
	Family  fib.Family // of a Rule
	Index   int        // of a Rule: its position in its snapshot's Rules(Family)
	Nexthop *Nexthop
}

// Diff returns the changes that turn old into new, in an order that names
// every object after what it needs and before it goes: new and changed
// links, new nexthop objects, deleted then new addresses, deleted then new
// routes, deleted then new rules (IPv4, then IPv6), deleted nexthop
// objects, deleted links. An address changed in place is reported as new,
// as the kernel does; a route changed in place (a nexthop marked dead) as
// deleted and new.
//
// Diff is exact for any two snapshots. For consecutive ones (what
// Subscribe delivers) it compares only the prefixes the tables' writes
// touched; otherwise it compares every changed table in full.
func Diff(old, new *Snapshot) []Change {
	d := differ{old: old, new: new}
	d.links(OpNew)
	d.nexthops(OpNew)
	d.addrs(OpDel)
	d.addrs(OpNew)
	d.routes()
	d.rules()
	d.nexthops(OpDel)
	d.links(OpDel)
	return d.out
}

// differ collects the changes between two snapshots.
type differ struct {
	old, new *Snapshot
	out      []Change
}

func (d *differ) add(c Change) { d.out = append(d.out, c) }

// links reports new and changed links (OpNew) or deleted ones (OpDel).
func (d *differ) links(op ChangeOp) {
	for i := 1; i < max(len(d.old.links), len(d.new.links)); i++ {
		a, b := d.old.Link(i), d.new.Link(i)
		switch {
		case op == OpNew && b != nil && (a == nil || !sameLink(a, b)):
			d.add(Change{Op: OpNew, Object: ObjectLink, Link: b})
		case op == OpDel && a != nil && b == nil:
			d.add(Change{Op: OpDel, Object: ObjectLink, Link: a})
		}
	}
}

// sameLink compares everything but the addresses, the neighbours (which
// `monitor neigh` hears from the data plane's caches) and the owner mark.
func sameLink(a, b *Link) bool {
	if a == b {
		return true
	}
	x, y := *a, *b
	x.Addrs, y.Addrs, x.gen, y.gen = nil, nil, 0, 0
	x.Neighbors, y.Neighbors = nil, nil
	return reflect.DeepEqual(x, y)
}

// addrs reports the addresses that went away (OpDel) or that appeared or
// changed (OpNew), link by link in list order.
func (d *differ) addrs(op ChangeOp) {
	for i := 1; i < max(len(d.old.links), len(d.new.links)); i++ {
		a, b := d.old.Link(i), d.new.Link(i)
		if a == b {
			continue
		}
		from, to := a, b
		if op == OpNew {
			from, to = b, a
		}
		if from == nil {
			continue
		}
		for k := range from.Addrs {
			x := &from.Addrs[k]
			j := -1
			if to != nil {
				j = to.findAddr(x.Prefix.Addr(), x.Prefix.Bits())
			}
			if j < 0 || op == OpNew && to.Addrs[j] != *x {
				d.add(Change{Op: op, Object: ObjectAddr, Link: from, Addr: x})
			}
		}
	}
}

// routes reports deleted routes, then new ones, table by table.
func (d *differ) routes() {
	ids := slices.Sorted(maps.Keys(d.old.tables))
	for id := range d.new.tables {
		if d.old.tables[id] == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var news []Change
	for _, id := range ids {
		a, b := d.old.tables[id], d.new.tables[id]
		if a == b {
			continue
		}
		for _, p := range d.prefixes(a, b) {
			was, now := routesOf(a, p), routesOf(b, p)
			for _, r := range minus(was, now) {
				d.add(Change{Op: OpDel, Object: ObjectRoute, Route: r})
			}
			for _, r := range minus(now, was) {
				news = append(news, Change{Op: OpNew, Object: ObjectRoute, Route: r})
			}
		}
	}
	d.out = append(d.out, news...)
}

// prefixes returns the prefixes whose routes may differ between two
// versions of a table (either may be nil).
func (d *differ) prefixes(a, b *fib.Table) []netip.Prefix {
	if a != nil && b != nil {
		if ps, all := b.Touched(a); !all {
			return ps
		}
	}
	seen := map[netip.Prefix]struct{}{}
	for _, t := range []*fib.Table{a, b} {
		if t != nil {
			for r := range t.All() {
				seen[r.Prefix] = struct{}{}
			}
		}
	}
	return slices.SortedFunc(maps.Keys(seen), netip.Prefix.Compare)
}

// routesOf returns the routes of p in t, none when t is nil.
func routesOf(t *fib.Table, p netip.Prefix) []fib.Route {
	if t == nil {
		return nil
	}
	return t.Get(p)
}

// minus returns the routes of a that b lacks, each route of b matching
// one of a.
func minus(a, b []fib.Route) []*fib.Route {
	used := make([]bool, len(b))
	var out []*fib.Route
next:
	for i := range a {
		for j := range b {
			if !used[j] && sameRoute(&a[i], &b[j]) {
				used[j] = true
				continue next
			}
		}
		out = append(out, &a[i])
	}
	return out
}

// sameRoute compares two routes field by field, an empty nexthop list
// equal to none.
func sameRoute(a, b *fib.Route) bool {
	x, y := *a, *b
	x.Nexthops, y.Nexthops = nil, nil
	return reflect.DeepEqual(x, y) && slices.Equal(a.Nexthops, b.Nexthops)
}

// rules reports, per family, the deleted rules and then the new ones.
func (d *differ) rules() {
	for _, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		if d.old.rules[famIdx(f)] == d.new.rules[famIdx(f)] {
			continue
		}
		was, now := d.old.Rules(f), d.new.Rules(f)
		for _, k := range ruleMinus(was, now) {
			d.add(Change{Op: OpDel, Object: ObjectRule, Rule: &was[k], Family: f, Index: k})
		}
		for _, k := range ruleMinus(now, was) {
			d.add(Change{Op: OpNew, Object: ObjectRule, Rule: &now[k], Family: f, Index: k})
		}
	}
}

// ruleMinus returns the positions of the rules of a that b lacks, each
// rule of b matching one of a (the kernel allows equal rules).
func ruleMinus(a, b []rule.Rule) []int {
	left := map[rule.Rule]int{}
	for _, r := range b {
		left[r]++
	}
	var out []int
	for k, r := range a {
		if left[r] > 0 {
			left[r]--
		} else {
			out = append(out, k)
		}
	}
	return out
}

// nexthops reports new and replaced objects (OpNew) or deleted ones
// (OpDel), by id.
func (d *differ) nexthops(op ChangeOp) {
	from, to := d.old, d.new
	if op == OpNew {
		from, to = d.new, d.old
	}
	for _, nh := range from.Nexthops() {
		o := to.nexthops[nh.ID]
		if o == nil || op == OpNew && o != nh && !reflect.DeepEqual(o, nh) {
			d.add(Change{Op: op, Object: ObjectNexthop, Nexthop: nh})
		}
	}
}
