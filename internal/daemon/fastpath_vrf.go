package daemon

import (
	"maps"
	"slices"
	"sync/atomic"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fastpath"
)

// perVRF is what the maps owe per VRF: a publication that changed more
// than routes, but only in some L3 domains (fastpath.Affected), suspends
// those domains' tries alone, at once (stepVRFs), and the compiler
// builds them again whole from the snapshot the maps hold and sets each
// into its slot in one update (rebuild), while every other domain keeps
// forwarding.
type perVRF struct {
	// owed are the VRF slots suspended, to rebuild; under fastPath.mu.
	owed map[int]bool
	// neighLinks are the ports that have a new neighbour no nexthop goes
	// to, under fastPath.nmu: the domains that may give it a host entry
	// are rebuilt, unsuspended (their tries stay exact without it: its
	// packets go to the Go data path).
	neighLinks map[int]bool
	// steps counts the publications applied per VRF, rebuilds the
	// rebuilds applied.
	steps, rebuilds atomic.Int64
}

// maxRebuildTries bounds the rebuilds begun again because the maps moved
// on while one compiled: past it a full compilation takes over.
const maxRebuildTries = 3

// stepVRFs applies publication st to the maps by suspending the domains
// it may change, if it reaches whole domains only, and reports whether
// it did; the compiler is asked to rebuild them. f.mu is held, the maps
// hold st.old.
func (f *fastPath) stepVRFs(st *routeStep, ports []fastpath.Port) bool {
	tc, ok := control.ChangedTables(st.old, st.new)
	if !ok {
		return false
	}
	vrfs, err := fastpath.Affected(f.compiled, st.old, st.new, ports, tc)
	if err != nil {
		return false
	}
	var fresh []int
	for _, v := range vrfs {
		if !f.vrf.owed[v] {
			fresh = append(fresh, v)
		}
	}
	if err := f.path.SuspendPorts(f.compiled.PortsOf(fresh)); err != nil {
		f.tell(err)
		return false
	}
	if f.vrf.owed == nil {
		f.vrf.owed = map[int]bool{}
	}
	for _, v := range fresh {
		f.vrf.owed[v] = true
	}
	f.vrf.steps.Add(1)
	if len(f.vrf.owed) > 0 {
		f.kick1()
	}
	return true
}

// newNeighbour asks for the domains that may give a new neighbour of
// the port of link index a host entry to be rebuilt. It does not block.
func (f *fastPath) newNeighbour(index int) {
	f.nmu.Lock()
	if f.vrf.neighLinks == nil {
		f.vrf.neighLinks = map[int]bool{}
	}
	f.vrf.neighLinks[index] = true
	f.nmu.Unlock()
	f.kick1()
}

// neighbourVRFs returns the domains the ports with new neighbours
// (newNeighbour) reach: their own and those whose tables may route
// through them (fastpath.Affected, as for a change of their links), and
// forgets the ports; ok is false when they cannot be told apart (a full
// compilation is then wanted). f.mu is held, the maps are current.
func (f *fastPath) neighbourVRFs(ports []fastpath.Port) (vrfs []int, ok bool) {
	f.nmu.Lock()
	links := slices.Sorted(maps.Keys(f.vrf.neighLinks))
	f.vrf.neighLinks = nil
	f.nmu.Unlock()
	if len(links) == 0 {
		return nil, true
	}
	vrfs, err := fastpath.Affected(f.compiled, f.applied, f.applied, ports, control.TableChanges{Links: links})
	return vrfs, err == nil
}

// rebuild compiles the suspended domains again from the snapshot the
// maps hold, without the lock, and applies them (Path.ApplyRebuild),
// with those a new neighbour reaches (neighbourVRFs); it reports
// whether the maps are current, nothing owed. If the maps moved
// on while it compiled, it begins again, up to maxRebuildTries times;
// then, or if the domains cannot be rebuilt, the caller compiles in
// full.
func (f *fastPath) rebuild() bool {
	fresh := map[int]bool{} // the domains new neighbours reach
	for range maxRebuildTries {
		f.mu.Lock()
		snap, c, gen := f.applied, f.compiled, f.gen
		ports := f.portList()
		if snap == nil || c == nil || f.holds.Load() != 0 {
			f.mu.Unlock()
			return false
		}
		more, ok := f.neighbourVRFs(ports)
		if !ok {
			f.mu.Unlock()
			return false
		}
		for _, v := range more {
			fresh[v] = true
		}
		vrfs := slices.Sorted(maps.Keys(f.vrf.owed))
		for v := range fresh {
			if !f.vrf.owed[v] {
				vrfs = append(vrfs, v)
			}
		}
		slices.Sort(vrfs)
		f.mu.Unlock()
		if len(vrfs) == 0 {
			return true
		}
		r, err := fastpath.UpdateVRFs(c, snap, ports, fastpath.Monotonic(), vrfs)
		if err != nil {
			return false
		}
		f.mu.Lock()
		if f.applied != snap || f.compiled != c || f.gen != gen || f.holds.Load() != 0 {
			f.mu.Unlock()
			continue
		}
		f.ctr.Lock()
		f.fold()
		f.ctr.Unlock()
		if err = f.path.ApplyRebuild(r); err == nil {
			f.compiled, f.vrf.owed = c.With(r), nil
			f.vrf.rebuilds.Add(1)
			f.applyNeighbours(f.compiled)
		}
		f.ctr.Lock()
		f.fold() // what the ports counted under their old VRFs
		for index, p := range f.ports {
			if l := snap.Link(index); l != nil {
				p.vrf = l.Master
			}
		}
		f.ctr.Unlock()
		f.tell(err)
		f.mu.Unlock()
		return err == nil
	}
	return false
}

// portList returns the attached ports. f.mu is held.
func (f *fastPath) portList() []fastpath.Port {
	ports := make([]fastpath.Port, 0, len(f.ports))
	for _, p := range f.ports {
		ports = append(ports, p.Port)
	}
	return ports
}
