package fastpath

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// Path is the fast path loaded in the kernel: its maps and its program,
// not yet attached anywhere. Apply swaps compiled contents in; the
// program may run on any number of ports meanwhile.
//
// Each Apply writes a new generation beside the one in use: nexthops
// into the other half of their array, each VRF's trie rebuilt whole and
// set into the other half of the outer maps, one batch update of each
// outer map for all VRFs, then the ports switched to it one entry at a
// time, then the old tries dropped, one batch update again. An Apply
// thus waits for four RCU grace periods whatever the number of VRFs.
// A packet thus sees either generation, never a mix, and a port whose
// entry was read just before a switch finds at worst a slot emptied (set
// to the empty trie) and goes to the slow path. A neighbour change rewrites its nexthops in the
// generation in use (SetNeighbour), in place under NexthopValue.Seq.
// Apply, SetNeighbour, Used and Close are for one goroutine at a time;
// Counters may be read from any.
type Path struct {
	mode     Mode
	ports    *ebpf.Map // HASH ifindex → PortValue
	tries    [2]*ebpf.Map
	nexthops *ebpf.Map // ARRAY id → NexthopValue, mapped into nhMem
	nhMem    []byte
	counters *ebpf.Map // PERCPU_ARRAY slot → Counters
	egress   *ebpf.Map // ARRAY slot → EgressXmit
	prog     *ebpf.Program
	behind   *ebpf.Program // XDP with Handover: the tc program behind it
	gen      int           // the half in use
	vrfs     [2]int        // VRF slots used in each half
	// inner are the tries of each half by family and VRF, kept open
	// for ApplyDelta.
	inner [2][2][]*ebpf.Map
	// empty is each family's empty trie, set into the slots of a half
	// left behind (dropTries).
	empty [2]*ebpf.Map
	inMap map[uint32]bool // ifindexes with an entry
}

// Options adjust the program NewWith builds.
type Options struct {
	// Handover, for TC, hands a frame the program does not forward over
	// through the interface's ingress again, marked HandoverMark,
	// rather than with TC_ACT_OK: packet sockets bound to all protocols
	// (ETH_P_ALL) see every frame before tc ingress runs, so a port
	// reading them would also receive the frames the program forwards.
	// A port that accepts only marked frames receives the others, once
	// each, in order. For XDP, which runs before the sockets, it builds
	// a tc program with handover over the same maps too (Behind), to run
	// at tcx ingress behind the XDP program: what XDP hands over (a
	// checksum left to the device, a super-frame, an egress that takes
	// no redirected frames) is still forwarded in the kernel, and the
	// rest reaches the port once.
	Handover bool
}

// New creates the maps and the program for mode, without Options. It
// needs CAP_BPF and CAP_NET_ADMIN (root); the error says what the
// kernel refused.
func New(mode Mode) (*Path, error) { return NewWith(mode, Options{}) }

