package fastpath

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/cilium/ebpf"
)

// SuspendVRFs empties the outer slots of the VRFs vrfs (indexes in the
// Compiled last applied) in the generation in use: their ports' packets
// go to the slow path until ApplyRebuild sets their tries again, while
// the other VRFs keep forwarding.
func (p *Path) SuspendVRFs(vrfs []int) error {
	base := uint32(p.gen * MaxVRFs)
	for _, i := range vrfs {
		if i < 0 || i >= p.vrfs[p.gen] {
			return fmt.Errorf("fastpath: no VRF slot %d to suspend", i)
		}
		for fi := range 2 {
			if err := p.tries[fi].Delete(base + uint32(i)); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
				return fmt.Errorf("fastpath: suspend VRF slot %d: %w", i, err)
			}
		}
	}
	return nil
}

// ApplyRebuild writes r into the generation in use: its new nexthops
// after the last one, where no entry refers yet; the ports map's entries
// that go or change deleted; each rebuilt VRF's tries built whole and
// set into its outer slot in one update each (a packet sees the old trie
// or the new one, never one half built); then the entries that come or
// change set. r must come from UpdateVRFs of the Compiled last applied
// (with what was applied since). On error the steps before the failing
// one are done.
func (p *Path) ApplyRebuild(r *Rebuild) error {
	gen := p.gen
	if err := p.applyDelta(gen, &Delta{First: r.First, Nexthops: r.Nexthops}); err != nil {
		return err
	}
	for _, ifx := range r.Drop {
		if err := p.ports.Delete(ifx); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("fastpath: remove port %d: %w", ifx, err)
		}
		delete(p.inMap, ifx)
	}
	nhBase, vrfBase := uint32(gen*MaxNexthops), uint32(gen*MaxVRFs)
	for _, i := range slices.Sorted(maps.Keys(r.VRFs)) {
		if i < 0 || i >= p.vrfs[gen] {
			return fmt.Errorf("fastpath: no VRF slot %d to rebuild", i)
		}
		for fi := range 2 {
			t, err := p.setTrie(fi, vrfBase+uint32(i), r.VRFs[i].Routes[fi], nhBase)
			if err != nil {
				return err
			}
			p.inner[gen][fi][i].Close()
			p.inner[gen][fi][i] = t
		}
	}
	for _, ifx := range r.Set {
		v := r.Ports[ifx]
		v.VRF += vrfBase
		if err := p.ports.Put(ifx, v); err != nil {
			return fmt.Errorf("fastpath: set port %d: %w", ifx, err)
		}
		p.inMap[ifx] = true
	}
	return nil
}
