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

// rebuild compiles the suspended domains again from the snapshot the
// maps hold, without the lock, and applies them (Path.ApplyRebuild); it
// reports whether the maps are current, nothing owed. If the maps moved
// on while it compiled, it begins again, up to maxRebuildTries times;
// then, or if the domains cannot be rebuilt, the caller compiles in
// full.
func (f *fastPath) rebuild() bool {
	for range maxRebuildTries {
		f.mu.Lock()
		snap, c, gen := f.applied, f.compiled, f.gen
		vrfs := slices.Sorted(maps.Keys(f.vrf.owed))
		ports := f.portList()
		f.mu.Unlock()
		if snap == nil || c == nil || f.holds.Load() != 0 {
			return false
		}
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