// NewWith is New with opts.
func NewWith(mode Mode, opts Options) (*Path, error) {
	p := &Path{mode: mode, gen: 1, inMap: map[uint32]bool{}}
	specs := []struct {
		m    **ebpf.Map
		spec *ebpf.MapSpec
	}{
		{&p.ports, &ebpf.MapSpec{Name: "fp_ports", Type: ebpf.Hash, KeySize: 4, ValueSize: portSize, MaxEntries: MaxPorts}},
		{&p.tries[0], outerSpec("fp_tries4", 8)},
		{&p.tries[1], outerSpec("fp_tries6", 20)},
		{&p.nexthops, &ebpf.MapSpec{Name: "fp_nexthops", Type: ebpf.Array, KeySize: 4, ValueSize: nhSize,
			MaxEntries: 2*MaxNexthops + 1, Flags: unix.BPF_F_MMAPABLE}},
		{&p.counters, &ebpf.MapSpec{Name: "fp_counters", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: ctrSize, MaxEntries: MaxPorts}},
		{&p.egress, &ebpf.MapSpec{Name: "fp_egress", Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: MaxPorts}},
	}
	for _, s := range specs {
		m, err := ebpf.NewMap(s.spec)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("fastpath: create map %s (run as root, on Linux 5.10 or later): %w", s.spec.Name, err)
		}
		*s.m = m
	}
	var err error
	for fi := range 2 {
		if p.empty[fi], err = p.newTrie(fi, nil, 0); err != nil {
			p.Close()
			return nil, err
		}
	}
	page := os.Getpagesize()
	mem, err := unix.Mmap(p.nexthops.FD(), 0, ((2*MaxNexthops+1)*nhSize+page-1)/page*page,
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("fastpath: map the nexthops: %w", err)
	}
	p.nhMem = mem
	fds := mapFDs{ports: p.ports.FD(), tries4: p.tries[0].FD(), tries6: p.tries[1].FD(),
		nexthops: p.nexthops.FD(), counters: p.counters.FD(), egress: p.egress.FD()}
	if p.prog, err = load(mode, fds, opts.Handover); err != nil {
		p.Close()
		return nil, err
	}
	if mode == XDP && opts.Handover {
		if p.behind, err = load(TC, fds, true); err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

// load loads the program of mode over the maps fds. The XDP program is
// frags-capable (BPF_F_XDP_HAS_FRAGS): a veth keeps GSO on its peer only
// with such a program, whose super-frames it then receives in several
// buffers; the program sees the first only, and hands them over.
func load(mode Mode, fds mapFDs, handover bool) (*ebpf.Program, error) {
	spec := &ebpf.ProgramSpec{Name: "govrf_fastpath", Type: ebpf.XDP, Flags: unix.BPF_F_XDP_HAS_FRAGS,
		Instructions: program(mode, fds, handover), License: "GPL"}
	if mode == TC {
		spec.Type, spec.Flags = ebpf.SchedCLS, 0
	}
	prog, err := ebpf.NewProgram(spec)
	if err != nil {
		return nil, fmt.Errorf("fastpath: load the %s program: %w", mode, err)
	}
	return prog, nil
}

// outerSpec is the spec of a family's outer map: an ARRAY_OF_MAPS of
// LPM tries with keys of keySize octets, two generations of VRF slots.
func outerSpec(name string, keySize uint32) *ebpf.MapSpec {
	return &ebpf.MapSpec{Name: name, Type: ebpf.ArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2 * MaxVRFs,
		InnerMap: trieSpec(keySize)}
}

// trieSpec is the spec of one VRF's trie of one family.
func trieSpec(keySize uint32) *ebpf.MapSpec {
	return &ebpf.MapSpec{Name: "fp_trie", Type: ebpf.LPMTrie, KeySize: keySize, ValueSize: 4,
		MaxEntries: maxRoutes, Flags: unix.BPF_F_NO_PREALLOC}
}

// Mode returns the mode the program was built for.
func (p *Path) Mode() Mode { return p.mode }

// Program returns the program, for the caller to attach (XDP, or tcx
// ingress for TC). It stays owned by p.
func (p *Path) Program() *ebpf.Program { return p.prog }

// Behind returns the tc program to attach at tcx ingress behind the XDP
// program (Options.Handover), nil for none. It stays owned by p.
func (p *Path) Behind() *ebpf.Program { return p.behind }

// SetXmit tells the XDP program whether the port of counter slot takes
// redirected frames (EgressXmit); it redirects to no other. A slot is
// without until told.
func (p *Path) SetXmit(slot int, xmit bool) error {
	v := uint32(0)
	if xmit {
		v = EgressXmit
	}
	if err := p.egress.Put(uint32(slot), v); err != nil {
		return fmt.Errorf("fastpath: set egress of slot %d: %w", slot, err)
	}
	return nil
}

// Apply installs c as the next generation (see Path), with deltas
// (from Update of c, in order) applied to it before any port switches
// to it. On error the generation in use stays in use, with the ports
// already switched (each consistent); apply again or Close.
func (p *Path) Apply(c *Compiled, deltas ...*Delta) error {
	next := 1 - p.gen
	if len(c.VRFs) > MaxVRFs || len(c.Nexthops) > MaxNexthops {
		return fmt.Errorf("fastpath: %d VRFs and %d nexthops exceed the maps (%d, %d)", len(c.VRFs), len(c.Nexthops), MaxVRFs, MaxNexthops)
	}
	nhBase := uint32(next * MaxNexthops)
	if n := len(c.Nexthops); n > 0 {
		keys := make([]uint32, n)
		for i := range keys {
			keys[i] = nhBase + uint32(i) + 1
		}
		if err := update(p.nexthops, keys, c.Nexthops); err != nil {
			return fmt.Errorf("fastpath: write nexthops: %w", err)
		}
	}
	vrfBase := uint32(next * MaxVRFs)
	p.closeInner(next)
	for fi := range 2 {
		ts, err := p.setTries(fi, vrfBase, c.VRFs, nhBase)
		if err != nil {
			return err
		}
		p.inner[next][fi] = ts
	}
	for _, d := range deltas {
		if err := p.applyDelta(next, d); err != nil {
			return err
		}
	}
	p.vrfs[next] = len(c.VRFs)
	for ifx, v := range c.Ports {
		v.VRF += vrfBase
		if err := p.ports.Put(ifx, v); err != nil {
			return fmt.Errorf("fastpath: set port %d: %w", ifx, err)
		}
		p.inMap[ifx] = true
	}
	for ifx := range p.inMap {
		if _, ok := c.Ports[ifx]; !ok {
			if err := p.ports.Delete(ifx); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
				return fmt.Errorf("fastpath: remove port %d: %w", ifx, err)
			}
			delete(p.inMap, ifx)
		}
	}
	if err := p.dropTries(p.gen); err != nil {
		return err
	}
	p.vrfs[p.gen] = 0
	p.closeInner(p.gen)
	p.gen = next
	return nil
}

