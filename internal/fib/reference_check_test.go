package fib

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestAgainstReference applies the same random operations to a Table and
// to the reference model, then compares every answer, the full listing,
// and at least 100,000 random lookups. Every 200 operations the table
// is frozen and writing goes on in a fork; the frozen snapshots are
// checked again at the end, so persistent writes, the switch to cloning
// and snapshot isolation are covered too.
func TestAgainstReference(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(20240601, 7))}
	queries := 0
	for round := range 4 {
		tb := NewTable(TableID(100 + round))
		m := &refTable{id: tb.ID()}
		type snapshot struct {
			t *Table
			m *refTable
		}
		var snaps []snapshot
		for step := 1; step <= 800; step++ {
			applyRandom(t, g, tb, m)
			if step%200 != 0 {
				continue
			}
			checkSame(t, tb, m)
			for range 7500 {
				q := g.query(m)
				compareLookup(t, tb, m, &q)
				queries++
			}
			tb.Freeze()
			snaps = append(snaps, snapshot{tb, &refTable{id: m.id, rs: slices.Clone(m.rs)}})
			tb = tb.Mutable()
		}
		for _, s := range snaps {
			checkSame(t, s.t, s.m)
			for range 500 {
				q := g.query(s.m)
				compareLookup(t, s.t, s.m, &q)
				queries++
			}
		}
	}
	if queries < 100000 {
		t.Fatalf("ran %d queries, want at least 100000", queries)
	}
}

// applyRandom applies one random operation to both and compares results.
func applyRandom(t *testing.T, g gen, tb *Table, m *refTable) {
	t.Helper()
	is4 := g.pick(2) == 0
	view := m.view()
	switch n := g.pick(100); {
	case n < 85 || len(view) == 0:
		r := g.route(is4)
		if len(view) > 0 && g.pick(4) == 0 {
			r = view[g.pick(len(view))] // a duplicate, or a near one
			r.Nexthops = slices.Clone(r.Nexthops)
			if len(r.Nexthops) > 0 && g.pick(2) == 0 {
				r.Nexthops[0].Weight++
			}
		}
		op := Op(g.pick(int(OpPrepend) + 1))
		got, want := tb.Add(r, op), m.add(r, op)
		if errOrEmpty(got) != errOrEmpty(want) {
			t.Fatalf("Add(%v, %v) = %v, want %v; before:%s", fmtList([]Route{r}), op, got, want, fmtList(view))
		}
	case n < 96:
		sel := g.selector(view[g.pick(len(view))])
		if g.pick(5) == 0 {
			sel = g.selector(g.route(is4))
		}
		got, err := tb.Delete(sel)
		want, werr := m.del(sel)
		if want.Prefix.IsValid() {
			want.Table = m.id
		}
		if errOrEmpty(err) != errOrEmpty(werr) || !sameRoutes([]Route{got}, []Route{want}) {
			t.Fatalf("Delete(%v) = %v, %v, want %v, %v; before:%s", fmtList([]Route{sel}),
				fmtList([]Route{got}), err, fmtList([]Route{want}), werr, fmtList(view))
		}
	case n < 97:
		dev := 1 + g.pick(4)
		del := func(r *Route) bool {
			return slices.ContainsFunc(r.Nexthops, func(h Nexthop) bool { return h.Dev == dev })
		}
		if got, want := tb.DeleteFunc(del), m.deleteFunc(del); !sameRoutes(got, want) {
			t.Fatalf("DeleteFunc(dev %d) = %s, want %s", dev, fmtList(got), fmtList(want))
		}
	default:
		dev, dead := 1+g.pick(4), g.pick(3) != 0
		if got, want := tb.SetDevDead(dev, dead), m.setDevDead(dev, dead); got != want {
			t.Fatalf("SetDevDead(%d, %v) = %d, want %d", dev, dead, got, want)
		}
	}
}

func (m *refTable) add(r Route, op Op) error {
	if r.Prefix.Addr().Is4() {
		return m.add4(r, op)
	}
	return m.add6(r, op)
}

func (m *refTable) del(sel Route) (Route, error) {
	if sel.Prefix.Addr().Is4() {
		return m.del4(sel)
	}
	return m.del6(sel)
}

// checkSame compares the listing and the count.
func checkSame(t *testing.T, tb *Table, m *refTable) {
	t.Helper()
	got, want := slices.Collect(tb.All()), m.view()
	if !sameRoutes(got, want) {
		t.Fatalf("All() = %s\nwant %s", fmtList(got), fmtList(want))
	}
	if tb.Len() != len(want) {
		t.Fatalf("Len() = %d, want %d", tb.Len(), len(want))
	}
	for _, r := range want {
		var same []Route
		for _, x := range want {
			if x.Prefix == r.Prefix {
				same = append(same, x)
			}
		}
		if got := tb.Get(r.Prefix); !sameRoutes(got, same) {
			t.Fatalf("Get(%v) = %s, want %s", r.Prefix, fmtList(got), fmtList(same))
		}
	}
}

func compareLookup(t *testing.T, tb *Table, m *refTable, q *Query) {
	t.Helper()
	got, ok := tb.Lookup(q)
	want, wok := m.lookup(q)
	if ok != wok || got != want {
		t.Fatalf("Lookup(dst %v oif %d tos %#x scope %v hash %#x) = %+v, %v, want %+v, %v; routes:%s",
			q.Dst, q.Oif, q.Tos, q.Scope, q.Hash, got, ok, want, wok, fmtList(m.view()))
	}
}

// fmtList prints routes for a failure message, one per line.
func fmtList(rs []Route) string { return "\n\t" + strings.ReplaceAll(fmtAll(rs), "\n", "\n\t") }
