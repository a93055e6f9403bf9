package control

import (
	"iter"
	"maps"
	"slices"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// Snapshot is one immutable state of the control plane. Readers get it
// from Control.Snapshot and may keep it as long as they like; the writer
// builds the next one by forking, sharing everything it does not change.
type Snapshot struct {
	gen       uint64
	dirty     bool
	writes    int            // table writes since the fork (Writes)
	scratch   *Router        // the writer's gateway lookups (scratchRouter)
	links     []*Link        // by index; nil where no link has that index
	names     map[string]int // name → index
	nextIndex int
	tables    map[fib.TableID]*fib.Table
	hot       []tableRef    // tables sorted by id, for the data path
	rules     [2]*rule.Set  // IPv4, IPv6; owned by the snapshot that made them
	lists     [2]*rule.List // compiled from rules for the walk
	stale     bool          // rules or links changed since lists were compiled
	dissect   [2]bool       // a rule needs protocol and ports (Dissects)
	rulesGen  [2]uint64     // generation that owns rules[i]
	nexthops  map[uint32]*Nexthop
	devTabs   devTables // tables with routes through each link (devtables.go)
	sysctl    Sysctl
	bgp       *BGP   // nil without BGP; replaced, never changed (bgp.go)
	kernel    Kernel // the build options modelled (NewFor)
	// l3mdevRuleDone records that the first VRF added the l3mdev rules;
	// they are never added again (vrf.c vrf_add_fib_rules).
	l3mdevRuleDone bool
	// customRules4 records that an IPv4 rule was ever added or deleted
	// (fib_has_custom_rules): until then the kernel keeps the local table
	// merged into main and looks up main and default without a rule walk.
	customRules4 bool
	// customLocal4 records that an IPv4 local route was added by hand
	// (fib_has_custom_local_routes); source validation is then full.
	customLocal4 bool
}

func newSnapshot() *Snapshot {
	s := &Snapshot{
		names:     map[string]int{},
		nextIndex: 1,
		tables:    map[fib.TableID]*fib.Table{},
		nexthops:  map[uint32]*Nexthop{},
		sysctl:    defaultSysctl(),
		links:     []*Link{nil},
	}
	// The default table appears with its first route, as in the kernel.
	for _, id := range []fib.TableID{fib.TableLocal, fib.TableMain} {
		s.tables[id] = fib.NewTable(id)
	}
	s.rules[0] = rule.NewSet(fib.IPv4)
	s.rules[1] = rule.NewSet(fib.IPv6)
	s.freeze()
	return s
}

// fork returns a writable successor sharing all unchanged parts.
func (s *Snapshot) fork() *Snapshot {
	w := *s
	w.gen = s.gen + 1
	w.dirty = false
	w.writes = 0
	w.scratch = nil
	w.links = slices.Clone(s.links)
	w.names = maps.Clone(s.names)
	w.tables = maps.Clone(s.tables)
	w.hot = nil
	w.nexthops = maps.Clone(s.nexthops)
	return &w
}

// freeze makes s publishable: tables frozen, rule lists compiled.
func (s *Snapshot) freeze() {
	s.hot = s.hot[:0:0]
	for _, id := range s.TableIDs() {
		s.tables[id].Freeze()
		s.hot = append(s.hot, tableRef{id, s.tables[id]})
	}
	s.compileRules()
}

// compileRules compiles the rule lists of both families. Link names may
// have changed as well as rules; compiling a few rules is cheap.
func (s *Snapshot) compileRules() {
	for i := range s.rules {
		rs := s.rules[i].Rules()
		s.lists[i] = rule.Compile(rs, linkResolver{s})
		s.dissect[i] = slices.ContainsFunc(rs, func(r rule.Rule) bool {
			return r.Iif != "lo" && (r.IPProto != 0 || r.Sport != (rule.PortRange{}) || r.Dport != (rule.PortRange{}))
		})
	}
	s.stale = false
}

// Dissects reports whether a rule of family f matches on the protocol or
// a port of a flow that does not come from lo: only then does the kernel
// dissect a received packet for its rules (fib_rule_requires_fldissect),
// and the source check's reverse flow carries them.
func (s *Snapshot) Dissects(f fib.Family) bool { return s.dissect[famIdx(f)] }

// tableRef pairs a table with its id in the sorted lookup slice.
type tableRef struct {
	id fib.TableID
	t  *fib.Table
}

// hotTable finds a table by binary search over the frozen snapshot's
// sorted slice: cheaper than a map lookup on the data path.
func (s *Snapshot) hotTable(id fib.TableID) *fib.Table {
	if s.hot == nil {
		return s.tables[id] // a working state, not yet frozen
	}
	lo, hi := 0, len(s.hot)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.hot[m].id < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s.hot) && s.hot[lo].id == id {
		return s.hot[lo].t
	}
	return nil
}