// closeInner closes the tries kept of half gen.
func (p *Path) closeInner(gen int) {
	for fi := range 2 {
		for _, t := range p.inner[gen][fi] {
			t.Close()
		}
		p.inner[gen][fi] = nil
	}
}

// ApplyDelta writes d's new nexthops into the generation in use, after
// its last one, where no trie entry refers yet, then sets and deletes
// d's keys in its tries one at a time: each key's update is atomic in
// the kernel, so a lookup finds a key's old value or its new one. d
// must come from Update of the Compiled last applied (with the nexthops
// of the deltas applied since). On error the keys before the failing
// one are set.
func (p *Path) ApplyDelta(d *Delta) error { return p.applyDelta(p.gen, d) }

// applyDelta is ApplyDelta into generation gen.
func (p *Path) applyDelta(gen int, d *Delta) error {
	nhBase := uint32(gen * MaxNexthops)
	if n := len(d.Nexthops); n > 0 {
		if d.First == 0 || int(d.First)+n-1 > MaxNexthops {
			return fmt.Errorf("fastpath: nexthops %d to %d exceed the maps (%d)", d.First, int(d.First)+n-1, MaxNexthops)
		}
		keys := make([]uint32, n)
		for i := range keys {
			keys[i] = nhBase + d.First + uint32(i)
		}
		if err := update(p.nexthops, keys, d.Nexthops); err != nil {
			return fmt.Errorf("fastpath: write nexthops: %w", err)
		}
	}
	for _, k := range d.Keys {
		if k.Family < 0 || k.Family > 1 || k.VRF < 0 || k.VRF >= len(p.inner[gen][k.Family]) {
			return fmt.Errorf("fastpath: no trie %d of family %d to update", k.VRF, k.Family)
		}
		t := p.inner[gen][k.Family][k.VRF]
		key := trieKey(k.Entry.Prefix)
		if k.Delete {
			if err := t.Delete(key); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
				return fmt.Errorf("fastpath: delete %s: %w", k.Entry.Prefix, err)
			}
			continue
		}
		v := k.Entry.Value
		if k.Entry.Nexthop() != 0 {
			v += nhBase
		}
		if err := t.Put(key, v); err != nil {
			return fmt.Errorf("fastpath: set %s: %w", k.Entry.Prefix, err)
		}
	}
	return nil
}

// setTries builds the tries of family fi of vrfs (nexthop ids offset by
// nhBase) and sets them at the outer slots from base on, in one batch
// update of the outer map: the kernel waits for an RCU grace period once
// per update of a map of maps, whether of one slot or a batch. It
// returns the tries, for the caller to close.
func (p *Path) setTries(fi int, base uint32, vrfs []Tries, nhBase uint32) ([]*ebpf.Map, error) {
	made := make([]*ebpf.Map, 0, len(vrfs))
	slots, fds := make([]uint32, len(vrfs)), make([]uint32, len(vrfs))
	for i := range vrfs {
		t, err := p.newTrie(fi, vrfs[i].Routes[fi], nhBase)
		if err != nil {
			closeAll(made)
			return nil, err
		}
		made = append(made, t)
		slots[i], fds[i] = base+uint32(i), uint32(t.FD())
	}
	if len(made) == 0 {
		return nil, nil
	}
	if err := update(p.tries[fi], slots, fds); err != nil {
		closeAll(made)
		return nil, fmt.Errorf("fastpath: set tries: %w", err)
	}
	return made, nil
}

// dropTries releases the tries of half gen's used slots, which no port
// points at any more: each family's slots are set to its empty trie in
// one batch update (the kernel has no batch deletion for an
// ARRAY_OF_MAPS, and each single deletion waits for a grace period). A
// slot holding the empty trie forwards nothing, as an empty slot.
func (p *Path) dropTries(gen int) error {
	n := p.vrfs[gen]
	if n == 0 {
		return nil
	}
	base := uint32(gen * MaxVRFs)
	for fi := range 2 {
		slots, fds := make([]uint32, n), make([]uint32, n)
		for i := range n {
			slots[i], fds[i] = base+uint32(i), uint32(p.empty[fi].FD())
		}
		if err := update(p.tries[fi], slots, fds); err != nil {
			return fmt.Errorf("fastpath: drop old tries: %w", err)
		}
	}
	return nil
}

