package fastpath

import (
	"maps"
	"slices"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// Rebuild is some L3 domains of a compilation compiled again whole, for
// the snapshot after a change that reached only them (Affected,
// UpdateVRFs), and applied into the generation in use
// (Path.ApplyRebuild): each domain's tries are built whole and set into
// their outer slots, each slot in one update, while the other domains
// keep forwarding.
type Rebuild struct {
	// Nexthops are new nexthops the tries use, numbered on from the
	// compilation's, as Delta's.
	First      uint32
	Nexthops   []NexthopValue
	Neighbours []NeighbourKey
	// VRFs are the domains' new tries by their index in Compiled.VRFs.
	VRFs map[int]Tries
	// Ports is the ports map after the rebuild. The entries of Drop
	// (ifindexes whose entry goes or changes) are deleted before the
	// tries are set, those of Set (the rebuilt domains' ports, which
	// Path.SuspendPorts may have suspended, and any whose entry comes or
	// changes) set after: a port never points at a trie of another
	// snapshot than its own entry's.
	Ports     map[uint32]PortValue
	Drop, Set []uint32
}

// Affected returns the indexes in c.VRFs of the L3 domains whose tries
// or ports' entries the change tc (control.ChangedTables) from snapshot
// old, which c compiles, to snapshot s may change: those whose table was
// written, those holding a port whose link changed (before or after),
// and those whose table may route through such a port, which decides
// whether its routes are compiled. Nothing else of the snapshot reaches
// a domain's entries: of the rules a compilation reads only whether
// rulesExact and rulesExactDefault hold, and of the sysctls only
// forwarding, both of which decide the domains compiled and their
// families. It returns ErrCompile when the change may reach every domain
// or their layout:
//   - the compiled domains, their order, their tables or their families
//     differ (a VRF holding a port made, dropped, brought up or down,
//     given another table; a VRF's first port enslaved or its last one
//     released; a rule at or before the l3mdev rule, or before main's
//     for the default VRF; forwarding turned on or off);
//   - the local table was written (it is laid over every trie);
//   - a port's link was made or dropped, or its MTU changed (its
//     nexthops, shared by every domain routing through it, would change,
//     and a nexthop is not rewritten whole in place).
//
// A link that is no port of ports plays no part in a compilation beyond
// the tables, and a VRF that holds none is no domain (domains): a VRF
// without ports made, dropped or changed, and its table written, reach
// no domain, and Affected returns none.
func Affected(c *Compiled, old, s *control.Snapshot, ports []Port, tc control.TableChanges) ([]int, error) {
	ds := domains(s, ports)
	if !slices.Equal(ds, domains(old, ports)) || len(ds) != len(c.VRFs) {
		return nil, ErrCompile
	}
	byTable, byVRF := map[fib.TableID][]int{}, map[int]int{}
	for i, d := range ds {
		if d.vrf != c.VRFs[i].VRF {
			return nil, ErrCompile
		}
		byTable[d.table] = append(byTable[d.table], i)
		byVRF[d.vrf] = i
	}
	hit := map[int]bool{}
	mark := func(ids []fib.TableID) {
		for _, id := range ids {
			for _, i := range byTable[id] {
				hit[i] = true
			}
		}
	}
	if slices.Contains(tc.Tables, fib.TableLocal) {
		return nil, ErrCompile
	}
	mark(tc.Tables)
	attached := map[int]bool{}
	for _, p := range ports {
		attached[p.Link] = true
	}
	for _, li := range tc.Links {
		if !attached[li] {
			continue
		}
		a, b := old.Link(li), s.Link(li)
		if a == nil || b == nil || a.MTU != b.MTU {
			return nil, ErrCompile
		}
		for _, m := range []int{a.Master, b.Master} {
			if i, ok := byVRF[m]; ok {
				hit[i] = true
			}
		}
		mark(old.DevTables(li))
		mark(s.DevTables(li))
	}
	return slices.Sorted(maps.Keys(hit)), nil
}

// UpdateVRFs compiles the domains vrfs (indexes in c.VRFs, as Affected
// returns them) of snapshot s again, whole, as Compile would, with the
// nexthop ids c holds (new ones after them, as Update's), for the same
// ports as c. It returns ErrCompile when s's domains are not c's or the
// nexthops would reach MaxNexthops.
func UpdateVRFs(c *Compiled, s *control.Snapshot, ports []Port, mono uint64, vrfs []int) (*Rebuild, error) {
	k, err := newCompiler(s, ports, mono)
	if err != nil {
		return nil, err
	}
	k.seed(c)
	ds := domains(s, ports)
	if len(ds) != len(c.VRFs) {
		return nil, ErrCompile
	}
	r := &Rebuild{VRFs: map[int]Tries{}, Ports: maps.Clone(c.Ports)}
	for _, i := range vrfs {
		if i < 0 || i >= len(ds) || ds[i].vrf != c.VRFs[i].VRF {
			return nil, ErrCompile
		}
		maps.DeleteFunc(r.Ports, func(_ uint32, v PortValue) bool { return v.VRF == uint32(i) })
	}
	for _, i := range vrfs {
		tr, ps := k.domain(ds[i], i)
		r.VRFs[i] = tr
		maps.Copy(r.Ports, ps)
	}
	if len(k.nexthops) >= MaxNexthops {
		return nil, ErrCompile
	}
	for ifx, v := range c.Ports {
		if n, ok := r.Ports[ifx]; !ok || n != v {
			r.Drop = append(r.Drop, ifx)
		}
	}
	for ifx, v := range r.Ports {
		if o, ok := c.Ports[ifx]; !ok || o != v || slices.Contains(vrfs, int(v.VRF)) {
			r.Set = append(r.Set, ifx)
		}
	}
	slices.Sort(r.Drop)
	slices.Sort(r.Set)
	r.First = uint32(len(c.Nexthops) + 1)
	r.Nexthops, r.Neighbours = k.nexthops[len(c.Nexthops):], k.nhKeys[len(c.Neighbours):]
	return r, nil
}

// With returns c with r applied: what the maps hold after
// Path.ApplyRebuild of r.
func (c *Compiled) With(r *Rebuild) *Compiled {
	n := *c
	n.VRFs = slices.Clone(c.VRFs)
	for i, tr := range r.VRFs {
		n.VRFs[i] = tr
	}
	n.Ports = r.Ports
	n.Nexthops = append(c.Nexthops[:len(c.Nexthops):len(c.Nexthops)], r.Nexthops...)
	n.Neighbours = append(c.Neighbours[:len(c.Neighbours):len(c.Neighbours)], r.Neighbours...)
	return &n
}

// PortsOf returns the ifindexes of c's ports in domains vrfs (indexes in
// c.VRFs), in order: what Path.SuspendPorts suspends to suspend them.
func (c *Compiled) PortsOf(vrfs []int) []uint32 {
	var out []uint32
	for ifx, v := range c.Ports {
		if slices.Contains(vrfs, int(v.VRF)) {
			out = append(out, ifx)
		}
	}
	slices.Sort(out)
	return out
}
