package daemon

import (
	"net/netip"
	"slices"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/fib"
)

// routeStep is one publication as the fast path records it: the
// snapshots before and after, and, once looked at (routes), whether it
// changed routes alone, in at most maxStepKeys prefixes
// (control.RouteChanges), and the prefixes it touched.
type routeStep struct {
	old, new *control.Snapshot
	looked   bool
	changed  map[fib.TableID][]netip.Prefix
	only     bool
}

// routes returns the prefixes st touched and whether it changed routes
// alone, in at most maxStepKeys prefixes, looking once. f.mu is held.
func (st *routeStep) routes() (map[fib.TableID][]netip.Prefix, bool) {
	if !st.looked {
		st.changed, st.only = control.RouteChanges(st.old, st.new, maxStepKeys)
		st.looked = true
	}
	return st.changed, st.only
}

// maxSteps bounds the publications kept for catching up: past it the
// oldest are dropped, and maps older than what is kept are compiled
// again in full.
const maxSteps = 4096

// maxStepKeys bounds the prefixes one publication may touch to be
// applied key by key: a larger batch rebuilds the VRFs it touched.
const maxStepKeys = 1024

// record keeps a publication for catching up (catchUp). It runs in the
// control plane's writer, so it only keeps the pair: what changed is
// looked at by whoever applies it.
func (f *fastPath) record(old, new *control.Snapshot) {
	f.smu.Lock()
	defer f.smu.Unlock()
	if len(f.steps) == maxSteps {
		f.steps = append(f.steps[:0], f.steps[1:]...)
	}
	f.steps = append(f.steps, &routeStep{old: old, new: new})
}

// trimSteps forgets the publications up to s, which a full compilation
// applied.
func (f *fastPath) trimSteps(s *control.Snapshot) {
	f.smu.Lock()
	defer f.smu.Unlock()
	i := 0
	for i < len(f.steps) && f.steps[i].new.Gen() <= s.Gen() {
		i++
	}
	f.steps = append(f.steps[:0], f.steps[i:]...)
}

// catchUp brings the maps from the applied snapshot to the last one
// recorded, publication by publication, and reports whether it got
// there. A publication of routes alone is applied as the keys it changes
// (stepKeys); any other, or one whose keys need more than their own
// prefixes, suspends the L3 domains it reaches, if it reaches whole
// domains only, for the compiler to rebuild (stepVRFs). It gives up,
// leaving the maps at the last publication it applied, when a
// publication does neither (a rule or a sysctl that changes which
// domains compile, the local table, a VRF brought up...); the caller
// then suspends the maps whole. f.mu is held,
// the maps are not suspended and no capture holds them.
func (f *fastPath) catchUp() bool {
	if f.gen != f.appliedGen || f.compiled == nil {
		return false
	}
	f.smu.Lock()
	i := len(f.steps) - 1
	for i >= 0 && f.steps[i].old != f.applied {
		i--
	}
	if i < 0 {
		// Nothing recorded after the maps: the publication that made them
		// stale is yet to be recorded, and will ask again.
		none := len(f.steps) == 0 || f.steps[len(f.steps)-1].new.Gen() <= f.applied.Gen()
		f.smu.Unlock()
		return none
	}
	steps := append([]*routeStep(nil), f.steps[i:]...)
	f.smu.Unlock()
	ports := f.portList()
	for _, st := range steps {
		done, failed := f.stepKeys(st, ports)
		if failed || !done && !f.stepVRFs(st, ports) {
			return false
		}
		f.applied = st.new
	}
	return true
}

// stepKeys applies publication st to the maps key by key
// (fastpath.Update, Path.ApplyDelta) if it changed routes alone in at
// most maxStepKeys prefixes, each compiled on its own; it reports
// whether it did, and whether writing the maps failed (told). The keys
// of suspended domains are left out: their rebuild compiles them. Where
// a trie changes in more than one key, every changed key is first set
// to hand packets over (Delta.Holding), so that a lookup between two
// writes finds the old snapshot's answer, the new one's or the slow
// path, never a mix of both. A publication whose routes need new
// nexthops adds them after the applied ones, and the neighbour writer
// takes them on. f.mu is held.
func (f *fastPath) stepKeys(st *routeStep, ports []fastpath.Port) (done, failed bool) {
	changed, ok := st.routes()
	if !ok {
		return false, false
	}
	d, err := fastpath.Update(f.compiled, st.old, st.new, ports, fastpath.Monotonic(), changed)
	if err != nil {
		return false, false
	}
	d.Keys = slices.DeleteFunc(d.Keys, func(k fastpath.KeyChange) bool { return f.vrf.owed[k.VRF] })
	if d.MaxPerTrie() > 1 {
		if err := f.path.ApplyDelta(d.Holding()); err != nil {
			f.tell(err)
			return false, true
		}
	}
	if err := f.path.ApplyDelta(d); err != nil {
		f.tell(err)
		return false, true
	}
	if len(d.Nexthops) > 0 {
		f.compiled = withNexthops(f.compiled, d)
		f.applyNeighbours(f.compiled) // the neighbour writer's ids, and each written from its cache
	}
	f.incremental.Add(1)
	return true, false
}

// withNexthops returns c with the nexthops d adds.
func withNexthops(c *fastpath.Compiled, d *fastpath.Delta) *fastpath.Compiled {
	if len(d.Nexthops) == 0 {
		return c
	}
	n := *c
	n.Nexthops = append(c.Nexthops[:len(c.Nexthops):len(c.Nexthops)], d.Nexthops...)
	n.Neighbours = append(c.Neighbours[:len(c.Neighbours):len(c.Neighbours)], d.Neighbours...)
	return &n
}

// pendingSince returns the deltas that bring c, compiled from snap for
// ports, to the latest publication recorded that it can reach key by
// key, that publication (snap if none) and c with the deltas' nexthops:
// a full compilation is applied with them, so that the maps never go
// back to snap from a later state catchUp applied meanwhile. f.mu is
// held.
func (f *fastPath) pendingSince(snap *control.Snapshot, c *fastpath.Compiled, ports []fastpath.Port) ([]*fastpath.Delta, *control.Snapshot, *fastpath.Compiled) {
	f.smu.Lock()
	i := 0
	for i < len(f.steps) && f.steps[i].old != snap {
		i++
	}
	steps := append([]*routeStep(nil), f.steps[i:]...)
	f.smu.Unlock()
	var deltas []*fastpath.Delta
	for _, st := range steps {
		changed, ok := st.routes()
		if !ok {
			break
		}
		d, err := fastpath.Update(c, st.old, st.new, ports, fastpath.Monotonic(), changed)
		if err != nil {
			break
		}
		deltas, snap, c = append(deltas, d), st.new, withNexthops(c, d)
	}
	return deltas, snap, c
}