// newTrie builds a trie of family fi from entries (nexthop ids offset by
// nhBase), for the caller to set and close.
func (p *Path) newTrie(fi int, entries []Entry, nhBase uint32) (*ebpf.Map, error) {
	key := uint32(8)
	if fi == 1 {
		key = 20
	}
	t, err := ebpf.NewMap(trieSpec(key))
	if err != nil {
		return nil, fmt.Errorf("fastpath: create a trie: %w", err)
	}
	if len(entries) > 0 {
		vals := make([]uint32, len(entries))
		for i, e := range entries {
			vals[i] = e.Value
			if e.Nexthop() != 0 {
				vals[i] += nhBase
			}
		}
		if fi == 0 {
			err = update(t, keysOf[trieKey4](entries), vals)
		} else {
			err = update(t, keysOf[trieKey6](entries), vals)
		}
		if err != nil {
			t.Close()
			return nil, fmt.Errorf("fastpath: fill a trie: %w", err)
		}
	}
	return t, nil
}

// keysOf returns the trie keys of entries, of one family.
func keysOf[K trieKey4 | trieKey6](entries []Entry) []K {
	k := make([]K, len(entries))
	for i, e := range entries {
		k[i] = trieKey(e.Prefix).(K)
	}
	return k
}

// update writes keys and values (slices of equal length) into m, in
// batches where the kernel has them for m's type, else one by one.
func update[K, V any](m *ebpf.Map, keys []K, vals []V) error {
	_, err := m.BatchUpdate(keys, vals, nil)
	if err == nil || !errors.Is(err, ebpf.ErrNotSupported) {
		return err
	}
	for i := range keys {
		if err := m.Put(keys[i], vals[i]); err != nil {
			return err
		}
	}
	return nil
}

// SetNeighbour rewrites the Neighbour part of nexthop id (1-based, as in
// the Compiled last applied) in place, under its Seq (see NexthopValue):
// a packet either sees the old part or the new one, or goes to the slow
// path.
func (p *Path) SetNeighbour(id uint32, n Neighbour) error {
	if id == 0 || id > MaxNexthops {
		return fmt.Errorf("fastpath: no nexthop %d", id)
	}
	v := p.nexthop(id)
	seq := (*uint32)(unsafe.Pointer(&v[nhSeqOff]))
	s := atomic.LoadUint32(seq) &^ 1
	var dst [8]byte
	copy(dst[:], n.MAC[:])
	binary.NativeEndian.PutUint16(dst[6:], n.Flags)
	atomic.StoreUint32(seq, s+1)
	atomic.StoreUint64((*uint64)(unsafe.Pointer(&v[nhDeadlineOff])), n.Deadline)
	atomic.StoreUint64((*uint64)(unsafe.Pointer(&v[nhDstOff])), binary.NativeEndian.Uint64(dst[:]))
	atomic.StoreUint32(seq, s+2)
	return nil
}

// Used returns when the program last forwarded to nexthop id (as in the
// Compiled last applied) while it was tracked, in CLOCK_MONOTONIC
// nanoseconds (0: never).
func (p *Path) Used(id uint32) uint64 {
	if id == 0 || id > MaxNexthops {
		return 0
	}
	return atomic.LoadUint64((*uint64)(unsafe.Pointer(&p.nexthop(id)[nhUsedOff])))
}

// nexthop returns nexthop id of the generation in use, in the mapped
// array.
func (p *Path) nexthop(id uint32) []byte {
	off := (p.gen*MaxNexthops + int(id)) * nhSize
	return p.nhMem[off : off+nhSize : off+nhSize]
}

// Counters returns what the fast path counted on port slot, summed over
// the processors.
func (p *Path) Counters(slot int) (Counters, error) {
	var per []Counters
	if err := p.counters.Lookup(uint32(slot), &per); err != nil {
		return Counters{}, fmt.Errorf("fastpath: read counters of slot %d: %w", slot, err)
	}
	var sum Counters
	for _, c := range per {
		sum.Add(c)
	}
	return sum, nil
}

// Close releases the program and the maps; an attached program keeps
// running with them until detached.
func (p *Path) Close() error {
	var errs []error
	if p.nhMem != nil {
		errs = append(errs, unix.Munmap(p.nhMem))
		p.nhMem = nil
	}
	for _, prog := range []*ebpf.Program{p.prog, p.behind} {
		if prog != nil {
			errs = append(errs, prog.Close())
		}
	}
	p.closeInner(0)
	p.closeInner(1)
	for _, m := range []*ebpf.Map{p.ports, p.tries[0], p.tries[1], p.nexthops, p.counters, p.egress, p.empty[0], p.empty[1]} {
		if m != nil {
			errs = append(errs, m.Close())
		}
	}
	return errors.Join(errs...)
}
