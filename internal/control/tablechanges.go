package control

import (
	"maps"
	"slices"

	"github.com/govrf/govrf/internal/fib"
)

// TableChanges is what a publication changed that a subscriber compiling
// each routing domain from its own table needs to know (the fast path's
// per-VRF rebuilds): the tables written and the links changed. A link's
// addresses are left out: they reach forwarding through the tables they
// write (local and connected routes).
type TableChanges struct {
	// Tables are the tables the publication wrote, in ascending order (a
	// table written back to its old routes may be listed).
	Tables []fib.TableID
	// Links are the indexes of the links made, dropped or changed in
	// anything but their addresses and configured neighbours, in order.
	Links []int
}

// ChangedTables returns what new changes of old in tables and links. A
// table made or dropped is listed as written. ok is false when a nexthop
// object changed, which routes of any table may use. Rules and sysctls
// are not compared: a subscriber reads those it depends on from both
// snapshots. Its cost is the links' and the tables' count, not the
// tables' sizes.
func ChangedTables(old, new *Snapshot) (tc TableChanges, ok bool) {
	if old == new {
		return tc, true
	}
	if !maps.Equal(old.nexthops, new.nexthops) {
		return tc, false
	}
	for id, b := range new.tables {
		if old.tables[id] != b {
			tc.Tables = append(tc.Tables, id)
		}
	}
	for id := range old.tables {
		if new.tables[id] == nil {
			tc.Tables = append(tc.Tables, id)
		}
	}
	slices.Sort(tc.Tables)
	for i := 1; i < max(len(old.links), len(new.links)); i++ {
		a, b := old.Link(i), new.Link(i)
		if a != b && (a == nil || b == nil || !sameLink(a, b)) {
			tc.Links = append(tc.Links, i)
		}
	}
	return tc, true
}

// DevTables returns, in ascending order, the tables of s that may hold a
// route through link dev (a superset: a table stays listed after its
// last such route goes).
func (s *Snapshot) DevTables(dev int) []fib.TableID { return s.devTableIDs(dev) }
