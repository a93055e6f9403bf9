package dataplane

import (
	"encoding/binary"
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/rule"
)

// A worker's input route cache has 1<<routeSetBits sets of routeWays
// entries each: 512 flows, about 135 KiB.
const (
	routeSetBits = 7
	routeWays    = 4
)

// routeCache remembers the input routes (control.Router.Input) of a
// worker's recent flows, so that the packets of a flow after its first
// skip the rule walks and the LPMs of the destination and of the source
// check: with a million routes, most of a packet's cost.
//
// It is exact. Input's decision is a function of the snapshot, of the
// flow Input is given and, when the router says it was PacketBound (a
// multipath hash), of the packet. An entry holds only decisions that
// were not packet-bound, keyed by the whole flow as the data path built
// it from the headers and by the snapshot's generation, which every
// publication raises: a route, rule, link, address, nexthop object or
// sysctl change leaves every entry stale at once, and no entry keeps a
// snapshot alive. Neighbours are no part of the decision: neigh_output
// runs after it, uncached. A traced packet bypasses the cache, to show
// its walk.
//
// The cache is the worker's, made at its first input route: no lock,
// no allocation per packet.
type routeCache struct {
	sets [1 << routeSetBits]routeSet
}

// routeSet is the entries of flows whose hash selects it.
type routeSet struct {
	e    [routeWays]routeEntry
	next uint8 // the entry the next decision replaces: the oldest
}

// routeEntry is one cached decision.
type routeEntry struct {
	gen  uint64 // the snapshot's generation plus one; 0: empty
	flow rule.Flow
	in   control.Input
}

// routeInput is Router.Input for a received packet through the worker's
// cache. The decision it returns for flow f of packet pkt holds until
// the worker's next routeInput.
func (w *worker) routeInput(pk *packet, f *rule.Flow, pkt []byte) *control.Input {
	if pk.tr != nil {
		w.router.Input(w.snap, f, pkt, &w.in)
		return &w.in
	}
	if w.routes == nil {
		w.routes = new(routeCache) // once per worker: only those that route pay
	}
	gen := w.snap.Gen() + 1
	set := &w.routes.sets[flowHash(f)>>(64-routeSetBits)]
	for i := range set.e {
		if e := &set.e[i]; e.gen == gen && sameFlow(&e.flow, f) {
			return &e.in
		}
	}
	key := *f // Input fills in the flow's L3 domain
	w.router.Input(w.snap, f, pkt, &w.in)
	if w.router.PacketBound() {
		return &w.in
	}
	e := &set.e[set.next]
	set.next = (set.next + 1) % routeWays
	*e = routeEntry{gen: gen, flow: key, in: w.in}
	return &e.in
}

// sameFlow is a == b, field by field: cheaper than the generated
// comparison, which calls memequal for the fields between the addresses.
// TestSameFlow holds it to every field of rule.Flow.
func sameFlow(a, b *rule.Flow) bool {
	return a.Dst == b.Dst && a.Src == b.Src && a.Iif == b.Iif && a.Oif == b.Oif &&
		a.Sport == b.Sport && a.Dport == b.Dport && a.IPProto == b.IPProto && a.Tos == b.Tos &&
		a.L3mdev == b.L3mdev && a.L3mdevTable == b.L3mdevTable && a.L3mdevFromOif == b.L3mdevFromOif &&
		a.Mark == b.Mark && a.FlowLabel == b.FlowLabel
}

// flowHash mixes the fields of f that tell flows apart into its high
// bits.
func flowHash(f *rule.Flow) uint64 {
	x := fold(f.Src) ^ fold(f.Dst)*0xc2b2ae3d27d4eb4f
	x ^= uint64(f.Sport)<<16 | uint64(f.Dport) | uint64(f.IPProto)<<32 | uint64(f.Tos)<<40 | uint64(f.Iif)<<48
	return x * 0x9e3779b97f4a7c15
}

// fold folds an address into 64 bits. An IPv4 address is read with
// As4, which stays in a register: As16's array goes through memory and
// costs a stalled load.
func fold(a netip.Addr) uint64 {
	if a.Is4() {
		b := a.As4()
		return uint64(binary.BigEndian.Uint32(b[:]))<<32 | 0xffff
	}
	b := a.As16()
	return binary.LittleEndian.Uint64(b[:8]) ^ binary.LittleEndian.Uint64(b[8:])
}