// scratchRouter returns a router for the writer's gateway checks, made
// once per working state rather than per route: a Router escapes to the
// heap, and a batch checks a gateway for every route it adds. Only the
// writer of s may use it, and each use starts from a clean router.
func (s *Snapshot) scratchRouter() *Router {
	if s.scratch == nil {
		s.scratch = new(Router)
	}
	*s.scratch = Router{}
	return s.scratch
}

// Writes returns how many table writes made s from the snapshot before
// it: about the number of routes added or deleted, a flush counting
// once. What a snapshot holds beyond its predecessor grows with it.
func (s *Snapshot) Writes() int { return s.writes }

// Gen returns the snapshot's generation, increasing with every change.
func (s *Snapshot) Gen() uint64 { return s.gen }

// Link returns the link with this index, or nil.
func (s *Snapshot) Link(index int) *Link {
	if index <= 0 || index >= len(s.links) {
		return nil
	}
	return s.links[index]
}

// LinkByName returns the named link, or nil.
func (s *Snapshot) LinkByName(name string) *Link {
	if i, ok := s.names[name]; ok {
		return s.links[i]
	}
	return nil
}

// Links yields every link in index order.
func (s *Snapshot) Links() iter.Seq[*Link] {
	return func(yield func(*Link) bool) {
		for _, l := range s.links {
			if l != nil && !yield(l) {
				return
			}
		}
	}
}

// Table returns routing table id, or nil if it does not exist.
func (s *Snapshot) Table(id fib.TableID) *fib.Table { return s.tables[id] }

// TableIDs returns the existing table ids in ascending order.
func (s *Snapshot) TableIDs() []fib.TableID {
	return slices.Sorted(maps.Keys(s.tables))
}

// Rules returns the rules of a family in order.
func (s *Snapshot) Rules(f fib.Family) []rule.Rule { return s.rules[famIdx(f)].Rules() }

// RuleList returns the compiled rule list of a family.
func (s *Snapshot) RuleList(f fib.Family) *rule.List { return s.lists[famIdx(f)] }

// Nexthop returns nexthop object id, or nil.
func (s *Snapshot) Nexthop(id uint32) *Nexthop { return s.nexthops[id] }

// Nexthops returns every nexthop object by ascending id.
func (s *Snapshot) Nexthops() []*Nexthop {
	out := make([]*Nexthop, 0, len(s.nexthops))
	for _, id := range slices.Sorted(maps.Keys(s.nexthops)) {
		out = append(out, s.nexthops[id])
	}
	return out
}

// Sysctl returns the sysctl values.
func (s *Snapshot) Sysctl() *Sysctl { return &s.sysctl }

// VRFByName returns the named VRF device, or nil if there is no such link
// or it is not a VRF.
func (s *Snapshot) VRFByName(name string) *Link {
	if l := s.LinkByName(name); l != nil && l.Kind == KindVRF {
		return l
	}
	return nil
}

// VRFOf returns the VRF a link belongs to: its master, or itself when it
// is a VRF; nil for links of the default VRF.
func (s *Snapshot) VRFOf(index int) *Link {
	l := s.Link(index)
	switch {
	case l == nil:
		return nil
	case l.Kind == KindVRF:
		return l
	case l.Master != 0:
		return s.Link(l.Master)
	}
	return nil
}

func famIdx(f fib.Family) int {
	if f == fib.IPv6 {
		return 1
	}
	return 0
}

// table returns a writable table id, creating it if needed (fib_new_table).
func (s *Snapshot) table(id fib.TableID) *fib.Table {
	t, ok := s.tables[id]
	if !ok {
		t = fib.NewTable(id)
	} else {
		t = t.Mutable()
	}
	s.tables[id] = t
	s.dirty = true
	s.writes++
	return t
}

// ruleSet returns the writable rule set of a family.
func (s *Snapshot) ruleSet(f fib.Family) *rule.Set {
	i := famIdx(f)
	if s.rulesGen[i] != s.gen {
		s.rules[i] = s.rules[i].Clone()
		s.rulesGen[i] = s.gen
	}
	s.dirty = true
	s.stale = true
	return s.rules[i]
}

// linkResolver lets rule.Compile resolve link names in s.
type linkResolver struct{ s *Snapshot }

func (r linkResolver) Index(name string) (int, bool, bool) {
	l := r.s.LinkByName(name)
	if l == nil {
		return 0, false, false
	}
	return l.Index, l.Kind == KindVRF, true
}

func (r linkResolver) Group(index int) int {
	if l := r.s.Link(index); l != nil {
		return l.Group
	}
	return 0
}
