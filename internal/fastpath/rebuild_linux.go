package fastpath

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/cilium/ebpf"
)

// SuspendPorts deletes the ports map's entries of ifindexes: their
// packets go to the slow path until ApplyRebuild sets them again, while
// every other port keeps forwarding. Suspending the ports of a VRF
// suspends the VRF: its trie is reached only through them. A port
// entry's deletion is a hash map's, which waits for nothing, where
// emptying an outer slot waits for an RCU grace period.
func (p *Path) SuspendPorts(ifindexes []uint32) error {
	for _, ifx := range ifindexes {
		if err := p.ports.Delete(ifx); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("fastpath: suspend port %d: %w", ifx, err)
		}
		delete(p.inMap, ifx)
	}
	return nil
}

// ApplyRebuild writes r into the generation in use: its new nexthops
// after the last one, where no entry refers yet; the ports map's entries
// that go or change deleted; each rebuilt VRF's tries built whole and
// set into its outer slot, one update of each family's outer map for all
// of them (a packet sees a VRF's old trie or its new one, never one half
// built); then the entries of Set set. r must come from UpdateVRFs of the Compiled last applied
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
	vrfs := slices.Sorted(maps.Keys(r.VRFs))
	for fi := range 2 {
		slots, fds := make([]uint32, len(vrfs)), make([]uint32, len(vrfs))
		made := make([]*ebpf.Map, 0, len(vrfs))
		for j, i := range vrfs {
			if i < 0 || i >= p.vrfs[gen] {
				closeAll(made)
				return fmt.Errorf("fastpath: no VRF slot %d to rebuild", i)
			}
			t, err := p.newTrie(fi, r.VRFs[i].Routes[fi], nhBase)
			if err != nil {
				closeAll(made)
				return err
			}
			made = append(made, t)
			slots[j], fds[j] = vrfBase+uint32(i), uint32(t.FD())
		}
		// One update of the outer map for all: each waits for an RCU
		// grace period.
		if err := update(p.tries[fi], slots, fds); err != nil {
			closeAll(made)
			return fmt.Errorf("fastpath: set tries: %w", err)
		}
		for j, i := range vrfs {
			p.inner[gen][fi][i].Close()
			p.inner[gen][fi][i] = made[j]
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

// closeAll closes ms.
func closeAll(ms []*ebpf.Map) {
	for _, m := range ms {
		m.Close()
	}
}
