package control

import (
	"maps"
	"slices"

	"github.com/govrf/govrf/internal/fib"
)

// devTables indexes, by link index, the tables that have held a route
// with a nexthop through that link. It is a superset: a table stays listed
// after its last such route goes. Flushing or reviving a link's routes
// then visits only those tables rather than every route of every table,
// so bringing a port up or down costs the same with four VRFs as with
// four thousand. A snapshot shares its parent's index until it records a
// new pair.
type devTables struct {
	m   map[int][]fib.TableID
	gen uint64 // generation that owns m
}

// addRoute adds r to its table and records the links of its nexthops.
func (s *Snapshot) addRoute(r fib.Route, op fib.Op) error {
	if err := s.table(r.Table).Add(r, op); err != nil {
		return err
	}
	for i := range r.Nexthops {
		s.noteDevTable(r.Nexthops[i].Dev, r.Table)
	}
	return nil
}

// noteDevTable records that table id may hold a route through link dev.
func (s *Snapshot) noteDevTable(dev int, id fib.TableID) {
	if dev == 0 || slices.Contains(s.devTabs.m[dev], id) {
		return
	}
	if s.devTabs.gen != s.gen || s.devTabs.m == nil {
		s.devTabs = devTables{m: maps.Clone(s.devTabs.m), gen: s.gen}
		if s.devTabs.m == nil {
			s.devTabs.m = map[int][]fib.TableID{}
		}
	}
	// Clip so that an append never writes into an array a parent shares.
	s.devTabs.m[dev] = append(slices.Clip(s.devTabs.m[dev]), id)
}

// forgetDevTables drops what the index knows of link dev, which is being
// deleted after its routes were flushed: link indexes are never given
// again, so an entry kept would only grow the index as links come and go.
func (s *Snapshot) forgetDevTables(dev int) {
	if _, ok := s.devTabs.m[dev]; !ok {
		return
	}
	if s.devTabs.gen != s.gen {
		s.devTabs = devTables{m: maps.Clone(s.devTabs.m), gen: s.gen}
	}
	delete(s.devTabs.m, dev)
}

// devTableIDs returns, in ascending order, the existing tables that may
// hold a route through link dev.
func (s *Snapshot) devTableIDs(dev int) []fib.TableID {
	var out []fib.TableID
	for _, id := range s.devTabs.m[dev] {
		if s.tables[id] != nil {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
